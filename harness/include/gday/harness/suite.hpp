#pragma once
/// A whole conformance run as run-scenarios does it: which scenarios, on
/// which profiles (asked of the server when wanted), the baseline, fail-fast
/// across profiles, and the exit code. The command line maps its flags onto
/// these and prints.

#include <functional>
#include <string>
#include <vector>

#include "gday/harness/client_runner.hpp"
#include "gday/harness/error.hpp"
#include "gday/harness/report.hpp"
#include "gday/harness/runner.hpp"
#include "gday/harness/scenario.hpp"
#include "gday/harness/target.hpp"

namespace gday::harness {

/// Which scenarios to run, by id or glob ("lifecycle/*"; "lifecycle" also
/// takes the whole folder).
struct selection {
  std::vector<std::string> include;  ///< empty: every scenario
  std::vector<std::string> exclude;  ///< left out even when included
};

/// The scenarios of `all` that `chosen` picks, in load order. A usage error
/// when an include pattern matches no scenario or nothing is left.
result<std::vector<const scenario*>> select_scenarios(const std::vector<scenario>& all,
                                                      const selection& chosen);

/// Asks the server which version byte it speaks: a header with version 0
/// must be answered ErrorSyntax in the server's own version (spec F-2).
/// target_unusable when the answer does not tell.
result<wire::profile> probe_profile(target& t);

/// How many scenario runs `scenarios` make on `profiles` (each scenario
/// once per profile it applies to).
std::size_t count_runs(const std::vector<const scenario*>& scenarios,
                       const std::vector<wire::profile>& profiles);

/// How to run a suite.
struct suite_options {
  std::vector<wire::profile> profiles{wire::profile::v1};  ///< in this order
  /// Per-scenario settings. `run.profile` is set per profile, and
  /// " --protocol N" is appended to `run.rerun_prefix`. With `run.fail_fast`
  /// no later profile starts once a result failed the run (fails_run).
  run_options run;
};

/// What a suite run produced.
struct suite_report {
  std::vector<scenario_result> results;  ///< profile by profile, in input order
  run_totals totals;
  run_info info;      ///< target, started_at, duration_s; command_line is the caller's
  int exit_code = 0;  ///< exit_code(totals, run.strict)
};

/// Runs every scenario on every profile it applies to; `on_result` is called
/// (serialised) as each finishes, baseline already applied. With `run.slow`
/// (and a target that runs scenarios in parallel) every run of a slow
/// scenario gets a thread of its own, started first, beside `run.jobs`
/// others; its result takes its place by id in its profile's results.
suite_report run_suite(const std::vector<const scenario*>& scenarios, target& t,
                       const suite_options& options,
                       const std::function<void(const scenario_result&)>& on_result);

/// The same for client scenarios (run-scenarios --client): each runs against
/// the clients of `clients`, on every profile of `profiles` it applies to,
/// up to `run.jobs` at once (each has its own server, room and folder);
/// results come in the order of a one-at-a-time run, `on_result` as each
/// ends. From `run` too: strict, fail_fast (no new run starts after a
/// failure), expected (the baseline) and rerun_prefix, as for servers.
suite_report run_client_suite(const std::vector<const scenario*>& scenarios,
                              const client_options& clients,
                              const std::vector<wire::profile>& profiles, const run_options& run,
                              const std::function<void(const scenario_result&)>& on_result);

}  // namespace gday::harness
