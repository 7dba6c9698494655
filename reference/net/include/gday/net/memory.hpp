#pragma once
/// An in-memory transport pair for tests and fuzzers, with fault injection
/// (the n-th read or write fails, short reads and writes), in the manner of
/// Beast's test::stream and its fail_count.

#include <cstddef>
#include <limits>
#include <memory>
#include <utility>

#include "gday/net/transport.hpp"

namespace gday::net {

/// Faults one end of a memory pipe injects into its own operations.
struct memory_faults {
  /// The n-th read_some() (1-based, counting calls that move bytes or report
  /// the end of input) fails with `error` instead; 0: never.
  std::size_t fail_read_at = 0;
  /// The n-th write_some() (1-based, counting calls that move bytes) fails
  /// with `error` instead; 0: never.
  std::size_t fail_write_at = 0;
  std::error_code error = std::make_error_code(std::errc::connection_reset);
  /// Short reads: at most this many bytes per read_some().
  std::size_t max_read = std::numeric_limits<std::size_t>::max();
  /// Short writes: at most this many bytes per write_some().
  std::size_t max_write = std::numeric_limits<std::size_t>::max();
};

/// One end of an in-memory pipe: what one end writes, the other reads.
/// Writes never block (the pipe has no size limit). The two ends may live on
/// different executors and threads.
class memory_transport final : public transport {
 public:
  /// Two connected ends; each runs its handlers on its own executor.
  static std::pair<std::unique_ptr<memory_transport>, std::unique_ptr<memory_transport>> make_pair(
      boost::asio::any_io_executor first, boost::asio::any_io_executor second);

  ~memory_transport() override;

  /// Sets the faults this end injects from now on (counts restart at 0).
  void set_faults(const memory_faults& faults);

  /// Completed reads and writes so far (as the fault counts see them).
  std::size_t reads() const;
  std::size_t writes() const;

  io_result read_some(std::span<char> buffer) override;
  io_result write_some(std::span<const char> bytes) override;
  void async_wait(wait_type what, wait_handler done) override;
  void cancel() noexcept override;
  std::error_code shutdown_send() noexcept override;
  void close() noexcept override;
  void reset() noexcept override;
  boost::asio::any_io_executor get_executor() override;

  struct shared;

 private:
  memory_transport(std::shared_ptr<shared> state, int side, boost::asio::any_io_executor executor);
  std::shared_ptr<shared> state_;
  int side_;
  boost::asio::any_io_executor executor_;
};

}  // namespace gday::net
