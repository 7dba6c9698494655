#include "gday/harness/report.hpp"

#include <map>
#include <utility>

#include "report_support.hpp"

namespace gday::harness {
namespace {

using namespace detail;

// Escapes text for XML 1.0 element content or attribute values. The input
// is cleaned first (valid UTF-8, no forbidden characters).
std::string xml(std::string_view s, bool attribute = false) {
  return detail::escape_markup(block_text(s), attribute);
}

// The test suite a result belongs to: its area, "unnamed" for an id starting with '/'.
std::string suite_of(const std::string& id) {
  const std::string area = area_of(id);
  return area.empty() ? std::string("unnamed") : area;
}

std::string seconds(std::chrono::milliseconds d) {
  return format_double("%.3f", static_cast<double>(d.count()) / 1000.0);
}

struct junit_counts {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  std::chrono::milliseconds time{0};
  void add(shown s, std::chrono::milliseconds d) {
    ++tests;
    time += d;
    if (s == shown::fail || s == shown::xpass) ++failures;
    if (s == shown::error) ++errors;
    if (s == shown::skip || s == shown::xfail) ++skipped;
  }
  std::string attributes() const {
    return "tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
           "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) +
           "\"";
  }
};

std::string junit_testcase(const scenario_result& r) {
  const shown s = classify(r);
  const std::string area = suite_of(r.id);
  std::string out = "    <testcase name=\"" +
                    xml(r.id + " [" + std::string(wire::to_string(r.profile)) + "]", true) +
                    "\" classname=\"" + xml("gday." + area, true) + "\" time=\"" +
                    seconds(r.duration) + "\" liveness=\"" +
                    (!r.liveness.ran     ? "not-run"
                     : r.liveness.passed ? "passed"
                                         : "failed") +
                    "\"";
  const std::string text = details(r, s, true);
  std::string body;
  switch (s) {
    case shown::pass:
      if (!text.empty()) body = "      <system-out>" + xml(text) + "</system-out>\n";
      break;
    case shown::non_strict:
      body = "      <system-out>" +
             xml("NON-STRICT (" + std::string(to_string(r.level)) +
                 " requirement not met; does not fail the run)\n" + text) +
             "</system-out>\n";
      break;
    case shown::fail:
      body = "      <failure message=\"" + xml(why_line(r, s), true) + "\" type=\"FAIL\">" +
             xml(text) + "</failure>\n";
      break;
    case shown::xpass:
      body = "      <failure message=\"" + xml(why_line(r, s), true) + "\" type=\"XPASS\">" +
             xml(text) + "</failure>\n";
      break;
    case shown::error:
      body = "      <error message=\"" + xml(why_line(r, s), true) + "\" type=\"ERROR\">" +
             xml(text) + "</error>\n";
      break;
    case shown::skip:
      body = "      <skipped message=\"" + xml(why_line(r, s), true) + "\"/>\n";
      break;
    case shown::xfail:
      body = "      <skipped message=\"" +
             xml("expected failure (" + r.baseline_reason + "): " + why_line(r, s), true) +
             "\"/>\n      <system-out>" +
             xml("XFAIL (" + std::string(to_string(r.outcome)) + ", listed in the baseline)\n" +
                 text) +
             "</system-out>\n";
      break;
  }
  if (body.empty()) return out + "/>\n";
  return out + ">\n" + body + "    </testcase>\n";
}

}  // namespace

std::string to_junit_xml(const std::vector<scenario_result>& results, const run_info& info) {
  std::map<std::string, std::vector<const scenario_result*>> areas;
  junit_counts all;
  for (const scenario_result& r : results) {
    areas[suite_of(r.id)].push_back(&r);
    all.add(classify(r), r.duration);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"gday-conformance\" " + all.attributes() + " time=\"" +
         format_double("%.3f", info.duration_s) + "\">\n";
  for (const auto& [area, members] : areas) {
    junit_counts counts;
    for (const scenario_result* r : members) counts.add(classify(*r), r->duration);
    out += "  <testsuite name=\"" + xml(area, true) + "\" " + counts.attributes() + " time=\"" +
           seconds(counts.time) + "\">\n";
    out += "    <properties>\n";
    const std::pair<const char*, const std::string*> properties[] = {
        {"target", &info.target},
        {"command_line", &info.command_line},
        {"started_at", &info.started_at}};
    for (const auto& [name, value] : properties) {
      out += "      <property name=\"" + std::string(name) + "\" value=\"" + xml(*value, true) +
             "\"/>\n";
    }
    out += "    </properties>\n";
    for (const scenario_result* r : members) out += junit_testcase(*r);
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace gday::harness
