#pragma once
/// The load generator: many concurrent clients on one thread, each running
/// the full contact exchange (exchange mode) or holding a room (idle mode),
/// verifying every reply, counting into fixed-size histograms.

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gday/load/histogram.hpp"
#include "gday/load/verifier.hpp"
#include "gday/net/tls.hpp"
#include "gday/wire/profile.hpp"

namespace gday::load {

/// Where the load goes: an IPv4 address and port, TLS or not.
struct target_address {
  boost::asio::ip::tcp::endpoint remote;
  bool tls = true;
  net::tls_context tls_context;  ///< the client context (tls only)
  std::string server_name;       ///< SNI and certificate name; empty: the address
};

/// The figures of one second of a run.
struct second_sample {
  double elapsed_s = 0;          ///< seconds since the start, at the end of this second
  std::uint64_t exchanges = 0;   ///< exchanges completed and verified in this second
  std::uint64_t requests = 0;    ///< requests answered in this second
  std::uint64_t handshakes = 0;  ///< connections opened (TLS handshakes) in this second
  std::uint64_t errors = 0;      ///< failures in this second
  std::int64_t p50_ns = 0;       ///< request latency of this second
  std::int64_t p99_ns = 0;
};

/// What a run measured. Latencies are nanoseconds.
struct run_stats {
  double seconds = 0;              ///< wall time of the run
  std::uint64_t exchanges_ok = 0;  ///< exchanges completed with every reply verified
  std::uint64_t exchanges_failed = 0;
  std::uint64_t requests = 0;    ///< requests answered (any reply)
  std::uint64_t handshakes = 0;  ///< connections opened (TCP + TLS handshake done)
  histogram request_latency;     ///< request written -> its reply decoded
  histogram exchange_latency;    ///< CreateRoom written -> both PeerContacts decoded
  histogram connect_latency;     ///< connect() -> handshake done
  error_counts errors;
  std::vector<std::string> error_examples;  ///< the first few failures, in words
  std::vector<second_sample> series;        ///< one per whole second
};

/// Exchange mode.
struct exchange_options {
  wire::profile profile = wire::profile::v1;
  unsigned pairs = 1;                                 ///< concurrent creator/joiner pairs
  bool fresh_connections = false;                     ///< new connections for every exchange
  std::optional<std::chrono::milliseconds> duration;  ///< stop starting exchanges after this
  std::uint64_t exchanges = 0;                        ///< ... or after this many (0: no limit)
  std::chrono::milliseconds timeout{10000};           ///< per connect, handshake and reply
  /// False: check reply types only (the calibration responder's canned
  /// contacts are nobody's).
  bool verify_contacts = true;
  /// Source addresses to rotate through, from 127.0.0.1 on (an IPv4 loopback
  /// target only); 0 or 1: let the kernel choose.
  std::uint32_t source_addresses = 0;
  /// Called on the load thread after every whole second.
  std::function<void(const second_sample&)> on_second;
};

/// Runs exchange mode until its bound; never throws for network trouble
/// (it is counted in the result).
run_stats run_exchange_load(const target_address& target, const exchange_options& options);

/// Adds the run `more` to `into`: counts, histograms and errors summed, the
/// series appended with its times shifted by `into`'s seconds (for a run
/// made of interleaved slices).
void merge(run_stats& into, const run_stats& more);

/// Idle mode.
struct idle_options {
  wire::profile profile = wire::profile::v1;
  std::size_t connections = 1000;  ///< connections to hold, each with a room
  unsigned opening_at_once = 200;  ///< connects in flight at a time
  std::chrono::milliseconds timeout{10000};
  std::uint32_t source_addresses = 0;
  /// Called once every connection holds a room (or failed); the caller
  /// measures the server here.
  std::function<void(std::size_t held)> on_held;
};

/// What idle mode found.
struct idle_stats {
  double seconds = 0;
  std::size_t held = 0;    ///< connections that opened and created their room
  std::size_t served = 0;  ///< of those, answered a request at the end
  histogram connect_latency;
  error_counts errors;
  std::vector<std::string> error_examples;
};

/// Opens `connections` connections that each create a room and wait; then
/// asks each one once more (RecordPublicAddr for its room) to check it is
/// still served.
idle_stats run_idle(const target_address& target, const idle_options& options);

/// The n-th source address of the rotation: 127.0.0.1, 127.0.0.2, ...,
/// 127.0.0.254, 127.0.1.1, ... (no .0 or .255 last octet), wrapping within
/// 127.0.0.0/8.
boost::asio::ip::address_v4 source_address(std::uint32_t n) noexcept;

}  // namespace gday::load
