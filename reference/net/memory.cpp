#include "gday/net/memory.hpp"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <mutex>
#include <string>

namespace gday::net {
namespace {

namespace asio = boost::asio;

std::error_code aborted() { return boost::system::error_code(asio::error::operation_aborted); }

io_result failed(std::errc e) { return {io_status::failed, 0, std::make_error_code(e)}; }

}  // namespace

struct memory_transport::shared {
  struct end {
    asio::any_io_executor executor;
    std::string inbox;         // written by the other end, not read yet
    bool input_ended = false;  // the other end shut down its output or closed
    bool input_reset = false;  // the other end reset
    bool output_shut = false;  // this end shut down its output
    bool closed = false;       // this end closed or reset
    wait_handler reader;       // a pending read wait
    memory_faults faults;
    std::size_t reads = 0, writes = 0;
  };
  std::mutex mutex;
  end ends[2];

  // Completes end `side`'s pending read wait with `ec` (mutex held).
  void wake(int side, std::error_code ec = {}) {
    end& e = ends[side];
    if (!e.reader) return;
    asio::post(e.executor, [reader = std::exchange(e.reader, nullptr), ec] { reader(ec); });
  }
};

memory_transport::memory_transport(std::shared_ptr<shared> state, int side,
                                   asio::any_io_executor executor)
    : state_(std::move(state)), side_(side), executor_(std::move(executor)) {}

std::pair<std::unique_ptr<memory_transport>, std::unique_ptr<memory_transport>>
memory_transport::make_pair(asio::any_io_executor first, asio::any_io_executor second) {
  auto state = std::make_shared<shared>();
  state->ends[0].executor = first;
  state->ends[1].executor = second;
  return {std::unique_ptr<memory_transport>(new memory_transport(state, 0, first)),
          std::unique_ptr<memory_transport>(new memory_transport(state, 1, second))};
}

memory_transport::~memory_transport() { close(); }

void memory_transport::set_faults(const memory_faults& faults) {
  std::lock_guard lock(state_->mutex);
  auto& self = state_->ends[side_];
  self.faults = faults;
  self.reads = self.writes = 0;
}

std::size_t memory_transport::reads() const {
  std::lock_guard lock(state_->mutex);
  return state_->ends[side_].reads;
}

std::size_t memory_transport::writes() const {
  std::lock_guard lock(state_->mutex);
  return state_->ends[side_].writes;
}

io_result memory_transport::read_some(std::span<char> buffer) {
  std::lock_guard lock(state_->mutex);
  auto& self = state_->ends[side_];
  if (self.closed) return failed(std::errc::bad_file_descriptor);
  if (self.inbox.empty() && !self.input_ended && !self.input_reset) {
    return {io_status::would_block, 0, {}};
  }
  if (++self.reads == self.faults.fail_read_at) return {io_status::failed, 0, self.faults.error};
  if (!self.inbox.empty()) {
    const std::size_t n = std::min({buffer.size(), self.inbox.size(), self.faults.max_read});
    std::copy_n(self.inbox.data(), n, buffer.data());
    self.inbox.erase(0, n);
    return {io_status::done, n, {}};
  }
  if (self.input_reset) return failed(std::errc::connection_reset);
  return {io_status::end_of_input, 0, {}};
}

io_result memory_transport::write_some(std::span<const char> bytes) {
  std::lock_guard lock(state_->mutex);
  auto& self = state_->ends[side_];
  auto& peer = state_->ends[1 - side_];
  if (self.closed) return failed(std::errc::bad_file_descriptor);
  if (self.output_shut || peer.closed) return failed(std::errc::broken_pipe);
  if (++self.writes == self.faults.fail_write_at) return {io_status::failed, 0, self.faults.error};
  const std::size_t n = std::min(bytes.size(), self.faults.max_write);
  peer.inbox.append(bytes.data(), n);
  if (n > 0) state_->wake(1 - side_);
  return {io_status::done, n, {}};
}

void memory_transport::async_wait(wait_type what, wait_handler done) {
  std::lock_guard lock(state_->mutex);
  auto& self = state_->ends[side_];
  if (self.closed) {
    asio::post(executor_, [done = std::move(done)] { done(aborted()); });
    return;
  }
  const bool ready =
      what == wait_type::write || !self.inbox.empty() || self.input_ended || self.input_reset;
  if (ready) {
    asio::post(executor_, [done = std::move(done)] { done({}); });
    return;
  }
  self.reader = std::move(done);
}

void memory_transport::cancel() noexcept {
  std::lock_guard lock(state_->mutex);
  state_->wake(side_, aborted());
}

std::error_code memory_transport::shutdown_send() noexcept {
  std::lock_guard lock(state_->mutex);
  auto& self = state_->ends[side_];
  if (self.closed) return std::make_error_code(std::errc::bad_file_descriptor);
  if (self.output_shut) return {};
  self.output_shut = true;
  state_->ends[1 - side_].input_ended = true;
  state_->wake(1 - side_);
  return {};
}

void memory_transport::close() noexcept {
  std::lock_guard lock(state_->mutex);
  auto& self = state_->ends[side_];
  if (self.closed) return;
  self.closed = true;
  self.inbox.clear();
  state_->ends[1 - side_].input_ended = true;
  state_->wake(1 - side_);
  state_->wake(side_, aborted());
}

void memory_transport::reset() noexcept {
  std::lock_guard lock(state_->mutex);
  auto& self = state_->ends[side_];
  if (self.closed) return;
  self.closed = true;
  self.inbox.clear();
  // A reset discards what the peer has not read yet, as TCP does.
  state_->ends[1 - side_].inbox.clear();
  state_->ends[1 - side_].input_reset = true;
  state_->wake(1 - side_);
  state_->wake(side_, aborted());
}

asio::any_io_executor memory_transport::get_executor() { return executor_; }

}  // namespace gday::net
