#pragma once
/// Targets: where the scenarios' connections go. The embedded reference
/// server (in-process, one per scenario), a server the harness launches
/// (--server-cmd), or one already running (--target).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gday/harness/error.hpp"
#include "gday/harness/scenario.hpp"
#include "gday/net/tls.hpp"

namespace gday::harness {

/// How to reach a prepared server.
struct endpoint_info {
  std::string host4 = "127.0.0.1";
  std::uint16_t port4 = 0;  ///< 0: no IPv4 listener
  std::string host6 = "::1";
  std::uint16_t port6 = 0;  ///< 0: no IPv6 listener
  /// With port6 0: what showed the server has no IPv6 listener ("[::1]:4567
  /// refused the connection"), or empty when nothing was tried (a running
  /// target given no --target-v6).
  std::string no_v6_seen;
  bool tls = true;
  net::client_tls_options tls_options;
  std::string server_name;  ///< SNI / certificate name; empty = host
};

/// A server prepared for one scenario; releasing it lets the target reuse or
/// stop it.
class lease {
 public:
  virtual ~lease() = default;
  virtual const endpoint_info& endpoints() const = 0;
  /// False once the server process died (launched targets).
  virtual bool alive() { return true; }
  /// After a failure: whether the server is gone, waiting up to `grace` for
  /// a process that is dying (a crash closes the connections a moment
  /// before the process has exited).
  virtual bool exited_within(std::chrono::milliseconds /*grace*/) { return !alive(); }
  /// Server output (stderr) captured since the lease began.
  virtual std::string log() { return {}; }
  /// The server stopped serving (a failed liveness probe): do not give it to
  /// another scenario; a target that can restarts it as after a crash.
  virtual void discard() {}
  /// The server's process id when the target started it (launched), for
  /// tools that watch its memory; 0 when unknown.
  virtual int server_pid() const { return 0; }
};

/// The result of asking a target for a server: the server, or error::skip
/// when the target cannot meet the settings, error::target_unusable when it
/// failed (unreachable, crashed).
using prepared = result<std::unique_ptr<lease>>;

/// A kind of target.
class target {
 public:
  virtual ~target() = default;
  /// "embedded reference server (v1, TLS)".
  virtual std::string describe() const = 0;
  /// A server meeting `needs` for `profile`, or why not.
  virtual prepared prepare(const settings& needs, wire::profile profile) = 0;
  /// Command-line flags that select this target again (for re-run lines).
  virtual std::string rerun_flags() const = 0;
  /// True when scenarios may run in parallel on this target.
  virtual bool parallel() const { return true; }
  /// False when a server that stopped serving cannot be replaced (--target):
  /// the run stops after the scenario that left it unusable.
  virtual bool restartable() const { return true; }
};

/// The in-process reference server, started fresh for every scenario with
/// the settings it needs, over TLS (a generated test PKI) unless `plain`.
/// `faults` are injected (for self-tests).
std::unique_ptr<target> make_embedded_target(bool plain, const std::string& faults);

/// A server started by the harness: `command` with {port}, {cert}, {key},
/// {timeout}, {request_limit} substituted, run by /bin/sh as `exec COMMAND`,
/// so that the server is the harness's own child (it dies with the harness);
/// a command that needs more shell ends in an exec of its own:
/// `sh -c 'cd /srv && exec ./server ...'`. Restarted when a scenario needs
/// other settings or a fresh server.
struct launch_options {
  std::string command;
  bool plain = false;
  std::chrono::milliseconds ready_timeout{10000};  ///< until the ports accept
};
std::unique_ptr<target> make_launched_target(const launch_options& options);

/// A server already running: its settings are what the user declares.
struct remote_options {
  std::string target4;  ///< "127.0.0.1:2311"
  std::string target6;  ///< "[::1]:2311" (optional)
  bool plain = false;
  net::client_tls_options tls_options;
  std::string server_name;
  std::optional<double> room_timeout_s;        ///< declared --room-timeout
  std::optional<std::uint32_t> request_limit;  ///< declared --request-limit
  bool allow_non_loopback = false;             ///< else only 127.0.0.0/8 and ::1
};
/// A usage error when an address does not parse or is not loopback (unless allowed).
result<std::unique_ptr<target>> make_remote_target(const remote_options& options);

/// The room timeout and request limit a target should use for `needs`:
/// the scenario's demands, else generous defaults (600 s, 100000).
double chosen_room_timeout(const settings& needs);
std::uint32_t chosen_request_limit(const settings& needs);

}  // namespace gday::harness
