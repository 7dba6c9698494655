#pragma once
/// The fuzzer's oracle: runs a session through the reference server core
/// (gday::core, no faults) and writes it as a complete scenario whose expect
/// steps are the reference's replies. A server under test that fails the
/// scenario answered differently from the reference.

#include <chrono>
#include <cstddef>
#include <string>

#include "gday/harness/scenario.hpp"
#include "gday/netfuzz/session.hpp"
#include "gday/wire/result.hpp"

namespace gday::netfuzz {

/// How to write the scenario.
struct build_options {
  std::string id = "fuzz";  ///< the scenario's id (= its file name without .json)
  std::string summary = "Replies as the reference server's (found by gday-fuzz-remote)";
  /// At the end, connections still open must stay silent this long: a server
  /// that sends more than the reference did is caught.
  std::chrono::milliseconds settle{100};
  /// Then a fresh exchange on new connections must complete: a server that
  /// stopped serving is caught (spec F-6).
  bool liveness = true;
};

/// A scenario built from a session.
struct built_scenario {
  harness::scenario scenario;     ///< the scenario (harness::write_scenario writes it to disk)
  std::size_t liveness_from = 0;  ///< index in /steps where the liveness check begins
  std::size_t actions_used = 0;   ///< actions applied; the others acted on a connection
                                  ///< the server or client had closed, and were left out
};

/// The scenario for `s`, or why it could not be built (a generator bug: an
/// action the scenario loader rejects).
///
/// Expectations are synchronised so that they hold whatever the timing:
/// before acting on a connection, the replies due on every other connection
/// are awaited (replies on the same connection may stay pending: requests
/// are pipelined); a connection's replies are awaited before the client
/// resets it (RST), while a FIN or half-close may follow a send at once (the
/// peer vanishes with its request in flight; the request still arrives
/// first); a connection waiting after ReadyToShare (spec M-7) is never
/// closed with FIN or RST, since a server may read its queued requests later.
/// Two sends in flight at once (a `concurrent` action) stay so only when the
/// reference, run in both orders, is due the same replies on every
/// connection; otherwise they are written one after the other.
wire::basic_result<built_scenario, std::string> build_scenario(const session& s,
                                                               const build_options& options);

}  // namespace gday::netfuzz
