#include "gday/harness/report.hpp"

#include <map>
#include <utility>

#include "report_support.hpp"

namespace gday::harness {

using detail::all_verdicts;
using detail::count_of;
using detail::hex;
using detail::json_text;

nlohmann::json to_json_report(const std::vector<scenario_result>& results, const run_info& info) {
  const run_totals t = tally(results);
  nlohmann::json report = nlohmann::json::object();
  report["schema_version"] = 1;
  report["tool"] = "gday-conformance";
  report["target"] = json_text(info.target);
  report["command_line"] = json_text(info.command_line);
  report["started_at"] = json_text(info.started_at);
  report["duration_s"] = info.duration_s;
  report["liveness_probe"] = {{"enabled", info.liveness_probe},
                              {"runs", info.probes},
                              {"seconds", info.probe_s},
                              {"stopped_after", json_text(info.stopped_after)}};
  report["totals"] = {{"total", results.size()},
                      {"passed", t.passed},
                      {"non_strict", t.non_strict},
                      {"failed", t.failed},
                      {"skipped", t.skipped},
                      {"errors", t.errors},
                      {"expected_failures", t.expected_failures},
                      {"unexpected_passes", t.unexpected_passes},
                      {"exit_code", exit_code(t, info.strict)}};

  // Cleaning can map two malformed IDs to one key: merge their counts.
  std::map<std::string, std::map<verdict, std::size_t>> by_requirement;
  for (const auto& [id, counts] : t.by_requirement) {
    auto& row = by_requirement[json_text(id)];
    for (const auto& [v, n] : counts) row[v] += n;
  }
  nlohmann::json requirements = nlohmann::json::object();
  for (const auto& [id, counts] : by_requirement) {
    nlohmann::json row = nlohmann::json::object();
    for (const verdict v : all_verdicts) row[std::string(to_string(v))] = count_of(counts, v);
    requirements[id] = std::move(row);
  }
  report["requirements"] = std::move(requirements);

  nlohmann::json list = nlohmann::json::array();
  for (const scenario_result& r : results) {
    nlohmann::json ids = nlohmann::json::array();
    for (const std::string& id : r.requirements) ids.push_back(json_text(id));
    nlohmann::json transcript = nlohmann::json::array();
    for (const transcript_entry& e : r.transcript) {
      const char* kind = e.what == transcript_entry::kind::sent       ? "sent"
                         : e.what == transcript_entry::kind::received ? "received"
                                                                      : "event";
      transcript.push_back({{"at_ms", e.at_ms},
                            {"conn", json_text(e.conn)},
                            {"kind", kind},
                            {"hex", hex(e.bytes)},
                            {"decoded", json_text(e.decoded)},
                            {"text", json_text(e.text)}});
    }
    list.push_back({{"id", json_text(r.id)},
                    {"summary", json_text(r.summary)},
                    {"requirements", std::move(ids)},
                    {"grade", std::string(to_string(r.level))},
                    {"profile", std::string(wire::to_string(r.profile))},
                    {"verdict", std::string(to_string(r.outcome))},
                    {"reason", json_text(r.reason)},
                    {"failed_step", json_text(r.failed_step)},
                    {"matched_note", json_text(r.matched_note)},
                    {"non_canonical", !r.non_canonical.empty()},
                    {"liveness",
                     {{"ran", r.liveness.ran},
                      {"passed", r.liveness.passed},
                      {"duration_ms", r.liveness.duration.count()},
                      {"reason", json_text(r.liveness.reason)}}},
                    {"duration_ms", r.duration.count()},
                    {"expected_failure", r.expected_failure},
                    {"baseline_reason", json_text(r.baseline_reason)},
                    {"unexpected_pass", r.unexpected_pass},
                    {"rerun", json_text(r.rerun)},
                    {"server_log", json_text(r.server_log)},
                    {"reply_latency_ms", r.reply_latency_ms},
                    {"transcript", std::move(transcript)}});
  }
  report["results"] = std::move(list);
  return report;
}

}  // namespace gday::harness
