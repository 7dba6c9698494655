// The launched target: the harness starts the server under test itself
// (Boost.Process), with a throwaway certificate it trusts, and restarts it
// when a scenario needs other settings or a fresh server.
#include <sys/prctl.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cmath>

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "gday/base/process.hpp"
#include "gday/base/shell.hpp"
#include "gday/harness/target.hpp"

namespace gday::harness {
namespace {

namespace bp = boost::process;
namespace asio = boost::asio;
using asio::ip::tcp;

// A port free on both 127.0.0.1 and ::1 right now.
std::uint16_t free_port_pair() {
  asio::io_context io;
  for (int attempt = 0; attempt < 50; ++attempt) {
    boost::system::error_code ec;
    tcp::acceptor a4(io);
    a4.open(tcp::v4(), ec);
    a4.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), ec);
    if (ec) continue;
    const auto port = a4.local_endpoint(ec).port();
    tcp::acceptor a6(io);
    a6.open(tcp::v6(), ec);
    if (ec) return port;  // no IPv6 here: the v4 port will do
    a6.set_option(asio::ip::v6_only(true), ec);
    a6.bind(tcp::endpoint(asio::ip::make_address("::1"), port), ec);
    if (!ec) return port;
  }
  return 0;
}

// Whether a connection to `host`:`port` is accepted; `why` says why not.
bool port_accepts(std::uint16_t port, const char* host = "127.0.0.1", std::string* why = nullptr) {
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address(host), port), ec);
  if (ec && why) *why = ec.message();
  return !ec;
}

class launched_target;

// Runs jobs one at a time on a thread of its own, which lives as long as the
// spawner (PR_SET_PDEATHSIG fires when the forking *thread* exits, and the
// runner's worker threads come and go).
class spawner {
 public:
  spawner() : thread_([this] { loop(); }) {}
  ~spawner() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  spawner(const spawner&) = delete;
  spawner& operator=(const spawner&) = delete;

  /// Runs `job` on the spawner's thread and waits for it.
  void run(std::function<void()> job) {
    std::packaged_task<void()> task(std::move(job));
    auto done = task.get_future();
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(task));
    }
    cv_.notify_all();
    done.get();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest exists
};

// The running server process and its captured stderr.
struct process {
  bp::child child;
  bp::ipstream err;
  std::thread reader;
  std::mutex log_mutex;
  std::condition_variable log_ended_cv;
  bool log_ended = false;  // the reader saw the end of the server's stderr
  std::string log;
  std::uint16_t port = 0;
  std::string no_v6_seen;  // empty: it accepts on [::1]:port too
  std::string key;         // settings it runs with

  ~process() {
    // Not Boost.Process's wait_for(): see base/process.hpp.
    std::error_code ec;
    if (child.valid() && child.running(ec)) {
      ::kill(child.id(), SIGTERM);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      if (!base::wait_for_exit(child.id(), deadline) && child.running(ec)) child.terminate(ec);
    }
    if (child.valid()) child.wait(ec);
    if (reader.joinable()) reader.join();
  }

  std::string log_since(std::size_t from) {
    std::lock_guard lock(log_mutex);
    return from < log.size() ? log.substr(from) : std::string();
  }
  std::size_t log_size() {
    std::lock_guard lock(log_mutex);
    return log.size();
  }
  // All the server wrote, once its stderr has ended (or `grace` passed: a
  // process it started may still hold the pipe open).
  std::string whole_log(std::chrono::milliseconds grace) {
    std::unique_lock lock(log_mutex);
    log_ended_cv.wait_for(lock, grace, [this] { return log_ended; });
    return log;
  }
};

class launched_lease final : public lease {
 public:
  launched_lease(launched_target& owner, std::shared_ptr<process> p, endpoint_info ep)
      : owner_(owner),
        process_(std::move(p)),
        endpoints_(std::move(ep)),
        log_from_(process_->log_size()) {}
  ~launched_lease() override;
  const endpoint_info& endpoints() const override { return endpoints_; }
  bool alive() override {
    std::error_code ec;
    return process_->child.running(ec);
  }
  bool exited_within(std::chrono::milliseconds grace) override {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (alive()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  std::string log() override { return process_->log_since(log_from_); }
  void discard() override;
  int server_pid() const override { return process_->child.id(); }

 private:
  launched_target& owner_;
  std::shared_ptr<process> process_;
  endpoint_info endpoints_;
  std::size_t log_from_;
};

class launched_target final : public target {
 public:
  explicit launched_target(launch_options options) : options_(std::move(options)) {}

  ~launched_target() override {
    current_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  std::string describe() const override { return "server launched by: " + options_.command; }

  std::string rerun_flags() const override {
    return " --server-cmd " + base::shell_quote(options_.command) +
           (options_.plain ? " --plain" : "");
  }

  prepared prepare(const settings& needs, wire::profile) override {
    // Launched servers take whole seconds (upstream's -t is an integer).
    double timeout = chosen_room_timeout(needs);
    if (needs.max_room_timeout_s) timeout = std::floor(*needs.max_room_timeout_s);
    if (timeout < 1 || (needs.min_room_timeout_s && timeout < *needs.min_room_timeout_s)) {
      return failure{error::skip,
                     "needs a sub-second room timeout; a launched server takes whole seconds"};
    }
    const std::string key = std::to_string(static_cast<long long>(timeout)) + "/" +
                            std::to_string(chosen_request_limit(needs));
    std::unique_lock lock(mutex_);
    // Wait until the running server has the settings we need, or nobody uses it.
    cv_.wait(lock, [&] {
      return users_ == 0 ||
             (!exclusive_ && !needs.fresh_server && current_ && current_->key == key && !dirty_);
    });
    if (!current_ || current_->key != key || needs.fresh_server || dirty_ || !alive_locked()) {
      current_.reset();
      auto started = start(key, static_cast<long long>(timeout), chosen_request_limit(needs));
      if (!started) return started.error();
    }
    ++users_;
    exclusive_ = needs.fresh_server;
    dirty_ = needs.fresh_server;  // a fresh server is used once
    endpoint_info ep;
    ep.tls = !options_.plain;
    ep.port4 = current_->port;
    ep.port6 = current_->no_v6_seen.empty() ? current_->port : 0;
    ep.no_v6_seen = current_->no_v6_seen;
    ep.tls_options.ca_pem = pki_.ca_cert_pem;
    return std::unique_ptr<lease>(std::make_unique<launched_lease>(*this, current_, std::move(ep)));
  }

  bool parallel() const override { return true; }

  void release() {
    std::lock_guard lock(mutex_);
    --users_;
    if (users_ == 0) exclusive_ = false;
    cv_.notify_all();
  }

  /// `p` stopped serving: the next scenario gets a new server (once every
  /// scenario still using `p` has ended), as after a crash.
  void discard(const std::shared_ptr<process>& p) {
    std::lock_guard lock(mutex_);
    if (current_ == p) dirty_ = true;
  }

 private:
  bool alive_locked() {
    std::error_code ec;
    return current_ && current_->child.running(ec);
  }

  // Starts the server, or says why it could not (target_unusable).
  result<done> start(const std::string& key, long long timeout, std::uint32_t limit) {
    auto unusable = [](std::string why) { return failure{error::target_unusable, std::move(why)}; };
    if (dir_.empty()) {
      char tmpl[] = "/tmp/gday-conformance-XXXXXX";
      if (!::mkdtemp(tmpl)) return unusable("cannot create a temporary folder for the certificate");
      dir_ = tmpl;
      auto pki = net::generate_test_pki();
      if (!pki) return unusable(pki.error().what());
      pki_ = *pki;
      if (auto w = net::write_file(dir_ + "/cert.pem", pki_.server_cert_pem); !w) {
        return unusable(w.error().what());
      }
      if (auto w = net::write_file(dir_ + "/key.pem", pki_.server_key_pem); !w) {
        return unusable(w.error().what());
      }
    }
    const std::uint16_t port = free_port_pair();
    if (port == 0) return unusable("cannot find a free port");
    const std::string cmd =
        base::expand_placeholders(options_.command, {{"port", std::to_string(port)},
                                                     {"cert", dir_ + "/cert.pem"},
                                                     {"key", dir_ + "/key.pem"},
                                                     {"timeout", std::to_string(timeout)},
                                                     {"request_limit", std::to_string(limit)}});
    auto p = std::make_shared<process>();
    p->port = port;
    p->key = key;
    std::error_code ec;
    // The server must not outlive the harness, however the harness ends:
    // the kernel kills it when its parent thread exits (PR_SET_PDEATHSIG),
    // so it is forked on the spawner thread, which lives as long as we do.
    spawner_.run([&] {
      const pid_t parent = ::getpid();
      p->child = bp::child(
          bp::search_path("sh"), "-c", "exec " + cmd, bp::std_out > bp::null, bp::std_err > p->err,
          bp::std_in < bp::null,
          bp::extend::on_exec_setup =
              [parent](auto&) {
                base::close_on_exec_from(3);  // none of the harness's sockets
                ::prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (::getppid() != parent) ::_exit(127);
              },
          ec);
    });
    if (ec) return unusable("cannot start '" + cmd + "': " + ec.message());
    p->reader = std::thread([raw = p.get()] {
      std::string line;
      while (std::getline(raw->err, line)) {
        std::lock_guard lock(raw->log_mutex);
        if (raw->log.size() < (1u << 20)) raw->log += line + "\n";
      }
      std::lock_guard lock(raw->log_mutex);
      raw->log_ended = true;
      raw->log_ended_cv.notify_all();
    });
    // Wait until it accepts connections (or dies), with a deadline.
    const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
    while (!port_accepts(port)) {
      if (!p->child.running(ec)) {
        p->child.wait(ec);
        // Its last words (why it stopped) may still be in the pipe.
        return unusable("the server exited (code " + std::to_string(p->child.exit_code()) +
                        ") before accepting connections: " + cmd + "\n" +
                        p->whole_log(std::chrono::seconds(1)));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return unusable("the server did not accept connections on port " + std::to_string(port) +
                        " within " + std::to_string(options_.ready_timeout.count()) +
                        " ms: " + cmd + "\n" + p->log_since(0));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Listening on IPv4 only is allowed (spec T-2 is a SHOULD): the IPv6
    // scenarios are then SKIPped, and T-2's own scenarios report it.
    std::string refused;
    if (!port_accepts(port, "::1", &refused)) {
      p->no_v6_seen = "[::1]:" + std::to_string(port) + " refused the connection (" + refused + ")";
    }
    current_ = std::move(p);
    return done{};
  }

  spawner spawner_;  // first: destroyed last, after every server it started
  launch_options options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<process> current_;
  int users_ = 0;
  bool exclusive_ = false;
  bool dirty_ = false;
  std::string dir_;
  net::test_pki pki_;
};

launched_lease::~launched_lease() { owner_.release(); }

void launched_lease::discard() { owner_.discard(process_); }

}  // namespace

std::unique_ptr<target> make_launched_target(const launch_options& options) {
  return std::make_unique<launched_target>(options);
}

}  // namespace gday::harness
