#pragma once
/// What a run produced, and the reporters that turn it into console lines,
/// JUnit XML and JSON (schema: docs/report-schema.md).

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gday/harness/error.hpp"
#include "gday/harness/scenario.hpp"

namespace gday::harness {

/// The outcome of one scenario on one profile.
enum class verdict {
  pass,        ///< every step matched (an alternative graded MUST, or no grade)
  non_strict,  ///< a SHOULD/MAY scenario failed, or a lower-graded alternative matched
  fail,        ///< a MUST scenario failed
  skip,        ///< not applicable to this target (settings, profile); `reason` says why
  error,       ///< the harness could not run it (target unreachable or crashed, bad input)
};

/// "PASS", "NON-STRICT", "FAIL", "SKIP", "ERROR".
std::string_view to_string(verdict v) noexcept;

/// One line of a transcript: a frame sent or received, or an event.
struct transcript_entry {
  double at_ms = 0;  ///< since the scenario started
  std::string conn;  ///< connection name
  enum class kind { sent, received, event } what = kind::event;
  std::string bytes;    ///< sent/received: the raw bytes
  std::string decoded;  ///< sent/received: the message as JSON text, or why it did not decode
  std::string
      text;  ///< event: "connected from 127.0.0.3:41234", "closed by server (FIN, no close_notify)"
};

/// The liveness probe after a scenario: fresh connections (IPv4, and IPv6
/// where the target has it) and a full exchange in a fresh room.
struct liveness_result {
  bool ran = false;     ///< false: turned off, or the scenario did not run or crashed the server
  bool passed = false;  ///< the exchange completed within its deadlines
  std::chrono::milliseconds duration{0};
  std::string reason;  ///< why it failed
};

/// The result of one scenario on one profile.
struct scenario_result {
  std::string id;
  std::string summary;
  std::vector<std::string> requirements;
  grade level = grade::must;
  wire::profile profile = wire::profile::v1;
  verdict outcome = verdict::pass;
  std::string reason;        ///< why it is not PASS: the step (JSON pointer) and what differed
  std::string failed_step;   ///< JSON pointer of the step that failed, if any
  std::string matched_note;  ///< note of the alternative that matched (NON-STRICT)
  std::chrono::milliseconds duration{0};
  std::vector<transcript_entry> transcript;
  std::vector<double> reply_latency_ms;  ///< per request/reply pair (spec T-6)
  std::string server_log;                ///< the launched server's stderr around this scenario
  bool server_died = false;              ///< the server process was gone at the end (ERROR)
  /// Set when a reply's bytes differed from upstream's canonical encoding of
  /// the same message: the requirements that broke ("J-9", and "J-5" for an
  /// address text). `reason` shows the first such reply, with both forms.
  /// When that is all that went wrong, only these IDs count as NON-STRICT in
  /// the totals by requirement; the scenario's other requirements count PASS.
  std::vector<std::string> non_canonical;
  /// The probe after the scenario. A failed probe makes a passing scenario
  /// FAIL under F-6 ("the server stopped serving after this scenario"), with
  /// the probe's transcript appended to `transcript`.
  liveness_result liveness;
  std::string rerun;  ///< a command that re-runs just this scenario against the same target
  bool expected_failure = false;  ///< listed in the baseline (with `baseline_reason`)
  std::string baseline_reason;
  bool unexpected_pass = false;  ///< in the baseline but passed (XPASS): fails the run
};

/// Totals of a run.
struct run_totals {
  std::size_t passed = 0, non_strict = 0, failed = 0, skipped = 0, errors = 0;
  std::size_t expected_failures = 0, unexpected_passes = 0;
  /// Per requirement ID: results by verdict.
  std::map<std::string, std::map<verdict, std::size_t>> by_requirement;
  /// Per requirement ID: how many of the results counted in by_requirement
  /// are expected failures (XFAIL), which they count under their verdict.
  std::map<std::string, std::size_t> expected_by_requirement;
};

/// Adds up results. A failure listed in the baseline counts as expected.
run_totals tally(const std::vector<scenario_result>& results);

/// Whether `r` (baseline already applied) fails the run: FAIL, ERROR, XPASS,
/// and under `strict` NON-STRICT. An expected failure (XFAIL) never does.
/// `--fail-fast` stops after the first such result.
bool fails_run(const scenario_result& r, bool strict);

/// The run's exit code: 0 all MUST passed (expected failures allowed),
/// 1 a MUST failed or an expected failure passed (XPASS), or under `strict`
/// a NON-STRICT result, 2 nothing was tested (no result, or all SKIP),
/// 3 a target error.
int exit_code(const run_totals& totals, bool strict);

/// Describes the target for reports ("embedded reference server (v1, TLS)").
struct run_info {
  std::string target;
  std::string command_line;
  std::string started_at;  ///< ISO 8601 UTC
  double duration_s = 0;
  bool strict = false;         ///< --strict: NON-STRICT results fail the run (and the exit code)
  bool liveness_probe = true;  ///< a probe ran after every scenario
  std::size_t probes = 0;      ///< probes that ran
  double probe_s = 0;          ///< their time, summed (they run beside other scenarios)
  std::string stopped_after;   ///< the scenario after which an unrestartable server stopped serving
};

/// Console output: one line per scenario as it finishes (with a progress
/// count), transcripts of failures, then the summary and per-requirement
/// totals. Colours only when `colour`.
class console_reporter {
 public:
  console_reporter(std::FILE* out, bool colour, bool verbose, std::size_t total);
  void on_result(const scenario_result& r);
  void on_finish(const std::vector<scenario_result>& results, const run_info& info);

 private:
  std::FILE* out_;
  bool colour_;
  bool verbose_;
  std::size_t total_;
  std::size_t done_ = 0;
};

/// JUnit XML: one testsuite per area (the id's first path part), one
/// testcase per scenario and profile (name = id [profile], classname =
/// gday.<area>), failure/skipped/error elements with the transcript.
std::string to_junit_xml(const std::vector<scenario_result>& results, const run_info& info);

/// A Markdown summary (GitHub's job summary, or any Markdown viewer): the
/// outcome and exit code, totals, verdicts by area and by requirement, then
/// each ERROR, FAIL, XPASS and NON-STRICT result with its reason,
/// requirements, reproduce command and (folded) transcript, and the
/// baseline's expected failures. A view of the same results as the JSON
/// report; every text from the run is escaped.
std::string to_markdown_summary(const std::vector<scenario_result>& results, const run_info& info);

/// One self-contained HTML5 page (inline style and script, no external
/// resources): the outcome and exit code, totals, a requirement x profile
/// matrix coloured by the worst verdict, and every result, expandable to its
/// reason, baseline note, transcript, probe, server log and reproduce command,
/// with filters by verdict, area and profile (also from the URL fragment:
/// `#verdict=FAIL&area=rooms&profile=v1`). Every text from the run is escaped;
/// long transcripts and logs are cut, saying so.
std::string to_html_report(const std::vector<scenario_result>& results, const run_info& info);

/// The JSON report (stable schema, docs/report-schema.md).
nlohmann::json to_json_report(const std::vector<scenario_result>& results, const run_info& info);

/// A transcript as text for humans (hex and decoded, with timestamps).
std::string format_transcript(const std::vector<transcript_entry>& transcript);

/// Expected failures for one implementation: id (optionally "id [v3]") to reason.
struct baseline {
  std::map<std::string, std::string> expected;  ///< key: id or "id [vN]"
  const std::string* find(const std::string& id, wire::profile p) const;
};

/// Loads a baseline file: {"expected_failures": [{"id": "...", "profile": 1?, "reason": "..."}]}.
/// Usage errors name the file and what is wrong.
result<baseline> load_baseline(const std::string& path);

/// Marks results listed in the baseline (expected_failure / unexpected_pass).
/// ERRORs and results after which the server stopped serving (a failed
/// liveness probe) are never excused.
void apply_baseline(std::vector<scenario_result>& results, const baseline& b);

/// Marks one result listed in the baseline.
void apply_baseline(scenario_result& r, const baseline& b);

}  // namespace gday::harness
