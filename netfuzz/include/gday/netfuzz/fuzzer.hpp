#pragma once
/// The network fuzzer: generates sessions, runs each against the server
/// under test as a scenario whose expectations are the reference's replies
/// (oracle.hpp), and turns every failure into a minimised scenario file that
/// reproduces it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gday/harness/report.hpp"
#include "gday/harness/target.hpp"
#include "gday/netfuzz/session.hpp"

namespace gday::netfuzz {

/// What went wrong with the server under test.
enum class finding_kind {
  difference,       ///< it answered otherwise than the reference
  stopped_serving,  ///< afterwards a fresh exchange did not complete (hang, refused)
  crashed,          ///< its process exited (launched targets)
  /// every reply was right, but one's bytes were not upstream's (spec J-9):
  /// the reproducer fails only under `run-scenarios --strict`
  non_canonical_reply,
};

/// "difference", "stopped serving", "crashed", "non-canonical reply".
std::string_view to_string(finding_kind k) noexcept;

/// One finding, minimised and written to disk.
struct finding {
  finding_kind kind = finding_kind::difference;
  std::uint64_t iteration = 0;
  std::string where;                ///< "session 17", or "the preflight exchange"
  std::uint64_t session_seed = 0;   ///< generate_session() seed of the original input
  std::string id;                   ///< scenario id (file name without .json)
  std::string file;                 ///< the reproducer scenario
  std::string reason;               ///< the runner's reason on the minimised scenario
  std::string signature;            ///< reason without numbers and step pointers (dedup key)
  std::size_t actions_before = 0;   ///< actions of the generated session
  std::size_t actions_after = 0;    ///< ... after minimisation
  harness::scenario_result result;  ///< the minimised scenario's run on the target
};

/// How to fuzz.
struct fuzz_options {
  wire::profile profile = wire::profile::v1;
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> iterations;    ///< stop after this many sessions
  std::chrono::milliseconds duration{60000};  ///< ... or after this long
  std::size_t max_findings = 10;              ///< ... or after this many distinct findings
  std::string out_dir = "fuzz-findings";      ///< where reproducers are written
  bool ipv6 = true;                           ///< sessions may use IPv6 connections
  double timeout_scale = 1.0;                 ///< for the runner's deadlines
  std::chrono::milliseconds settle{100};      ///< final silence check per session
  /// The target can give a fresh server on demand (launched, embedded): used
  /// after a finding and for every minimisation run.
  bool fresh_servers = true;
  /// Also run every n-th session against the reference target (0: never);
  /// findings are always checked there before they are reported.
  std::uint64_t reference_every = 25;
  std::size_t max_minimise_runs = 120;  ///< scenario runs spent minimising one finding
};

/// What a fuzzing run did.
struct fuzz_summary {
  std::uint64_t iterations = 0;
  std::vector<finding> findings;
  std::size_t duplicates = 0;   ///< failures with the signature of an earlier finding
  std::size_t unconfirmed = 0;  ///< failures that did not happen again on a re-run
  /// Scenarios that failed on the reference itself: a fuzzer defect, not the
  /// target's; written as <out>/internal-*.json.
  std::size_t reference_failures = 0;
  std::string target_error;  ///< set when the target could not be used at all
  std::chrono::milliseconds elapsed{0};
};

/// Progress and findings as they happen.
struct fuzz_callbacks {
  /// One line of progress; `notable` for lines to show even when quiet (the
  /// fuzzer's own defects, a target that is gone).
  std::function<void(const std::string& line, bool notable)> log;
  std::function<void(const finding&)> on_finding;  ///< after it was written
};

/// Fuzzes `under_test`; `reference` is the embedded reference server (same
/// TLS or plain choice), used to check the oracle. First checks that a plain
/// exchange succeeds on the target (else `target_error`).
fuzz_summary run_fuzzer(harness::target& under_test, harness::target& reference,
                        const fuzz_options& options, const fuzz_callbacks& callbacks = {});

/// The run as JSON (gday-fuzz-remote --json; docs/fuzzing.md): target,
/// profile, seed, counts and each finding with its reproducer and the
/// command `replay_prefix + " " + id` that replays it. `exit_code` is the
/// program's.
nlohmann::json summary_json(const fuzz_summary& summary, const fuzz_options& options,
                            const std::string& target, const std::string& replay_prefix,
                            int exit_code);

/// True for the kinds about what the server answered (a difference, a
/// non-canonical reply), as opposed to whether it still answers at all.
bool about_replies(finding_kind k) noexcept;

/// The flags a replay of a finding of kind `k` needs beyond the target's
/// (" --strict" for a non-canonical reply, else "").
std::string_view replay_flags(finding_kind k) noexcept;

/// The seed of session `iteration` of a run seeded with `seed`.
std::uint64_t session_seed(std::uint64_t seed, std::uint64_t iteration) noexcept;

/// A failure's reason without step pointers, numbers and addresses, so that
/// the same misbehaviour found twice has the same signature.
std::string signature_of(std::string_view reason);

}  // namespace gday::netfuzz
