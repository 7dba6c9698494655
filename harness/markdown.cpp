#include "gday/harness/report.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "report_support.hpp"

namespace gday::harness {
namespace {

using detail::all_verdicts;
using detail::area_of;
using detail::block_text;
using detail::classify;
using detail::count_of;
using detail::label;
using detail::line_text;
using detail::shown;

// Each failure's details at most this long, and at most this many in full:
// GitHub truncates a job summary above 1 MiB.
constexpr std::size_t detail_limit = 12000;
constexpr std::size_t detailed_results = 60;

// Text for a table cell or a Markdown line: one line, no table or HTML syntax.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : line_text(s)) {
    if (c == '|' || c == '<' || c == '>' || c == '`' || c == '*' || c == '_' || c == '[' ||
        c == ']' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// Text inside a fenced block: nothing can close the fence, or the
// <details> around it in renderers that look inside code. A zero-width space
// breaks a run of backticks and a closing tag.
std::string fenced(std::string_view s) {
  std::string text = block_text(s), out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text.compare(i, 3, "```") == 0 || text.compare(i, 2, "</") == 0) out += "\u200b";
  }
  return out;
}

std::string name_of(const scenario_result& r) {
  return "`" + line_text(r.id) + "` [" + std::string(wire::to_string(r.profile)) + "]";
}

// Counts by verdict, with the baseline's expected failures taken out of
// their verdict's column into an XFAIL column: a passing job's tables show
// no FAIL.
struct row_counts {
  std::map<verdict, std::size_t> by_verdict;
  std::size_t expected = 0;
  std::size_t shown_as(verdict v) const {
    const std::size_t n = count_of(by_verdict, v);
    return v == verdict::fail || v == verdict::non_strict ? n - std::min(n, expected_in(v)) : n;
  }
  // Expected failures are FAIL or NON-STRICT results; FAIL's column gives
  // up as many as it has, NON-STRICT's the rest.
  std::size_t expected_in(verdict v) const {
    const std::size_t fails = count_of(by_verdict, verdict::fail);
    if (v == verdict::fail) return std::min(expected, fails);
    if (v == verdict::non_strict) return expected - std::min(expected, fails);
    return 0;
  }
  bool troubled() const {
    return shown_as(verdict::fail) + shown_as(verdict::error) + shown_as(verdict::non_strict) +
               expected >
           0;
  }
};

std::string verdict_row(const std::string& first, const row_counts& counts) {
  std::string row = "| " + first;
  for (const verdict v : all_verdicts) row += " | " + std::to_string(counts.shown_as(v));
  return row + " | " + std::to_string(counts.expected) + " |\n";
}

std::string verdict_header(const std::string& first) {
  std::string head = "| " + first, rule = "|---";
  for (const verdict v : all_verdicts) {
    head += " | " + std::string(to_string(v));
    rule += "|---:";
  }
  return head + " | XFAIL |\n" + rule + "|---:|\n";
}

}  // namespace

std::string to_markdown_summary(const std::vector<scenario_result>& results, const run_info& info) {
  const run_totals t = tally(results);
  const int code = exit_code(t, info.strict);
  std::string md = "## gday conformance: ";
  if (code == 2) {
    md += "nothing was tested (exit 2)\n\n";
  } else {
    md += std::string(code == 0 ? "passed" : "**FAILED**") + " (exit " + std::to_string(code) +
          ")\n\n";
  }
  md += "Target: " + cell(info.target) + "  \n";
  std::set<std::string> profiles;
  for (const auto& r : results) profiles.insert(std::string(wire::to_string(r.profile)));
  std::string listed;
  for (const auto& p : profiles) listed += (listed.empty() ? "" : ", ") + p;
  md += "Profiles: " + (listed.empty() ? std::string("none") : listed) + " · started " +
        cell(info.started_at) + " · " + detail::format_double("%.1f", info.duration_s) + " s" +
        (info.strict ? " · --strict (NON-STRICT fails the run)" : "") + "\n\n";
  if (!info.stopped_after.empty()) {
    md += "**The server stopped serving after " + cell(info.stopped_after) +
          "**: the scenarios after it were not run.\n\n";
  }

  md +=
      "| runs | PASS | NON-STRICT | FAIL | SKIP | ERROR | XFAIL | XPASS |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  md += "| " + std::to_string(results.size()) + " | " + std::to_string(t.passed) + " | " +
        std::to_string(t.non_strict) + " | " + std::to_string(t.failed) + " | " +
        std::to_string(t.skipped) + " | " + std::to_string(t.errors) + " | " +
        std::to_string(t.expected_failures) + " | " + std::to_string(t.unexpected_passes) +
        " |\n\n";

  // By area and by requirement: expected failures in their own column.
  std::map<std::string, row_counts> areas;
  for (const auto& r : results) {
    auto& counts = areas[area_of(r.id)];
    ++counts.by_verdict[r.outcome];
    if (r.expected_failure) ++counts.expected;
  }
  md += "### By area\n\n" + verdict_header("area");
  for (const auto& [area, counts] : areas) md += verdict_row(cell(area), counts);

  // By requirement: every row when something is wrong there, folded otherwise.
  std::string failing_rows, all_rows;
  for (const auto& [id, by_verdict] : t.by_requirement) {
    const auto expected = t.expected_by_requirement.find(id);
    const row_counts counts{by_verdict,
                            expected == t.expected_by_requirement.end() ? 0 : expected->second};
    const std::string row = verdict_row(cell(id), counts);
    all_rows += row;
    if (counts.troubled()) failing_rows += row;
  }
  md += "\n### By requirement\n\n";
  if (!failing_rows.empty()) {
    md += "Requirements with a result other than PASS or SKIP:\n\n" +
          verdict_header("requirement") + failing_rows + "\n";
  }
  md += "<details><summary>All " + std::to_string(t.by_requirement.size()) +
        " requirements</summary>\n\n" + verdict_header("requirement") + all_rows + "\n</details>\n";

  // What failed, worst first, with its transcript folded.
  const std::pair<shown, const char*> sections[] = {
      {shown::error, "Errors"},
      {shown::fail, "Failures"},
      {shown::xpass, "Unexpected passes (listed in the baseline, now passing: update it)"},
      {shown::non_strict, "Non-strict (a SHOULD or MAY not met)"},
  };
  std::size_t detailed = 0;
  for (const auto& [kind, title] : sections) {
    std::string section;
    std::size_t n = 0;
    for (const auto& r : results) {
      if (classify(r) != kind) continue;
      ++n;
      section += "\n#### " + std::string(label(kind)) + " " + name_of(r) + "\n\n";
      section += cell(r.summary) + "  \n";
      const std::string why = detail::why_line(r, kind);
      if (!why.empty()) section += "**Why:** " + cell(why) + "  \n";
      if (!r.requirements.empty()) {
        std::string ids;
        for (const auto& id : r.requirements) ids += (ids.empty() ? "" : ", ") + cell(id);
        section += "Requirements: " + ids + " (" + std::string(to_string(r.level)) + ")  \n";
      }
      if (!r.rerun.empty()) section += "Reproduce: `" + fenced(line_text(r.rerun)) + "`\n";
      if (detailed < detailed_results) {
        ++detailed;
        std::string text = detail::details(r, kind, true);
        const std::size_t size = text.size();
        if (size > detail_limit) text = detail::shorten(block_text(text), detail_limit, size);
        section += "\n<details><summary>transcript and details</summary>\n\n```text\n" +
                   fenced(text) + "\n```\n\n</details>\n";
      }
    }
    if (n > 0) md += "\n### " + std::string(title) + " (" + std::to_string(n) + ")\n" + section;
  }
  if (detailed == detailed_results) {
    md += "\nOnly the first " + std::to_string(detailed_results) +
          " results show their transcript here; the JSON and JUnit reports have them all.\n";
  }

  std::string expected;
  for (const auto& r : results) {
    if (classify(r) != shown::xfail) continue;
    expected += "- " + name_of(r) + ": " + cell(r.baseline_reason) + "\n";
  }
  if (!expected.empty()) {
    md += "\n### Expected failures (baseline, " + std::to_string(t.expected_failures) + ")\n\n" +
          expected;
  }
  if (!info.command_line.empty())
    md += "\nCommand: `" + fenced(line_text(info.command_line)) + "`\n";
  return md;
}

}  // namespace gday::harness
