#include "gday/harness/report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using gday::harness::grade;
using gday::harness::run_info;
using gday::harness::scenario_result;
using gday::harness::transcript_entry;
using gday::harness::verdict;
using gday::wire::profile;

scenario_result make_result(std::string id, verdict outcome,
                            std::initializer_list<std::string> requirements, int duration_ms = 10) {
  scenario_result r;
  r.id = std::move(id);
  r.summary = "summary of " + r.id;
  r.requirements = requirements;
  r.outcome = outcome;
  r.duration = std::chrono::milliseconds(duration_ms);
  return r;
}

transcript_entry sent(double at, std::string conn, std::string bytes, std::string decoded) {
  transcript_entry e;
  e.at_ms = at;
  e.conn = std::move(conn);
  e.what = transcript_entry::kind::sent;
  e.bytes = std::move(bytes);
  e.decoded = std::move(decoded);
  return e;
}

transcript_entry received(double at, std::string conn, std::string bytes, std::string decoded) {
  transcript_entry e = sent(at, std::move(conn), std::move(bytes), std::move(decoded));
  e.what = transcript_entry::kind::received;
  return e;
}

transcript_entry event(double at, std::string conn, std::string text) {
  transcript_entry e;
  e.at_ms = at;
  e.conn = std::move(conn);
  e.what = transcript_entry::kind::event;
  e.text = std::move(text);
  return e;
}

std::string frame(std::string_view body) {
  std::string out;
  out.push_back('\x01');
  out.push_back(static_cast<char>(body.size() >> 8));
  out.push_back(static_cast<char>(body.size() & 0xff));
  out.append(body);
  return out;
}

// Every byte value a transcript may hold, and text that is neither UTF-8 nor XML.
std::string hostile_bytes() {
  std::string bytes;
  for (int b = 0; b < 0x20; ++b) bytes.push_back(static_cast<char>(b));
  bytes += "\xff]]>\xfe<&\"'";
  return bytes;
}

std::string hostile_text() {
  // Control bytes, CDATA end, stray 0xff, an encoded surrogate (ED A0 80),
  // an overlong '/' (C0 AF), a truncated sequence, U+FFFF, a C1 control,
  // a terminal escape.
  return std::string("\x00\x01\x08\x0b\x0c\x1f", 6) +
         "]]> <tag attr=\"x\"> & 'q' \xff \xed\xa0\x80 \xc0\xaf \xe2\x82 \xef\xbf\xbf \xc2\x9b "
         "\x1b[31mred\x1b[0m";
}

// A run touching every outcome: PASS, FAIL, NON-STRICT, XFAIL, SKIP, XPASS, ERROR.
std::vector<scenario_result> mixed_run() {
  std::vector<scenario_result> results;
  results.push_back(make_result("messages/create-room-twice", verdict::pass, {"M-1"}, 23));

  scenario_result fail = make_result("messages/ready-to-share", verdict::fail, {"M-3", "M-4"}, 57);
  fail.reason = "/steps/3: expected ClientContact, got \"ErrorNoSuchRoomCode\"";
  fail.failed_step = "/steps/3";
  fail.rerun = "gday-conformance --target 127.0.0.1:2311 --only messages/ready-to-share";
  fail.server_log = "INFO accepted 127.0.0.1:40000\nWARN room not found";
  fail.transcript = {
      sent(0.4, "a", frame("{\"ReadyToShare\":{}}"), "{\"ReadyToShare\":{}}"),
      received(1.2, "a", frame("\"ErrorNoSuchRoomCode\""), "\"ErrorNoSuchRoomCode\""),
  };
  fail.reply_latency_ms = {0.8};
  results.push_back(fail);

  scenario_result soft = make_result("framing/split-header", verdict::non_strict, {"F-4", "F-10"});
  soft.level = grade::should;
  soft.reason = "/steps/2: the SHOULD alternative did not match";
  soft.matched_note = "server closed instead of waiting";
  soft.reply_latency_ms = {0.5, 41.25, 3.0};
  results.push_back(soft);

  scenario_result xfail = make_result("lifecycle/code-reuse-timer", verdict::fail, {"L-7"});
  xfail.reason = "/steps/9: room deleted early";
  xfail.expected_failure = true;
  xfail.baseline_reason = "upstream L-7 defect";
  results.push_back(xfail);

  scenario_result skip = make_result("transport/dual-stack", verdict::skip, {"T-2"});
  skip.reason = "target has no IPv6 address";
  results.push_back(skip);

  scenario_result xpass = make_result("lifecycle/room-expires", verdict::pass, {"L-1", "M-1"});
  xpass.unexpected_pass = true;
  xpass.baseline_reason = "was flaky on 0.3.0";
  results.push_back(xpass);

  scenario_result error = make_result("rate/limit", verdict::error, {"R-1"});
  error.reason = "target unreachable: connection refused";
  results.push_back(error);
  return results;
}

run_info mixed_info() {
  run_info info;
  info.target = "embedded reference server (v1, TLS)";
  info.command_line = "gday-conformance --embedded --junit out.xml";
  info.started_at = "2024-05-01T12:00:00Z";
  info.duration_s = 4.25;
  return info;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const std::string& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

// Runs a console reporter over results and returns what it printed.
std::string console_output(const std::vector<scenario_result>& results, bool colour, bool verbose,
                           std::size_t total = 0) {
  std::FILE* file = std::tmpfile();
  EXPECT_NE(file, nullptr);
  if (file == nullptr) return {};
  {
    gday::harness::console_reporter reporter(file, colour, verbose,
                                             total == 0 ? results.size() : total);
    for (const scenario_result& r : results) reporter.on_result(r);
    reporter.on_finish(results, mixed_info());
  }
  std::rewind(file);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) out.append(buffer, n);
  std::fclose(file);
  return out;
}

// --- A small XML 1.0 well-formedness checker (no DTDs, no namespaces). ---

struct xml_node {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<xml_node> children;
  std::string text;  ///< character data, references resolved

  std::vector<const xml_node*> all(std::string_view tag) const {
    std::vector<const xml_node*> found;
    for (const xml_node& c : children) {
      if (c.name == tag) found.push_back(&c);
      for (const xml_node* n : c.all(tag)) found.push_back(n);
    }
    return found;
  }
  const xml_node* child(std::string_view tag) const {
    for (const xml_node& c : children) {
      if (c.name == tag) return &c;
    }
    return nullptr;
  }
};

class xml_checker {
 public:
  explicit xml_checker(std::string_view doc) : s_(doc) {}

  // The root element, or an empty name and `error` set.
  xml_node parse() {
    xml_node root;
    if (!valid_characters()) return root;
    if (s_.substr(0, 5) == "<?xml") {
      const std::size_t end = s_.find("?>");
      if (end == std::string_view::npos) return fail("unterminated XML declaration"), root;
      pos_ = end + 2;
    }
    skip_space();
    if (!element(root, 0)) return xml_node{};
    skip_space();
    if (pos_ != s_.size()) return fail("content after the root element"), xml_node{};
    return root;
  }
  std::string error;

 private:
  bool fail(std::string message) {
    if (error.empty()) error = message + " at byte " + std::to_string(pos_);
    return false;
  }

  // Every character valid UTF-8 and an XML 1.0 Char.
  bool valid_characters() {
    for (std::size_t i = 0; i < s_.size();) {
      const auto b = static_cast<unsigned char>(s_[i]);
      std::size_t length = b < 0x80                 ? 1
                           : b >= 0xc2 && b <= 0xdf ? 2
                           : b >= 0xe0 && b <= 0xef ? 3
                           : b >= 0xf0 && b <= 0xf4 ? 4
                                                    : 0;
      if (length == 0 || i + length > s_.size()) return pos_ = i, fail("invalid UTF-8");
      char32_t cp = length == 1 ? b : b & (0x7fu >> length);
      for (std::size_t k = 1; k < length; ++k) {
        const auto c = static_cast<unsigned char>(s_[i + k]);
        if ((c & 0xc0u) != 0x80u) return pos_ = i, fail("invalid UTF-8");
        cp = (cp << 6) | (c & 0x3fu);
      }
      const char32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < minimum[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return pos_ = i, fail("invalid UTF-8");
      }
      const bool xml_char = cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
                            (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
      if (!xml_char) return pos_ = i, fail("character not allowed in XML 1.0");
      i += length;
    }
    return true;
  }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool name(std::string& out) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
            s_[pos_] == '_' || s_[pos_] == '.' || s_[pos_] == ':')) {
      ++pos_;
    }
    out = std::string(s_.substr(start, pos_ - start));
    return !out.empty() || fail("expected a name");
  }

  bool reference(std::string& out) {  // at '&'
    const std::size_t end = s_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 10) return fail("bad reference");
    const std::string_view ref = s_.substr(pos_ + 1, end - pos_ - 1);
    if (ref == "amp")
      out += '&';
    else if (ref == "lt")
      out += '<';
    else if (ref == "gt")
      out += '>';
    else if (ref == "quot")
      out += '"';
    else if (ref == "apos" || ref == "#39")
      out += '\'';
    else if (ref == "#10")
      out += '\n';
    else if (ref == "#9")
      out += '\t';
    else if (ref == "#13")
      out += '\r';
    else
      return fail("unknown reference &" + std::string(ref) + ";");
    pos_ = end + 1;
    return true;
  }

  bool element(xml_node& node, int depth) {
    if (depth > 50) return fail("too deep");
    if (pos_ >= s_.size() || s_[pos_] != '<') return fail("expected '<'");
    ++pos_;
    if (!name(node.name)) return false;
    for (;;) {
      const std::size_t before = pos_;
      skip_space();
      if (pos_ >= s_.size()) return fail("unterminated start tag");
      if (s_.substr(pos_, 2) == "/>") {
        pos_ += 2;
        return true;
      }
      if (s_[pos_] == '>') {
        ++pos_;
        break;
      }
      if (before == pos_) return fail("expected space before an attribute");
      std::string attribute;
      if (!name(attribute)) return false;
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '=') return fail("expected '='");
      ++pos_;
      skip_space();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) return fail("expected quote");
      const char quote = s_[pos_++];
      std::string value;
      while (pos_ < s_.size() && s_[pos_] != quote) {
        if (s_[pos_] == '<') return fail("'<' in an attribute value");
        if (s_[pos_] == '&') {
          if (!reference(value)) return false;
        } else {
          value.push_back(s_[pos_++]);
        }
      }
      if (pos_ >= s_.size()) return fail("unterminated attribute value");
      ++pos_;
      if (!node.attributes.emplace(attribute, value).second) return fail("duplicate attribute");
    }
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated element <" + node.name + ">");
      if (s_.substr(pos_, 2) == "</") {
        pos_ += 2;
        std::string closing;
        if (!name(closing)) return false;
        if (closing != node.name) return fail("</" + closing + "> closes <" + node.name + ">");
        skip_space();
        if (pos_ >= s_.size() || s_[pos_] != '>') return fail("expected '>'");
        ++pos_;
        return true;
      }
      if (s_.substr(pos_, 9) == "<![CDATA[") {
        const std::size_t end = s_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return fail("unterminated CDATA");
        node.text.append(s_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (s_.substr(pos_, 4) == "<!--") {
        const std::size_t end = s_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return fail("unterminated comment");
        pos_ = end + 3;
      } else if (s_[pos_] == '<') {
        node.children.emplace_back();
        if (!element(node.children.back(), depth + 1)) return false;
      } else if (s_[pos_] == '&') {
        if (!reference(node.text)) return false;
      } else {
        if (s_.substr(pos_, 3) == "]]>") return fail("']]>' in character data");
        node.text.push_back(s_[pos_++]);
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

std::filesystem::path scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path p =
        std::filesystem::temp_directory_path() /
        ("gday_report_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + std::to_string(std::rand()));
    std::filesystem::create_directories(p);
    return p;
  }();
  return dir;
}

std::string write_file(const std::string& name, const std::string& content) {
  const std::filesystem::path path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

bool xmllint_available() { return std::system("xmllint --version >/dev/null 2>&1") == 0; }

// --------------------------------------------------------------------------

TEST(report_test, names_verdicts_and_grades) {
  using gday::harness::to_string;
  EXPECT_EQ(to_string(verdict::pass), "PASS");
  EXPECT_EQ(to_string(verdict::non_strict), "NON-STRICT");
  EXPECT_EQ(to_string(verdict::fail), "FAIL");
  EXPECT_EQ(to_string(verdict::skip), "SKIP");
  EXPECT_EQ(to_string(verdict::error), "ERROR");
  EXPECT_EQ(to_string(grade::must), "MUST");
  EXPECT_EQ(to_string(grade::should), "SHOULD");
  EXPECT_EQ(to_string(grade::may), "MAY");
}

TEST(report_test, tally_counts_baseline_marked_results_apart) {
  const auto t = gday::harness::tally(mixed_run());
  EXPECT_EQ(t.passed, 1u);  // the XPASS is not a pass
  EXPECT_EQ(t.failed, 1u);  // the XFAIL is not a failure
  EXPECT_EQ(t.expected_by_requirement.at("L-7"), 1u);
  EXPECT_EQ(t.expected_by_requirement.count("M-3"), 0u);
  EXPECT_EQ(t.non_strict, 1u);
  EXPECT_EQ(t.skipped, 1u);
  EXPECT_EQ(t.errors, 1u);
  EXPECT_EQ(t.expected_failures, 1u);
  EXPECT_EQ(t.unexpected_passes, 1u);

  // Each result adds to every requirement it lists, under its raw verdict.
  EXPECT_EQ(t.by_requirement.at("M-1").at(verdict::pass), 2u);
  EXPECT_EQ(t.by_requirement.at("M-3").at(verdict::fail), 1u);
  EXPECT_EQ(t.by_requirement.at("M-4").at(verdict::fail), 1u);
  EXPECT_EQ(t.by_requirement.at("L-7").at(verdict::fail), 1u);
  EXPECT_EQ(t.by_requirement.at("F-10").at(verdict::non_strict), 1u);
  EXPECT_EQ(t.by_requirement.at("R-1").at(verdict::error), 1u);
  EXPECT_EQ(t.by_requirement.size(), 9u);

  // An ID listed twice by one result counts once.
  const auto twice = gday::harness::tally({make_result("a/b", verdict::pass, {"M-1", "M-1"})});
  EXPECT_EQ(twice.by_requirement.at("M-1").at(verdict::pass), 1u);
  // An expected NON-STRICT is an expected failure too.
  scenario_result soft = make_result("a/c", verdict::non_strict, {});
  soft.expected_failure = true;
  const auto soft_totals = gday::harness::tally({soft});
  EXPECT_EQ(soft_totals.non_strict, 0u);
  EXPECT_EQ(soft_totals.expected_failures, 1u);
}

TEST(report_test, tally_counts_byte_differences_only_against_the_ids_they_broke) {
  scenario_result bytes = make_result("json/x", verdict::non_strict, {"M-3", "J-9", "J-5"});
  bytes.non_canonical = {"J-9", "J-5"};
  const auto t = gday::harness::tally({bytes});
  EXPECT_EQ(t.non_strict, 1u);
  EXPECT_EQ(t.by_requirement.at("M-3").at(verdict::pass), 1u);
  EXPECT_EQ(t.by_requirement.at("J-9").at(verdict::non_strict), 1u);
  EXPECT_EQ(t.by_requirement.at("J-5").at(verdict::non_strict), 1u);

  // A step that failed as well: every ID carries the verdict.
  bytes.failed_step = "/steps/3";
  const auto failed = gday::harness::tally({bytes});
  EXPECT_EQ(failed.by_requirement.at("M-3").at(verdict::non_strict), 1u);
}

TEST(report_test, exit_code_follows_the_worst_outcome) {
  using gday::harness::exit_code;
  using gday::harness::tally;
  const auto code = [](std::vector<scenario_result> results) {
    return exit_code(tally(results), false);
  };
  scenario_result xfail = make_result("a/xfail", verdict::fail, {});
  xfail.expected_failure = true;
  scenario_result xpass = make_result("a/xpass", verdict::pass, {});
  xpass.unexpected_pass = true;
  const scenario_result pass = make_result("a/pass", verdict::pass, {});
  const scenario_result soft = make_result("a/soft", verdict::non_strict, {});
  const scenario_result fail = make_result("a/fail", verdict::fail, {});
  const scenario_result skip = make_result("a/skip", verdict::skip, {});
  const scenario_result error = make_result("a/error", verdict::error, {});

  EXPECT_EQ(code({}), 2);  // nothing tested is not a pass
  EXPECT_EQ(code({skip, skip}), 2);
  EXPECT_EQ(code({xfail, skip}), 0);  // an expected failure was tested
  EXPECT_EQ(code({pass, skip}), 0);
  EXPECT_EQ(code({soft}), 0);  // NON-STRICT only
  EXPECT_EQ(code({pass, soft, skip}), 0);
  EXPECT_EQ(code({pass, xfail}), 0);  // expected failures are allowed
  EXPECT_EQ(code({pass, fail}), 1);
  EXPECT_EQ(code({pass, xpass}), 1);  // XPASS fails the run
  EXPECT_EQ(code({xfail, xpass}), 1);
  EXPECT_EQ(code({error}), 3);
  EXPECT_EQ(code({fail, error, xpass}), 3);  // ERROR wins
  EXPECT_EQ(code(mixed_run()), 3);
}

TEST(report_test, transcript_lines_show_time_connection_hex_and_decoded) {
  const std::string body = "\"RoomCreated\"";
  const std::string text = gday::harness::format_transcript({
      sent(12.3, "a", frame(body), body),
      received(15.04, "a", frame(body), body),
      event(15.0, "a", "closed by server (FIN, no close_notify)"),
  });
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "  +12.3ms a -> 01000d 22526f6f6d4372656174656422  \"RoomCreated\"");
  EXPECT_EQ(lines[1], "  +15.0ms a <- 01000d 22526f6f6d4372656174656422  \"RoomCreated\"");
  EXPECT_EQ(lines[2], "  +15.0ms a  * closed by server (FIN, no close_notify)");
  EXPECT_EQ(text.back(), '\n');

  // Columns stay aligned when connection names and times differ in width.
  const auto aligned = lines_of(
      gday::harness::format_transcript({event(1.0, "a", "x"), event(1234.5, "creator", "y")}));
  ASSERT_EQ(aligned.size(), 2u);
  EXPECT_EQ(aligned[0], "     +1.0ms a        * x");
  EXPECT_EQ(aligned[1], "  +1234.5ms creator  * y");
}

TEST(report_test, transcript_truncates_long_frames_and_escapes_control_bytes) {
  const std::string big(100, 'x');
  const std::string line = gday::harness::format_transcript({sent(1, "a", big, "")});
  EXPECT_EQ(line.find("787878"), line.find("-> ") + 3);
  EXPECT_NE(line.find("\xE2\x80\xA6 (100 bytes)"), std::string::npos) << line;
  EXPECT_EQ(std::count(line.begin(), line.end(), '8'), 64) << line;  // 64 bytes of hex, no more

  const std::string hostile = gday::harness::format_transcript(
      {received(1, "a", hostile_bytes(), hostile_text()), event(2, "a", hostile_text())});
  EXPECT_EQ(hostile.find('\x1b'), std::string::npos);
  EXPECT_EQ(hostile.find('\0'), std::string::npos);
  EXPECT_EQ(std::count(hostile.begin(), hostile.end(), '\n'), 2);  // one line per entry
  EXPECT_NE(hostile.find("\\x1b[31mred"), std::string::npos);
  EXPECT_NE(hostile.find("000102 030405"), std::string::npos);
  EXPECT_NE(hostile.find("1fff5d5d3e"), std::string::npos);  // 0x1f 0xff "]]>" as hex
}

TEST(report_test, console_prints_progress_lines_and_the_summary) {
  const auto results = mixed_run();
  const std::string out = console_output(results, false, false);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << "ANSI escape without colour";

  const auto lines = lines_of(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "[1/7] PASS        v1  messages/create-room-twice  (23 ms)");
  EXPECT_TRUE(has_line(out, "[2/7] FAIL        v1  messages/ready-to-share  (57 ms)")) << out;
  EXPECT_TRUE(has_line(out, "[3/7] NON-STRICT  v1  framing/split-header  (10 ms)")) << out;
  EXPECT_TRUE(has_line(out, "[4/7] XFAIL       v1  lifecycle/code-reuse-timer  (10 ms)")) << out;
  EXPECT_TRUE(has_line(out, "[5/7] SKIP        v1  transport/dual-stack  (10 ms)")) << out;
  EXPECT_TRUE(has_line(out, "[6/7] XPASS       v1  lifecycle/room-expires  (10 ms)")) << out;
  EXPECT_TRUE(has_line(out, "[7/7] ERROR       v1  rate/limit  (10 ms)")) << out;

  // Reasons for everything not PASS (SKIP too), transcript/rerun/log for the FAIL.
  EXPECT_TRUE(has_line(out, "    reason: target has no IPv6 address")) << out;
  EXPECT_TRUE(has_line(out, "    reason: target unreachable: connection refused")) << out;
  EXPECT_TRUE(has_line(out, "    baseline: upstream L-7 defect")) << out;
  EXPECT_TRUE(has_line(out, "    matched: server closed instead of waiting")) << out;
  EXPECT_TRUE(has_line(out,
                       "    rerun: gday-conformance --target 127.0.0.1:2311 --only "
                       "messages/ready-to-share"))
      << out;
  EXPECT_TRUE(has_line(out, "    server log:")) << out;
  EXPECT_TRUE(has_line(out, "      WARN room not found")) << out;
  EXPECT_NE(out.find("      +1.2ms a <- 010015 224572726f724e6f5375636852"), std::string::npos)
      << out;
  EXPECT_TRUE(has_line(out,
                       "    note: slow replies: max 41.2 ms (spec T-6: header and body in "
                       "separate writes?)"))
      << out;
  // The PASS line has no details, and only one result is slow.
  EXPECT_EQ(lines[1], "[2/7] FAIL        v1  messages/ready-to-share  (57 ms)");
  std::size_t notes = 0;
  for (const auto& l : lines) notes += l.find("slow replies") != std::string::npos ? 1 : 0;
  EXPECT_EQ(notes, 1u);

  // Summary: the exact line CI parsers read (failed = FAIL + ERROR + XPASS).
  EXPECT_TRUE(has_line(out, "1 passed, 3 failed, 1 skipped")) << out;
  EXPECT_NE(out.find("1 non-strict, 1 expected failure (XFAIL), 1 unexpected pass (XPASS), "
                     "1 MUST failure, 1 error"),
            std::string::npos)
      << out;

  // Per-requirement table, IDs in natural order (F-4 before F-10).
  EXPECT_TRUE(has_line(out, "requirement  PASS  NON-STRICT  FAIL  SKIP  ERROR")) << out;
  EXPECT_TRUE(has_line(out, "M-1             2           0     0     0      0")) << out;
  EXPECT_TRUE(has_line(out, "L-7             0           0     1     0      0")) << out;
  EXPECT_TRUE(has_line(out, "F-10            0           1     0     0      0")) << out;
  EXPECT_TRUE(has_line(out, "R-1             0           0     0     0      1")) << out;
  EXPECT_LT(out.find("\nF-4 "), out.find("\nF-10 "));
  EXPECT_LT(out.find("\nF-10 "), out.find("\nL-1 "));
  EXPECT_TRUE(has_line(out, "target: embedded reference server (v1, TLS)")) << out;
  EXPECT_TRUE(has_line(out, "duration: 4.2 s (started 2024-05-01T12:00:00Z)") ||
              has_line(out, "duration: 4.3 s (started 2024-05-01T12:00:00Z)"))
      << out;
}

TEST(report_test, console_pads_progress_colours_verdicts_and_shows_all_when_verbose) {
  std::vector<scenario_result> twelve(
      12, make_result("messages/create-room-twice", verdict::pass, {"M-1"}, 23));
  const auto lines = lines_of(console_output(twelve, false, false, 140));
  ASSERT_GE(lines.size(), 12u);
  EXPECT_EQ(lines[0], "[  1/140] PASS        v1  messages/create-room-twice  (23 ms)");
  EXPECT_EQ(lines[11], "[ 12/140] PASS        v1  messages/create-room-twice  (23 ms)");

  const std::string coloured = console_output(mixed_run(), true, false);
  EXPECT_NE(coloured.find("\x1b[32mPASS\x1b[0m        v1"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[33mNON-STRICT\x1b[0m  v1"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[31mFAIL\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[31mERROR\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[90mSKIP\x1b[0m"), std::string::npos);
  EXPECT_TRUE(has_line(coloured, "1 passed, 3 failed, 1 skipped"));  // never coloured

  // A PASS transcript appears only when verbose; hostile bytes never reach the terminal.
  std::vector<scenario_result> one{make_result("a/b", verdict::pass, {})};
  one[0].transcript = {event(1, "a", "connected"), received(2, "a", "x", hostile_text())};
  one[0].server_log = hostile_text();
  EXPECT_EQ(console_output(one, false, false).find("connected"), std::string::npos);
  const std::string verbose = console_output(one, false, true);
  EXPECT_NE(verbose.find("    transcript:\n      +1.0ms a  * connected\n"), std::string::npos)
      << verbose;
  EXPECT_EQ(verbose.find('\x1b'), std::string::npos);
  EXPECT_EQ(verbose.find('\0'), std::string::npos);
}

TEST(report_test, junit_xml_is_well_formed_and_counts_match) {
  auto results = mixed_run();
  // Hostile content everywhere a result carries text.
  scenario_result hostile = make_result("robustness/a&b<c>\"q\"", verdict::fail, {"F-6"});
  hostile.reason = "got " + hostile_text();
  hostile.transcript = {sent(1, "a", hostile_bytes(), hostile_text()),
                        event(2, "a", "closed ]]> " + hostile_text())};
  hostile.server_log = hostile_text();
  hostile.rerun = "run --only 'robustness/a&b'";
  results.push_back(hostile);
  scenario_result no_area = make_result("toplevel", verdict::pass, {});
  results.push_back(no_area);

  run_info info = mixed_info();
  info.target = "target <with> \"quotes\" & " + hostile_text();
  const std::string doc = gday::harness::to_junit_xml(results, info);

  xml_checker checker(doc);
  const xml_node root = checker.parse();
  ASSERT_TRUE(checker.error.empty()) << checker.error << "\n" << doc;
  ASSERT_EQ(root.name, "testsuites");
  EXPECT_EQ(root.attributes.at("name"), "gday-conformance");
  EXPECT_EQ(root.attributes.at("tests"), "9");
  EXPECT_EQ(root.attributes.at("failures"), "3");  // 2 FAIL + XPASS
  EXPECT_EQ(root.attributes.at("errors"), "1");
  EXPECT_EQ(root.attributes.at("skipped"), "2");  // SKIP + XFAIL
  EXPECT_EQ(root.attributes.at("time"), "4.250");

  // One suite per area; suite attributes add up to what its testcases hold.
  std::set<std::string> areas;
  std::size_t testcases = 0;
  for (const xml_node& suite : root.children) {
    ASSERT_EQ(suite.name, "testsuite");
    areas.insert(suite.attributes.at("name"));
    std::size_t failures = 0, errors = 0, skipped = 0, tests = 0;
    for (const xml_node& tc : suite.children) {
      if (tc.name != "testcase") continue;
      ++tests;
      EXPECT_FALSE(tc.attributes.at("name").empty());
      EXPECT_EQ(tc.attributes.at("classname"), "gday." + suite.attributes.at("name"));
      EXPECT_NE(tc.attributes.at("name").find(" [v1]"), std::string::npos);
      EXPECT_TRUE(tc.attributes.count("time"));
      failures += tc.all("failure").size();
      errors += tc.all("error").size();
      skipped += tc.all("skipped").size();
    }
    testcases += tests;
    EXPECT_EQ(suite.attributes.at("tests"), std::to_string(tests));
    EXPECT_EQ(suite.attributes.at("failures"), std::to_string(failures));
    EXPECT_EQ(suite.attributes.at("errors"), std::to_string(errors));
    EXPECT_EQ(suite.attributes.at("skipped"), std::to_string(skipped));
  }
  EXPECT_EQ(testcases, 9u);
  EXPECT_EQ(areas, (std::set<std::string>{"framing", "lifecycle", "messages", "rate", "robustness",
                                          "toplevel", "transport"}));

  // The escaped id comes back intact; NON-STRICT passes with a note.
  bool found_hostile = false, found_soft = false;
  for (const xml_node* tc : root.all("testcase")) {
    const std::string& name = tc->attributes.at("name");
    if (name == "robustness/a&b<c>\"q\" [v1]") {
      found_hostile = true;
      const xml_node* failure = tc->child("failure");
      ASSERT_NE(failure, nullptr);
      EXPECT_EQ(failure->attributes.at("type"), "FAIL");
      EXPECT_EQ(failure->attributes.at("message").rfind("got \\x00\\x01", 0), 0u);
      EXPECT_NE(failure->text.find("closed ]]> "), std::string::npos);
      EXPECT_NE(failure->text.find("rerun: run --only 'robustness/a&b'"), std::string::npos);
    }
    if (name == "framing/split-header [v1]") {
      found_soft = true;
      EXPECT_EQ(tc->child("failure"), nullptr);
      ASSERT_NE(tc->child("system-out"), nullptr);
      EXPECT_NE(tc->child("system-out")->text.find("NON-STRICT"), std::string::npos);
    }
    if (name == "lifecycle/room-expires [v1]") {
      ASSERT_NE(tc->child("failure"), nullptr);  // XPASS fails CI
    }
    if (name == "lifecycle/code-reuse-timer [v1]") {
      ASSERT_NE(tc->child("skipped"), nullptr);  // XFAIL does not
      EXPECT_NE(tc->child("skipped")->attributes.at("message").find("upstream L-7 defect"),
                std::string::npos);
    }
    if (name == "rate/limit [v1]") {
      EXPECT_NE(tc->child("error"), nullptr);
    }
  }
  EXPECT_TRUE(found_hostile);
  EXPECT_TRUE(found_soft);

  // The checker itself rejects what it must.
  for (const std::string& bad :
       {std::string("<a><b></a>"), std::string("<a>x]]>y</a>"), std::string("<a x=\"<\"/>"),
        std::string("<a>&bogus;</a>"), std::string("<a>\x01</a>"), std::string("<a>\xff</a>"),
        std::string("<a/><b/>")}) {
    xml_checker bad_checker(bad);
    bad_checker.parse();
    EXPECT_FALSE(bad_checker.error.empty()) << bad;
  }

  if (xmllint_available()) {
    const std::string path = write_file("report.xml", doc);
    EXPECT_EQ(std::system(("xmllint --noout '" + path + "' 2>&1").c_str()), 0) << doc;
  } else {
    std::fprintf(stderr, "xmllint not found: checked with the built-in checker only\n");
  }
}

// The report's exit code is the process's: under --strict a NON-STRICT result
// fails the run, and a CI job reading the JSON must see that too.
TEST(report_test, json_report_exit_code_follows_strict) {
  const std::vector<scenario_result> results = {make_result("a/pass", verdict::pass, {}),
                                                make_result("a/soft", verdict::non_strict, {})};
  run_info info = mixed_info();
  EXPECT_EQ(gday::harness::to_json_report(results, info).at("totals").at("exit_code"), 0);
  info.strict = true;
  EXPECT_EQ(gday::harness::to_json_report(results, info).at("totals").at("exit_code"), 1);
}

TEST(report_test, json_report_round_trips_with_the_documented_fields) {
  auto results = mixed_run();
  scenario_result hostile =
      make_result(std::string("robustness/\xff", 12), verdict::fail, {std::string("F-6\xc0", 4)});
  hostile.reason = hostile_text();
  hostile.server_log = hostile_text();
  hostile.transcript = {sent(1.5, "a\xfe", hostile_bytes(), hostile_text()),
                        event(2, "a", hostile_text())};
  results.push_back(hostile);
  run_info info = mixed_info();
  info.command_line = "gday-conformance \xff";

  const nlohmann::json report = gday::harness::to_json_report(results, info);
  std::string text;
  ASSERT_NO_THROW(text = report.dump());  // strict UTF-8 check at dump time
  ASSERT_NO_THROW(text = report.dump(2));
  const nlohmann::json back = nlohmann::json::parse(text);
  EXPECT_EQ(back, report);

  EXPECT_EQ(back.at("schema_version"), 1);
  EXPECT_EQ(back.at("tool"), "gday-conformance");
  EXPECT_EQ(back.at("target"), "embedded reference server (v1, TLS)");
  EXPECT_EQ(back.at("started_at"), "2024-05-01T12:00:00Z");
  EXPECT_DOUBLE_EQ(back.at("duration_s").get<double>(), 4.25);
  EXPECT_EQ(back.at("command_line"), "gday-conformance \xEF\xBF\xBD");
  EXPECT_EQ(
      back.at("liveness_probe"),
      (nlohmann::json{{"enabled", true}, {"runs", 0}, {"seconds", 0.0}, {"stopped_after", ""}}));

  const nlohmann::json& totals = back.at("totals");
  EXPECT_EQ(totals.at("total"), 8);
  EXPECT_EQ(totals.at("passed"), 1);
  EXPECT_EQ(totals.at("failed"), 2);
  EXPECT_EQ(totals.at("non_strict"), 1);
  EXPECT_EQ(totals.at("skipped"), 1);
  EXPECT_EQ(totals.at("errors"), 1);
  EXPECT_EQ(totals.at("expected_failures"), 1);
  EXPECT_EQ(totals.at("unexpected_passes"), 1);
  EXPECT_EQ(totals.at("exit_code"), 3);

  EXPECT_EQ(
      back.at("requirements").at("M-1"),
      (nlohmann::json{{"PASS", 2}, {"NON-STRICT", 0}, {"FAIL", 0}, {"SKIP", 0}, {"ERROR", 0}}));
  EXPECT_EQ(back.at("requirements").at("L-7").at("FAIL"), 1);

  const nlohmann::json& list = back.at("results");
  ASSERT_EQ(list.size(), 8u);
  const std::set<std::string> result_keys = {
      "id",          "summary",          "requirements",    "grade",           "profile",
      "verdict",     "reason",           "failed_step",     "matched_note",    "non_canonical",
      "duration_ms", "expected_failure", "baseline_reason", "unexpected_pass", "rerun",
      "server_log",  "reply_latency_ms", "transcript",      "liveness"};
  for (const nlohmann::json& r : list) {
    std::set<std::string> keys;
    for (const auto& [key, value] : r.items()) keys.insert(key);
    EXPECT_EQ(keys, result_keys);
    for (const nlohmann::json& e : r.at("transcript")) {
      EXPECT_EQ(e.size(), 6u);
      for (const char* key : {"at_ms", "conn", "kind", "hex", "decoded", "text"}) {
        EXPECT_TRUE(e.contains(key)) << key;
      }
      EXPECT_TRUE(e.at("kind") == "sent" || e.at("kind") == "received" || e.at("kind") == "event");
    }
  }
  const nlohmann::json& fail = list.at(1);
  EXPECT_EQ(fail.at("id"), "messages/ready-to-share");
  EXPECT_EQ(fail.at("verdict"), "FAIL");
  EXPECT_EQ(fail.at("grade"), "MUST");
  EXPECT_EQ(fail.at("profile"), "v1");
  EXPECT_EQ(fail.at("failed_step"), "/steps/3");
  EXPECT_EQ(fail.at("duration_ms"), 57);
  EXPECT_EQ(fail.at("requirements"), (nlohmann::json{"M-3", "M-4"}));
  EXPECT_EQ(fail.at("transcript").at(1).at("kind"), "received");
  EXPECT_EQ(fail.at("transcript").at(1).at("hex"),
            "010015224572726f724e6f53756368526f6f6d436f646522");
  EXPECT_EQ(list.at(2).at("grade"), "SHOULD");
  EXPECT_EQ(list.at(2).at("reply_latency_ms"), (nlohmann::json{0.5, 41.25, 3.0}));
  EXPECT_EQ(list.at(3).at("expected_failure"), true);
  EXPECT_EQ(list.at(3).at("baseline_reason"), "upstream L-7 defect");
  EXPECT_EQ(list.at(5).at("unexpected_pass"), true);

  const nlohmann::json& h = list.at(7);
  EXPECT_EQ(h.at("id"), "robustness/\xEF\xBF\xBD");
  const nlohmann::json& raw = h.at("transcript").at(0);
  EXPECT_EQ(raw.at("hex").get<std::string>().substr(0, 8), "00010203");
  EXPECT_EQ(raw.at("hex").get<std::string>().size(), hostile_bytes().size() * 2);
  EXPECT_EQ(raw.at("conn"), "a\xEF\xBF\xBD");
  // Valid text survives as it was (control characters are JSON's to escape).
  EXPECT_EQ(raw.at("decoded").get<std::string>().substr(0, 9),
            std::string("\x00\x01\x08\x0b\x0c\x1f]]>", 9));
  EXPECT_NE(raw.at("decoded").get<std::string>().find("\x1b[31mred"), std::string::npos);

  // Every key the report uses is documented in docs/report-schema.md.
#ifdef GDAY_TEST_DATA_DIR
  std::ifstream doc_file(std::string(GDAY_TEST_DATA_DIR) + "/../docs/report-schema.md");
  ASSERT_TRUE(doc_file.good()) << "docs/report-schema.md missing";
  const std::string doc((std::istreambuf_iterator<char>(doc_file)), {});
  std::set<std::string> keys;
  for (const auto& [key, value] : back.items()) keys.insert(key);
  for (const auto& [key, value] : back.at("totals").items()) keys.insert(key);
  keys.insert(result_keys.begin(), result_keys.end());
  for (const auto& [key, value] : list.at(1).at("transcript").at(0).items()) keys.insert(key);
  for (const std::string& key : keys) {
    EXPECT_NE(doc.find("`" + key + "`"), std::string::npos) << key << " is not documented";
  }
  EXPECT_NE(doc.find("\"schema_version\": 1"), std::string::npos);
#endif
}

// ---- Markdown summary -------------------------------------------------------------

std::size_t count_of_text(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(report_test, markdown_summary_has_totals_areas_requirements_and_each_failure) {
  const auto results = mixed_run();
  const std::string md = gday::harness::to_markdown_summary(results, mixed_info());
  EXPECT_TRUE(has_line(md, "## gday conformance: **FAILED** (exit 3)")) << "an ERROR: exit 3";
  EXPECT_TRUE(has_line(md, "| 7 | 1 | 1 | 1 | 1 | 1 | 1 | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| area | PASS | NON-STRICT | FAIL | SKIP | ERROR | XFAIL |")) << md;
  EXPECT_TRUE(has_line(md, "| messages | 1 | 0 | 1 | 0 | 0 | 0 |")) << md;
  // An expected failure is in the XFAIL column, not under FAIL: a job that
  // passes shows no FAIL anywhere.
  EXPECT_TRUE(has_line(md, "| lifecycle | 1 | 0 | 0 | 0 | 0 | 1 |")) << md;
  EXPECT_EQ(count_of_text(md, "| L-7 | 0 | 0 | 0 | 0 | 0 | 1 |"), 2u)
      << "listed among the requirements with trouble, and in the folded list: " << md;
  EXPECT_NE(md.find("### Failures (1)"), std::string::npos);
  EXPECT_NE(md.find("#### FAIL `messages/ready-to-share` [v1]"), std::string::npos) << md;
  EXPECT_NE(md.find("**Why:** /steps/3: expected ClientContact"), std::string::npos) << md;
  EXPECT_NE(md.find("Reproduce: `gday-conformance --target 127.0.0.1:2311 --only "
                    "messages/ready-to-share`"),
            std::string::npos);
  EXPECT_NE(md.find("ErrorNoSuchRoomCode"), std::string::npos) << "the transcript is there";
  EXPECT_NE(md.find("### Errors (1)"), std::string::npos);
  EXPECT_NE(md.find("### Unexpected passes"), std::string::npos);
  EXPECT_NE(md.find("### Non-strict"), std::string::npos);
  EXPECT_NE(md.find("- `lifecycle/code-reuse-timer` [v1]: upstream L-7 defect"), std::string::npos);
  EXPECT_EQ(md.find("#### PASS"), std::string::npos) << "passes are only counted";
  EXPECT_EQ(md.find("#### SKIP"), std::string::npos);
  // Every <details> is closed, every fence too.
  EXPECT_EQ(count_of_text(md, "<details>"), count_of_text(md, "</details>"));
  EXPECT_EQ(count_of_text(md, "```") % 2, 0u);
}

TEST(report_test, markdown_summary_escapes_what_the_run_brought_in) {
  auto r = make_result("x/hostile", verdict::fail, {"F-1"});
  r.reason = "a | b <script> ``` `code` " + hostile_text();
  r.transcript = {event(1, "a", "```\n</details> | " + hostile_text())};
  const std::string md = gday::harness::to_markdown_summary({r}, mixed_info());
  EXPECT_NE(md.find("a \\| b \\<script\\>"), std::string::npos) << md;
  EXPECT_EQ(count_of_text(md, "</details>"), 2u) << "only the summary's own";
  EXPECT_EQ(count_of_text(md, "```") % 2, 0u) << "a transcript cannot close the fence";
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
}

TEST(report_test, markdown_summary_says_when_all_passed_or_nothing_was_tested) {
  const std::string ok = gday::harness::to_markdown_summary(
      {make_result("a/b", verdict::pass, {"M-1"})}, mixed_info());
  EXPECT_TRUE(has_line(ok, "## gday conformance: passed (exit 0)")) << ok;
  EXPECT_EQ(ok.find("### Failures"), std::string::npos);
  const std::string none = gday::harness::to_markdown_summary(
      {make_result("a/b", verdict::skip, {"M-1"})}, mixed_info());
  EXPECT_TRUE(has_line(none, "## gday conformance: nothing was tested (exit 2)")) << none;
  const auto json =
      gday::harness::to_json_report({make_result("a/b", verdict::skip, {"M-1"})}, mixed_info());
  EXPECT_EQ(json.at("totals").at("exit_code"), 2) << "the JSON report agrees with the process";
}

TEST(report_test, baseline_load_errors_name_the_file_and_the_problem) {
  using gday::harness::load_baseline;
  const auto error_of = [](const std::string& path) {
    const auto result = load_baseline(path);
    EXPECT_FALSE(result.has_value()) << path;
    return result.has_value() ? std::string() : result.error().message;
  };
  const auto expect_error = [&](const std::string& name, const std::string& content,
                                const std::string& expected) {
    const std::string path = write_file(name, content);
    const std::string message = error_of(path);
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  };

  const std::string missing = (scratch_dir() / "no-such-baseline.json").string();
  EXPECT_EQ(error_of(missing), missing + ": cannot open: No such file or directory");
  EXPECT_NE(error_of(scratch_dir().string()).find("cannot read"), std::string::npos);

  expect_error("empty.json", "", "not JSON");
  expect_error("garbage.json", "{\"expected_failures\": [", "not JSON");
  expect_error("array.json", "[]", "expected an object");
  expect_error("no-list.json", "{}", "missing \"expected_failures\"");
  expect_error("typo-top.json", "{\"expected_failure\": []}", "unknown key");
  expect_error("not-array.json", "{\"expected_failures\": {}}", "expected an array");
  expect_error("no-id.json", "{\"expected_failures\": [{\"reason\": \"r\"}]}",
               "/expected_failures/0: missing \"id\"");
  expect_error("no-reason.json",
               "{\"expected_failures\": [{\"id\": \"a/b\", \"reason\": \"r\"}, {\"id\": \"a/c\"}]}",
               "/expected_failures/1: missing \"reason\"");
  expect_error("empty-reason.json",
               "{\"expected_failures\": [{\"id\": \"a/b\", \"reason\": \"\"}]}",
               "\"reason\" must be a non-empty string");
  expect_error("id-type.json", "{\"expected_failures\": [{\"id\": 7, \"reason\": \"r\"}]}",
               "\"id\" must be a non-empty string");
  expect_error("typo-entry.json",
               "{\"expected_failures\": [{\"id\": \"a/b\", \"profle\": 2, \"reason\": \"r\"}]}",
               "unknown key \"profle\"");
  expect_error(
      "bad-profile.json",
      "{\"expected_failures\": [{\"id\": \"a/b\", \"profile\": \"v9\", \"reason\": \"r\"}]}",
      "\"profile\" must be");
  expect_error("duplicate.json",
               "{\"expected_failures\": [{\"id\": \"a/b\", \"reason\": \"r\"},"
               " {\"id\": \"a/c\", \"reason\": \"r\"}, {\"id\": \"a/b\", \"reason\": \"again\"}]}",
               "/expected_failures/2: duplicate entry for \"a/b\" (first at /expected_failures/0)");
  expect_error("duplicate-profile.json",
               "{\"expected_failures\": [{\"id\": \"a/b\", \"profile\": \"v2\", \"reason\": \"r\"},"
               " {\"id\": \"a/b\", \"profile\": 2, \"reason\": \"r\"}]}",
               "duplicate entry for \"a/b [v2]\"");
}

TEST(report_test, baseline_marks_expected_failures_and_unexpected_passes) {
  const std::string path = write_file("good.json", R"({
    "comment": "known upstream defects",
    "expected_failures": [
      {"id": "lifecycle/code-reuse-timer", "reason": "upstream L-7 defect"},
      {"id": "messages/only-v2", "profile": "v2", "reason": "v2 encoder bug"},
      {"id": "messages/per-profile", "reason": "everywhere"},
      {"id": "messages/per-profile", "profile": 3, "reason": "v3 specific"},
      {"id": "messages/fixed", "reason": "fixed upstream since"},
      {"id": "messages/soft", "reason": "SHOULD not met"},
      {"id": "messages/skipped", "reason": "r"},
      {"id": "messages/broken", "reason": "r"}
    ]})");
  const auto loaded = gday::harness::load_baseline(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  const gday::harness::baseline& b = *loaded;
  EXPECT_EQ(b.expected.size(), 8u);
  ASSERT_NE(b.find("messages/per-profile", profile::v3), nullptr);
  EXPECT_EQ(*b.find("messages/per-profile", profile::v3), "v3 specific");
  EXPECT_EQ(*b.find("messages/per-profile", profile::v1), "everywhere");
  EXPECT_EQ(b.find("messages/only-v2", profile::v1), nullptr);
  EXPECT_EQ(b.find("messages/unlisted", profile::v1), nullptr);

  std::vector<scenario_result> results = {
      make_result("lifecycle/code-reuse-timer", verdict::fail, {"L-7"}),  // 0: XFAIL
      make_result("messages/only-v2", verdict::fail, {}),                 // 1: v1, not listed
      make_result("messages/only-v2", verdict::fail, {}),                 // 2: v2, XFAIL
      make_result("messages/fixed", verdict::pass, {}),                   // 3: XPASS
      make_result("messages/soft", verdict::non_strict, {}),              // 4: XFAIL
      make_result("messages/skipped", verdict::skip, {}),                 // 5: unchanged
      make_result("messages/broken", verdict::error, {}),                 // 6: unchanged
      make_result("messages/unlisted", verdict::fail, {}),                // 7: unchanged
  };
  results[2].profile = profile::v2;
  gday::harness::apply_baseline(results, b);

  EXPECT_TRUE(results[0].expected_failure);
  EXPECT_EQ(results[0].baseline_reason, "upstream L-7 defect");
  EXPECT_FALSE(results[1].expected_failure);
  EXPECT_TRUE(results[2].expected_failure);
  EXPECT_EQ(results[2].baseline_reason, "v2 encoder bug");
  EXPECT_TRUE(results[3].unexpected_pass);
  EXPECT_FALSE(results[3].expected_failure);
  EXPECT_EQ(results[3].baseline_reason, "fixed upstream since");
  EXPECT_TRUE(results[4].expected_failure);
  for (const std::size_t i : {5u, 6u, 7u}) {
    EXPECT_FALSE(results[i].expected_failure) << i;
    EXPECT_FALSE(results[i].unexpected_pass) << i;
    EXPECT_TRUE(results[i].baseline_reason.empty()) << i;
  }
  for (const std::size_t i : {0u, 2u, 4u}) EXPECT_FALSE(results[i].unexpected_pass) << i;

  const auto t = gday::harness::tally(results);
  EXPECT_EQ(t.expected_failures, 3u);
  EXPECT_EQ(t.unexpected_passes, 1u);
  EXPECT_EQ(t.failed, 2u);
  EXPECT_EQ(gday::harness::exit_code(t, false), 3);  // the ERROR stays an error
}

}  // namespace
