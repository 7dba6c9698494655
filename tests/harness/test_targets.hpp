#pragma once
// Test doubles for the harness's targets: a loopback TCP server whose every
// accepted connection gets a scripted treatment (say nothing, close, reset,
// send these bytes), and a target that hands out fixed endpoints (or a fixed
// failure) so scenarios and probes can be pointed at it.

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gday/harness/target.hpp"

namespace gday::harness::testing {

/// A server on 127.0.0.1 that gives each accepted connection to `serve` on its
/// own thread, then keeps the socket open (unless `serve` closed it) until the
/// server is destroyed. `serve` must not block.
class raw_server {
 public:
  using socket = boost::asio::ip::tcp::socket;

  explicit raw_server(std::function<void(socket&)> serve, int receive_buffer = 0) : acceptor_(io_) {
    namespace asio = boost::asio;
    acceptor_.open(asio::ip::tcp::v4());
    // Inherited by the accepted sockets: a small window fills at once.
    if (receive_buffer > 0) {
      acceptor_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    }
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, serve = std::move(serve)] {
      while (true) {
        socket s(io_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stop_) return;
        serve(s);
        accepted_.push_back(std::move(s));
      }
    });
  }

  ~raw_server() {
    stop_ = true;
    // Wakes the blocking accept with a connection of our own.
    socket wake(io_);
    boost::system::error_code ec;
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;

  std::uint16_t port() const { return port_; }

  /// Treatments for `serve`.
  static void say_nothing(socket&) {}
  static void close_at_once(socket& s) {
    boost::system::error_code ec;
    s.shutdown(socket::shutdown_both, ec);
    s.close(ec);
  }
  static void reset_at_once(socket& s) {
    boost::system::error_code ec;
    s.set_option(boost::asio::socket_base::linger(true, 0), ec);
    s.close(ec);
  }
  /// Resets the connection once the client wrote a byte (a reset before the
  /// client saw its connect complete would fail the connect instead).
  static void reset_after_a_byte(socket& s) {
    timeval limit{2, 0};  // never blocks the server for good
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char byte = 0;
    boost::system::error_code ec;
    s.read_some(boost::asio::buffer(&byte, 1), ec);
    reset_at_once(s);
  }
  static std::function<void(socket&)> send(std::string bytes, bool then_close = false) {
    return [bytes = std::move(bytes), then_close](socket& s) {
      boost::system::error_code ec;
      boost::asio::write(s, boost::asio::buffer(bytes), ec);
      if (then_close) close_at_once(s);
    };
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<socket> accepted_;
  std::thread thread_;
};

/// A target that prepares nothing: every lease has `endpoints`, or every
/// prepare() fails with `why`.
class fixed_target final : public target {
 public:
  explicit fixed_target(endpoint_info endpoints) : endpoints_(std::move(endpoints)) {}
  explicit fixed_target(failure why) : failure_(std::move(why)), failing_(true) {}

  /// Plain TCP to 127.0.0.1:`port` only.
  static endpoint_info plain_v4(std::uint16_t port) {
    endpoint_info ep;
    ep.port4 = port;
    ep.tls = false;
    return ep;
  }

  std::string describe() const override { return "fixed test target"; }
  std::string rerun_flags() const override { return " --fixed"; }
  prepared prepare(const settings&, wire::profile) override {
    if (failing_) return failure_;
    return std::unique_ptr<lease>(std::make_unique<fixed_lease>(endpoints_));
  }

 private:
  class fixed_lease final : public lease {
   public:
    explicit fixed_lease(endpoint_info ep) : ep_(std::move(ep)) {}
    const endpoint_info& endpoints() const override { return ep_; }

   private:
    endpoint_info ep_;
  };

  endpoint_info endpoints_;
  failure failure_;
  bool failing_ = false;
};

}  // namespace gday::harness::testing
