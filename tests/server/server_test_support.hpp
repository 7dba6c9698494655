#pragma once
// Helpers shared by the server tests: one throwaway PKI per process, servers
// on loopback port 0, reference-client connections that trust that PKI, raw
// TCP sockets with deadlines, and waiting on the server's counters.

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "gday/client/client.hpp"
#include "gday/net/tls.hpp"
#include "gday/server/server.hpp"

namespace gday::server_test {

using namespace std::chrono_literals;

/// The CA and server certificate every test in this process uses.
struct tls_setup {
  net::test_pki pki;
  net::tls_context server_context;
};

inline const tls_setup& shared_tls() {
  static const tls_setup setup = [] {
    auto pki = net::generate_test_pki();
    if (!pki) throw std::runtime_error("generate_test_pki: " + pki.error().what());
    auto ctx = net::make_server_context(pki->server_cert_pem, pki->server_key_pem);
    if (!ctx) throw std::runtime_error("make_server_context: " + ctx.error().what());
    return tls_setup{*pki, *ctx};
  }();
  return setup;
}

/// A TLS server config on 127.0.0.1:0 and [::1]:0.
inline server::config tls_config(wire::profile profile = wire::profile::v1) {
  server::config cfg;
  cfg.core.profile = profile;
  cfg.tls = shared_tls().server_context;
  cfg.listen = {"127.0.0.1:0", "[::1]:0"};
  return cfg;
}

/// Client options for a connection to `s` over IPv4 or IPv6, trusting the
/// shared CA.
inline client::connect_options options_for(const server::server& s, bool v6,
                                           wire::profile profile = wire::profile::v1) {
  client::connect_options o;
  o.host = v6 ? "::1" : "127.0.0.1";
  o.port = s.port(v6);
  o.tls = true;
  o.tls_options.ca_pem = shared_tls().pki.ca_cert_pem;
  o.profile = profile;
  o.timeout = 5s;
  return o;
}

/// Polls `condition` until it holds or `timeout` passes; true if it held.
/// For state the server publishes asynchronously (its counters), which no
/// event announces; the polling interval is short and the deadline bounds it.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 2000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// How a raw connection ended.
enum class raw_end { eof, reset, timed_out };

inline const char* to_string(raw_end e) {
  switch (e) {
    case raw_end::eof:
      return "eof";
    case raw_end::reset:
      return "reset";
    case raw_end::timed_out:
      return "timed out";
  }
  return "?";
}

/// A plain TCP socket without TLS: for bytes that are not a ClientHello, and
/// for connections that never handshake.
class raw_connection {
 public:
  explicit raw_connection(const boost::asio::ip::tcp::endpoint& remote) : socket_(io_) {
    socket_.connect(remote);
  }

  void send(std::string_view bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()));
  }

  /// Reads (and discards) until the peer ends the connection or `timeout`
  /// passes.
  raw_end wait_for_end(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return raw_end::timed_out;
      pollfd p{socket_.native_handle(), POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready == 0) return raw_end::timed_out;
      if (ready < 0) continue;  // EINTR
      const ssize_t n = ::recv(socket_.native_handle(), buffer, sizeof buffer, 0);
      if (n == 0) return raw_end::eof;
      if (n < 0) return errno == EINTR ? wait_for_end(left) : raw_end::reset;
    }
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace gday::server_test
