#pragma once
/// Testing clients (spec §8): the harness plays the server, scripted by a
/// client scenario, launches the clients under test (one per role, each in
/// its own process group, killed at its deadline), records what they send,
/// and judges them from the recording and their exit status and output.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "gday/harness/report.hpp"
#include "gday/harness/scenario.hpp"
#include "gday/wire/profile.hpp"

namespace gday::harness {

/// How to run the clients under test.
struct client_options {
  /// Shell commands per role, with placeholders {host} {port} {ca} {room}
  /// {role} {protocol}. A role without a command is played by the reference client
  /// (in-process); a scenario judging it is then SKIPped.
  std::optional<std::string> creator_cmd, joiner_cmd;
  std::string stdin_text;  ///< given to each client's standard input
  bool plain = false;      ///< plain TCP instead of TLS ({ca} is then an empty file)
  wire::profile profile = wire::profile::v1;
  double timeout_scale = 1.0;  ///< multiplies every deadline
  /// Overrides each scenario's within_ms (the client's deadline).
  std::optional<std::chrono::milliseconds> timeout;
  std::uint64_t seed = 0;  ///< room texts; 0: random
};

/// Runs one client scenario (s.client must be set) and judges it.
scenario_result run_client_scenario(const scenario& s, const client_options& options);

}  // namespace gday::harness
