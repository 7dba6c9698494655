#pragma once
/// Runs scenarios against a target and produces results.

#include <functional>
#include <string>
#include <vector>

#include "gday/harness/report.hpp"
#include "gday/harness/scenario.hpp"
#include "gday/harness/target.hpp"

namespace gday::harness {

/// How to run.
struct run_options {
  wire::profile profile = wire::profile::v1;
  double timeout_scale = 1.0;  ///< multiplies every deadline and duration
  unsigned jobs = 1;           ///< scenarios at once (when the target allows)
  std::uint64_t seed = 0;      ///< room codes and source addresses; 0 = random
  std::string rerun_prefix;    ///< "build/bin/run-scenarios --protocol 1 ..." for re-run lines
  bool fail_fast = false;      ///< after the first result that fails the run, start no more
  bool strict = false;         ///< NON-STRICT fails the run (see fails_run)
  /// Run scenarios tagged `slow` (else they SKIP with "slow: run with
  /// --slow"). run_suite gives each such run a thread of its own.
  bool slow = false;
  /// After each scenario, check that the server still serves (a fresh
  /// exchange on new connections); see scenario_result::liveness.
  bool liveness_probe = true;
  /// False when the probe before the first scenario got wrong answers (the
  /// server's plain exchange is not as the spec says): the probe after each
  /// scenario then only checks that the server still answers.
  bool probe_checks_answers = true;
  /// Expected failures: marked on every result before `on_result` and the
  /// fail-fast check, so an expected failure (XFAIL) does not stop the run.
  const baseline* expected = nullptr;
};

/// The liveness probe before the first scenario: a server prepared with
/// default settings for `options.profile` does a full exchange on fresh
/// connections. True if it went as the spec says, false if the server
/// answered but wrongly (the scenarios will say how; set
/// `probe_checks_answers` to false). A server that does not answer at all
/// (refused, handshake or reply timeout, closed) is a target_unusable
/// failure with the probe's reason, transcript and the server's output: an
/// ERROR of the whole run, not one confusing failure per scenario.
result<bool> check_target_serves(target& t, const run_options& options);

/// True when the liveness probe after `r`'s scenario failed.
bool stopped_serving(const scenario_result& r) noexcept;

/// Runs one scenario (already known to apply to options.profile), then,
/// with `options.liveness_probe`, the liveness probe on the same server.
scenario_result run_scenario(const scenario& s, target& t, const run_options& options,
                             unsigned slot);

/// Runs many, `jobs` at a time; `on_result` is called (serialised) as each
/// finishes. Results come back in the input order. On a target that cannot
/// be restarted, no scenario starts after one that left the server not
/// serving (the rest SKIP, naming it).
std::vector<scenario_result> run_all(const std::vector<const scenario*>& scenarios, target& t,
                                     const run_options& options,
                                     const std::function<void(const scenario_result&)>& on_result);

}  // namespace gday::harness
