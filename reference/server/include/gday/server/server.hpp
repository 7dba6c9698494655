#pragma once
/// The reference server: gday::core's protocol logic on Boost.Asio sockets
/// with OpenSSL (or plain TCP), runnable in-process (tests, harness,
/// benchmarks) and wrapped by the gday-reference-server binary.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gday/core/config.hpp"
#include "gday/core/server_core.hpp"
#include "gday/net/stream.hpp"

namespace gday::server {

class session;

/// Everything a server needs before start().
struct config {
  core::config core;  ///< profile, room timeout, request limit, faults, frame deadline
  /// Listen addresses, Rust socket-address syntax: "127.0.0.1:0", "[::1]:2311".
  /// Port 0 picks a free port; every port-0 address gets the same port.
  std::vector<std::string> listen = {"127.0.0.1:0", "[::1]:0"};
  /// null: plain TCP (upstream's --unencrypted). Make it with
  /// net::make_server_context, which also lets a TCP half-close without
  /// close_notify read as an end of input that still gets its answer (F-5).
  net::tls_context tls;
  /// I/O threads. 0: none; the caller runs the server's work on its own
  /// thread with poll() (fuzzers, deterministic tests). Then `listen` may be
  /// empty, for a server that only serves adopted streams.
  unsigned threads = 1;
  /// Where the core's time comes from; empty: the steady clock since start().
  /// With a clock of its own the core's timers do not fire by themselves:
  /// poll() runs those that are due.
  std::function<core::clock_time()> clock;
  std::chrono::milliseconds handshake_deadline{10000};  ///< TLS handshake must finish by then
  std::size_t max_connections = 20000;                  ///< beyond this, new ones are closed
  std::size_t max_connections_per_ip = 1000;            ///< per source address
  /// Called (on the server's strand) for each connection a cap closed at
  /// once: the peer's address and why ("1000 connections from this address
  /// are open (max_connections_per_ip)").
  std::function<void(const std::string& peer, const std::string& why)> on_refused;
  /// Called once (from an I/O thread) when a crash fault fires.
  std::function<void()> on_crash;
};

/// A snapshot of the server's counters.
struct counters {
  std::size_t open_connections = 0;
  std::size_t live_rooms = 0;
  std::uint64_t frames_in = 0;
  std::uint64_t frames_out = 0;
  std::uint64_t accepted = 0;  ///< connections accepted
  std::uint64_t refused = 0;   ///< connections closed at once by a cap
  std::uint64_t handshake_failures = 0;
};

/// An in-process server. Thread-safe: start/stop/stats/endpoints may be called
/// from any thread; stop() returns after every thread has joined and every
/// connection is closed. Its threads block SIGPIPE (OpenSSL writes with
/// write(), and a peer that vanished must not kill the process).
class server {
 public:
  explicit server(config cfg);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds every listen address and starts the I/O threads. Fails with a
  /// clear message (address in use, bad address) and leaves nothing running.
  net::result<net::done> start();

  /// The bound addresses (after start()).
  std::vector<net::tcp::endpoint> endpoints() const;

  /// The bound port of the first listener of the given family (0 if none).
  std::uint16_t port(bool v6) const;

  /// Stops accepting, drops every connection, joins the threads. Idempotent.
  void stop();

  /// True after a crash fault stopped the server.
  bool crashed() const;

  counters stats() const;

  /// Serves one more connection over any byte stream (e.g. an in-memory pipe),
  /// as if accepted from `peer`. The stream's executor must be this server's.
  void adopt(std::unique_ptr<net::byte_stream> stream, core::endpoint peer);

  /// The executor streams passed to adopt() must use.
  boost::asio::any_io_executor executor();

  /// Only with config::threads == 0: runs the core's timers that are due by
  /// config::clock and every handler that is ready, on the calling thread,
  /// until nothing is left to run.
  void poll();

  /// Only with config::threads == 0 (between calls to poll()): the core's
  /// next deadline, if it has one.
  std::optional<core::clock_time> next_deadline() const;

  /// The most bytes a connection reads in one go; it reads again only when
  /// the core is not waiting on it (spec M-7).
  static constexpr std::size_t read_chunk_size = 512;

 private:
  friend class session;
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// Converts a socket's address to the core's endpoint type.
core::endpoint to_core_endpoint(const net::tcp::endpoint& ep);

/// Parses "1.2.3.4:5" / "[::1]:5" into an endpoint; nullopt if neither.
std::optional<net::tcp::endpoint> parse_endpoint(std::string_view text);

}  // namespace gday::server
