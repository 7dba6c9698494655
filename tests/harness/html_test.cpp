#include "gday/harness/report.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gday/base/utf8.hpp"

namespace {

using gday::harness::run_info;
using gday::harness::scenario_result;
using gday::harness::to_html_report;
using gday::harness::transcript_entry;
using gday::harness::verdict;
using gday::wire::profile;

scenario_result make_result(std::string id, verdict outcome,
                            std::initializer_list<std::string> requirements,
                            profile p = profile::v1) {
  scenario_result r;
  r.id = std::move(id);
  r.summary = "summary of " + r.id;
  r.requirements = requirements;
  r.outcome = outcome;
  r.profile = p;
  r.duration = std::chrono::milliseconds(12);
  return r;
}

transcript_entry entry(transcript_entry::kind what, std::string bytes, std::string decoded) {
  transcript_entry e;
  e.at_ms = 1.5;
  e.conn = "a";
  e.what = what;
  e.bytes = std::move(bytes);
  e.decoded = std::move(decoded);
  return e;
}

transcript_entry event(std::string text) {
  transcript_entry e = entry(transcript_entry::kind::event, "", "");
  e.text = std::move(text);
  return e;
}

// One result of each kind a report shows: PASS x2, NON-STRICT, FAIL, SKIP,
// ERROR, XFAIL, XPASS.
std::vector<scenario_result> mixed_run() {
  std::vector<scenario_result> results;
  results.push_back(make_result("messages/create-room-twice", verdict::pass, {"M-1"}));
  results.push_back(make_result("messages/create-room-twice", verdict::pass, {"M-1"}, profile::v2));
  scenario_result fail = make_result("messages/ready-to-share", verdict::fail, {"M-3"});
  fail.reason = "/steps/3: expected ClientContact, got \"ErrorNoSuchRoomCode\"";
  fail.rerun = "run-scenarios --only messages/ready-to-share";
  fail.server_log = "WARN room not found";
  fail.transcript = {entry(transcript_entry::kind::sent, std::string("\x01\x00\x02{}", 5), "{}"),
                     entry(transcript_entry::kind::received, std::string("\x01\x00\x01x", 4),
                           "ErrorNoSuchRoomCode"),
                     event("closed by server")};
  results.push_back(fail);
  scenario_result soft = make_result("framing/split-header", verdict::non_strict, {"F-4"});
  soft.matched_note = "server closed instead of waiting";
  results.push_back(soft);
  results.push_back(make_result("transport/dual-stack", verdict::skip, {"T-2"}));
  results.push_back(make_result("rate/limit", verdict::error, {"R-1"}));
  scenario_result xfail = make_result("lifecycle/code-reuse-timer", verdict::fail, {"L-7"});
  xfail.expected_failure = true;
  xfail.baseline_reason = "upstream L-7 defect";
  results.push_back(xfail);
  scenario_result xpass = make_result("lifecycle/room-expires", verdict::pass, {"L-1"});
  xpass.unexpected_pass = true;
  xpass.baseline_reason = "was flaky on 0.3.0";
  results.push_back(xpass);
  return results;
}

run_info info() {
  run_info i;
  i.target = "embedded reference server (v1, TLS)";
  i.command_line = "run-scenarios --html report.html";
  i.started_at = "2024-05-01T12:00:00Z";
  i.duration_s = 4.25;
  return i;
}

std::size_t occurrences(std::string_view text, std::string_view part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Every element of these kinds is closed: no text from the run opened one.
void expect_balanced(const std::string& html) {
  for (const std::string tag :
       {"html", "head", "body", "main", "header", "section", "details", "summary", "table",
        "tr",   "td",   "div",  "p",    "select", "script",  "style",   "form",    "code",
        "pre",  "span", "a",    "th",   "dl",     "label",   "option"}) {
    const std::size_t opened =
        occurrences(html, "<" + tag + ">") + occurrences(html, "<" + tag + " ");
    EXPECT_EQ(opened, occurrences(html, "</" + tag + ">")) << "<" << tag << ">";
  }
}

TEST(html_report_test, counts_outcome_and_exit_code_match_the_tally) {
  const std::string html = to_html_report(mixed_run(), info());
  EXPECT_TRUE(has(html, "id=\"count-total\">8<")) << html.substr(0, 6000);
  EXPECT_TRUE(has(html, "id=\"count-pass\">2<"));
  EXPECT_TRUE(has(html, "id=\"count-non-strict\">1<"));
  EXPECT_TRUE(has(html, "id=\"count-fail\">1<"));
  EXPECT_TRUE(has(html, "id=\"count-skip\">1<"));
  EXPECT_TRUE(has(html, "id=\"count-error\">1<"));
  EXPECT_TRUE(has(html, "id=\"count-xfail\">1<"));
  EXPECT_TRUE(has(html, "id=\"count-xpass\">1<"));
  EXPECT_TRUE(has(html, "id=\"outcome\">FAILED<"));
  EXPECT_TRUE(has(html, "id=\"exit-code\">3<")) << "an ERROR: exit 3";
  EXPECT_TRUE(has(html, "id=\"shown-count\">8<")) << "all shown before any filter";
  EXPECT_EQ(occurrences(html, "<details class=\"scenario "), 8u);
  EXPECT_TRUE(has(html, "embedded reference server (v1, TLS)"));
  EXPECT_TRUE(has(html, "run-scenarios --html report.html"));
  EXPECT_TRUE(has(html, "2024-05-01T12:00:00Z"));
  EXPECT_TRUE(has(html, "4.2 s") || has(html, "4.3 s"));
  expect_balanced(html);

  const std::string ok = to_html_report({make_result("a/b", verdict::pass, {"M-1"})}, info());
  EXPECT_TRUE(has(ok, "id=\"outcome\">passed<"));
  EXPECT_TRUE(has(ok, "id=\"exit-code\">0<"));
  auto strict = info();
  strict.strict = true;
  const std::string soft =
      to_html_report({make_result("a/b", verdict::non_strict, {"M-1"})}, strict);
  EXPECT_TRUE(has(soft, "id=\"exit-code\">1<")) << "NON-STRICT fails a --strict run";
}

TEST(html_report_test, results_carry_filter_attributes_and_details) {
  const std::string html = to_html_report(mixed_run(), info());
  EXPECT_TRUE(has(html, "data-verdict=\"FAIL\" data-area=\"messages\" data-profile=\"v1\""));
  EXPECT_TRUE(has(html, "data-verdict=\"PASS\" data-area=\"messages\" data-profile=\"v2\""));
  EXPECT_TRUE(has(html, "data-profile=\"v1\" data-requirements=\"[&quot;M-3&quot;]\">"))
      << "the IDs as a JSON array, for the requirement filter";
  EXPECT_TRUE(has(html, "<option value=\"lifecycle\">lifecycle (2)</option>"));
  EXPECT_TRUE(has(html, "<option value=\"v2\">v2 (1)</option>"));
  EXPECT_TRUE(has(html, "name=\"verdict\" value=\"XPASS\""));
  EXPECT_TRUE(has(html, "location.hash")) << "filters are read from the URL fragment";
  // The failure's details: reason, step, reproduce command, transcript, log.
  EXPECT_TRUE(has(html, "expected ClientContact, got &quot;ErrorNoSuchRoomCode&quot;"));
  EXPECT_TRUE(has(html, "<code>run-scenarios --only messages/ready-to-share</code>"));
  EXPECT_TRUE(has(html, "<td class=\"hex\">010002 7b7d</td>")) << "the bytes as hex";
  EXPECT_TRUE(has(html, "<tr class=\"received\">"));
  EXPECT_TRUE(has(html, "<td colspan=\"2\">closed by server</td>"));
  EXPECT_TRUE(has(html, "<pre class=\"log\">WARN room not found</pre>"));
  EXPECT_TRUE(has(html, "server closed instead of waiting"));
  // The worst first: the ERROR opens the list, a SKIP closes it.
  const auto first = html.find("<details class=\"scenario ");
  EXPECT_EQ(html.substr(first, 33), "<details class=\"scenario v-error\"");
  EXPECT_GT(html.rfind("data-verdict=\"SKIP\""), html.rfind("data-verdict=\"PASS\""));
}

TEST(html_report_test, xfail_and_xpass_are_marked_with_the_baseline_reason) {
  const std::string html = to_html_report(mixed_run(), info());
  const auto xfail = html.find("data-verdict=\"XFAIL\"");
  const auto xpass = html.find("data-verdict=\"XPASS\"");
  ASSERT_NE(xfail, std::string::npos);
  ASSERT_NE(xpass, std::string::npos);
  const auto xfail_note = html.find("Expected failure (XFAIL)", xfail);
  ASSERT_NE(xfail_note, std::string::npos);
  EXPECT_LT(xfail_note, html.find("</details>", xfail)) << "inside its own result";
  EXPECT_TRUE(has(html.substr(xfail_note, 300), "upstream L-7 defect"));
  const auto xpass_note = html.find("Unexpected pass (XPASS)", xpass);
  ASSERT_NE(xpass_note, std::string::npos);
  EXPECT_LT(xpass_note, html.find("</details>", xpass));
  EXPECT_TRUE(has(html.substr(xpass_note, 300), "was flaky on 0.3.0"));
  EXPECT_EQ(occurrences(html, "class=\"baseline\""), 2u) << "only the baseline's results";
}

TEST(html_report_test, matrix_cells_show_the_worst_verdict_per_requirement_and_profile) {
  std::vector<scenario_result> results = {
      make_result("a/one", verdict::pass, {"R-1", "R-2"}),
      make_result("a/two", verdict::fail, {"R-1"}),
      make_result("a/three", verdict::skip, {"R-1"}, profile::v2),
      make_result("a/four", verdict::pass, {"R-1"}, profile::v2),
      make_result("a/five", verdict::non_strict, {"R-2"}),
      make_result("a/six", verdict::fail, {"R-2"}),
      make_result("a/seven", verdict::error, {"R-3"}),
      make_result("a/eight", verdict::fail, {"R-3"}),
  };
  results[5].expected_failure = true;  // XFAIL is better than NON-STRICT
  const std::string html = to_html_report(results, info());
  EXPECT_TRUE(has(html, "<td class=\"cell v-fail\" title=\"R-1 v1: 1 PASS, 1 FAIL\">"))
      << html.substr(html.find("id=\"matrix\""), 2000);
  EXPECT_TRUE(has(html, "<td class=\"cell v-pass\" title=\"R-1 v2: 1 PASS, 1 SKIP\">"));
  EXPECT_TRUE(has(
      html, "<td class=\"cell v-non-strict\" title=\"R-2 v1: 1 PASS, 1 NON-STRICT, 1 XFAIL\">"));
  EXPECT_TRUE(has(html, "<td class=\"cell v-error\" title=\"R-3 v1: 1 FAIL, 1 ERROR\">"));
  EXPECT_TRUE(has(html, "<td class=\"cell\" title=\"no results\">")) << "R-2 and R-3 on v2";
  EXPECT_TRUE(has(html, "<a href=\"#req=R-1&amp;profile=v1\">FAIL</a>"));
  expect_balanced(html);
}

TEST(html_report_test, text_from_the_run_cannot_become_markup) {
  const std::string attack = "</script><img src=x onerror=alert(1)>";
  std::string hostile = attack + "\x1b[31m\xff\xfe\x01\x7f&'\"";
  auto r =
      make_result("a\"b'<img src=x onerror=alert(1)>&/" + hostile, verdict::fail, {"R-1" + attack});
  r.summary = hostile;
  r.reason = hostile + "\nsecond line";
  r.rerun = hostile;
  r.server_log = hostile;
  r.matched_note = hostile;
  r.transcript = {entry(transcript_entry::kind::received, hostile, hostile), event(hostile)};
  r.transcript.front().conn = hostile;
  r.expected_failure = true;
  r.baseline_reason = hostile;
  auto i = info();
  i.target = hostile;
  i.command_line = hostile;
  i.started_at = hostile;
  i.stopped_after = hostile;
  const std::string html = to_html_report({r}, i);
  EXPECT_EQ(occurrences(html, "<script"), 1u) << "only the report's own script";
  EXPECT_EQ(occurrences(html, "</script>"), 1u);
  EXPECT_EQ(occurrences(html, "<img"), 0u);
  EXPECT_TRUE(has(html, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_TRUE(has(html, "data-area=\"a&quot;b&#39;&lt;img src=x onerror=alert(1)&gt;&amp;\""))
      << "quotes cannot end an attribute";
  EXPECT_TRUE(has(html, "href=\"#req=R-1%3C%2Fscript%3E%3Cimg%20src%3Dx")) << "URL-encoded";
  EXPECT_TRUE(gday::base::is_valid_utf8(html)) << "invalid UTF-8 is replaced";
  for (const char c : html) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 || c == '\n') << "control byte " << static_cast<int>(byte);
    if (byte < 0x20 && c != '\n') break;
  }
  EXPECT_TRUE(has(html, "\\x1b[31m")) << "control bytes are shown, escaped";
  expect_balanced(html);
}

TEST(html_report_test, the_page_needs_nothing_from_outside) {
  auto results = mixed_run();
  const std::string html = to_html_report(results, info());
  for (const char* outside : {"http://", "https://", "src=", "<link", "@import", "url(", "//cdn"}) {
    EXPECT_FALSE(has(html, outside)) << outside;
  }
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_TRUE(has(html, "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(has(html, "<style>"));
}

TEST(html_report_test, long_transcripts_and_logs_are_cut_saying_so) {
  auto r = make_result("a/long", verdict::fail, {"R-1"});
  for (int i = 0; i < 1000; ++i) {
    r.transcript.push_back(
        entry(transcript_entry::kind::sent, std::string(5000, 'x'), std::string(20000, 'y')));
  }
  r.server_log = std::string(1 << 20, 'z') + "\nlast line of the log";
  const std::string html = to_html_report({r}, info());
  EXPECT_LT(html.size(), 2'000'000u);
  EXPECT_TRUE(has(html, "800 more entries not shown"));
  EXPECT_TRUE(has(html, "(5000 bytes)")) << "a long frame says how long it was";
  EXPECT_TRUE(has(html, "(20000 bytes)")) << "so does a long decoded text";
  EXPECT_TRUE(has(html, "earlier bytes cut"));
  EXPECT_TRUE(has(html, "last line of the log")) << "a log keeps its end";
  expect_balanced(html);
}

TEST(html_report_test, an_empty_run_is_still_a_valid_page) {
  const std::string html = to_html_report({}, info());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_EQ(html.substr(html.size() - 8), "</html>\n");
  EXPECT_TRUE(has(html, "id=\"outcome\">nothing was tested<"));
  EXPECT_TRUE(has(html, "id=\"exit-code\">2<")) << "nothing tested is not a pass";
  EXPECT_TRUE(has(html, "id=\"count-total\">0<"));
  EXPECT_TRUE(has(html, "id=\"shown-count\">0<"));
  EXPECT_TRUE(has(html, "<p id=\"none-shown\">")) << "says so without the script";
  EXPECT_EQ(occurrences(html, "<details"), 0u);
  expect_balanced(html);
}

}  // namespace
