#include "gday/harness/report.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>
#include <string_view>
#include <utility>

namespace gday::harness {

namespace {

// ---------------------------------------------------------------------------
// Text hygiene. Transcripts, server logs and even scenario ids may hold any
// bytes; every reporter passes text through `clean` first, so the console
// never receives terminal escapes, XML never receives characters XML 1.0
// forbids, and JSON strings are always valid UTF-8 (nlohmann's dump() throws
// on invalid UTF-8 by default).

enum class text_mode {
  utf8,   ///< invalid UTF-8 -> U+FFFD; everything else kept (JSON escapes the rest)
  block,  ///< also: control characters shown as \xNN, except tab and line feed
  line,   ///< also: tab and line feed shown as \t and \n (one line of output)
};

constexpr std::string_view replacement_char = "\xEF\xBF\xBD";  // U+FFFD

struct code_point {
  char32_t value = 0;
  std::size_t length = 1;
  bool valid = false;
};

// One code point at `i` (strict UTF-8: no overlongs, surrogates or values past
// U+10FFFF). An invalid sequence consumes one byte.
code_point next_code_point(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {lead, 1, true};
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    value = static_cast<char32_t>(lead & 0x1fu);
    minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    value = static_cast<char32_t>(lead & 0x0fu);
    minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    value = static_cast<char32_t>(lead & 0x07u);
    minimum = 0x10000;
  } else {
    return {};
  }
  if (s.size() - i < length) return {};
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xc0u) != 0x80u) return {};
    value = (value << 6) | static_cast<char32_t>(next & 0x3fu);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return {};
  return {value, length, true};
}

void append_hex_byte(std::string& out, unsigned value) {
  constexpr std::string_view digits = "0123456789abcdef";
  out.push_back(digits[(value >> 4) & 0xfu]);
  out.push_back(digits[value & 0xfu]);
}

std::string clean(std::string_view s, text_mode mode) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const code_point cp = next_code_point(s, i);
    if (!cp.valid) {
      out += replacement_char;
      i += 1;
      continue;
    }
    const char32_t c = cp.value;
    if (mode != text_mode::utf8) {
      if (mode == text_mode::line && c == '\n') {
        out += "\\n";
      } else if (mode == text_mode::line && c == '\t') {
        out += "\\t";
      } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
        out += "\\x";
        append_hex_byte(out, static_cast<unsigned>(c));
      } else if (c >= 0x80 && c <= 0x9f) {  // C1 controls: terminals may act on them
        out += "\\u00";
        append_hex_byte(out, static_cast<unsigned>(c));
      } else if (c == 0xfffe || c == 0xffff) {  // not XML 1.0 characters
        out += replacement_char;
      } else {
        out.append(s.substr(i, cp.length));
      }
    } else {
      out.append(s.substr(i, cp.length));
    }
    i += cp.length;
  }
  return out;
}

std::string line_text(std::string_view s) { return clean(s, text_mode::line); }
std::string block_text(std::string_view s) { return clean(s, text_mode::block); }
std::string json_text(std::string_view s) { return clean(s, text_mode::utf8); }

// Cuts clean UTF-8 text to at most `limit` bytes on a code point boundary,
// saying how long it was.
std::string shorten(std::string text, std::size_t limit, std::size_t original_size) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0u) == 0x80u) --cut;
  text.resize(cut);
  text += " \xE2\x80\xA6 (" + std::to_string(original_size) + " bytes)";  // U+2026
  return text;
}

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char b : bytes) append_hex_byte(out, static_cast<unsigned char>(b));
  return out;
}

std::string format_double(const char* format, double value) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, format, value);
  if (n < 0) return "?";
  return std::string(buffer, std::min(static_cast<std::size_t>(n), sizeof buffer - 1));
}

std::string pad_right(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string pad_left(std::string s, std::size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

std::string indent_lines(std::string_view text, std::string_view prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += prefix;
    out.append(text.substr(start, end - start));
    out += '\n';
    start = end + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// What a result means for the run, baseline included.

enum class shown { pass, non_strict, fail, skip, error, xfail, xpass };

shown classify(const scenario_result& r) {
  switch (r.outcome) {
    case verdict::pass:
      return r.unexpected_pass ? shown::xpass : shown::pass;
    case verdict::non_strict:
      return r.expected_failure ? shown::xfail : shown::non_strict;
    case verdict::fail:
      return r.expected_failure ? shown::xfail : shown::fail;
    case verdict::skip:
      return shown::skip;
    case verdict::error:
      return shown::error;
  }
  return shown::error;
}

std::string_view label(shown s) {
  switch (s) {
    case shown::pass:
      return "PASS";
    case shown::non_strict:
      return "NON-STRICT";
    case shown::fail:
      return "FAIL";
    case shown::skip:
      return "SKIP";
    case shown::error:
      return "ERROR";
    case shown::xfail:
      return "XFAIL";
    case shown::xpass:
      return "XPASS";
  }
  return "?";
}

std::string_view ansi_colour(shown s) {
  switch (s) {
    case shown::pass:
      return "\x1b[32m";
    case shown::non_strict:
    case shown::xfail:
      return "\x1b[33m";
    case shown::fail:
    case shown::error:
    case shown::xpass:
      return "\x1b[31m";
    case shown::skip:
      return "\x1b[90m";
  }
  return "";
}

constexpr std::string_view ansi_reset = "\x1b[0m";
constexpr double slow_reply_ms = 30.0;  // spec T-6: a Nagle/delayed-ACK stall is ~40 ms

// "slow replies: max 41.2 ms (...)" when any reply took 30 ms or more.
std::string slow_reply_note(const scenario_result& r) {
  double worst = -1;
  for (const double ms : r.reply_latency_ms) {
    if (std::isfinite(ms)) worst = std::max(worst, ms);
  }
  if (worst < slow_reply_ms) return {};
  return "slow replies: max " + format_double("%.1f", worst) +
         " ms (spec T-6: header and body in separate writes?)";
}

std::string why_line(const scenario_result& r, shown s) {
  if (s == shown::xpass) return "listed in the baseline as an expected failure, but passed";
  if (r.reason.empty()) return s == shown::pass ? std::string() : "(no reason given)";
  return r.reason;
}

// Keeps the end of a long server log: the lines nearest the failure.
std::string log_excerpt(std::string_view log) {
  constexpr std::size_t max_lines = 40;
  std::string text = block_text(log);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::size_t lines =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  if (lines <= max_lines) return text;
  std::size_t pos = text.size();
  for (std::size_t kept = 0; kept < max_lines; ++kept) pos = text.rfind('\n', pos - 1);
  return "\xE2\x80\xA6 (" + std::to_string(lines - max_lines) + " earlier lines)" +
         text.substr(pos);
}

// The details of a result as text: reason, notes, transcript, rerun, log.
// Shared by the console (indented) and JUnit (element text).
std::string details(const scenario_result& r, shown s, bool with_transcript) {
  std::string out;
  const std::string why = why_line(r, s);
  if (!why.empty()) out += "reason: " + block_text(why) + "\n";
  if (!r.matched_note.empty()) out += "matched: " + line_text(r.matched_note) + "\n";
  if (r.expected_failure || r.unexpected_pass) {
    out += "baseline: " + line_text(r.baseline_reason) + "\n";
  }
  if (const std::string note = slow_reply_note(r); !note.empty()) out += "note: " + note + "\n";
  if (with_transcript && !r.transcript.empty()) {
    out += "transcript:\n" + format_transcript(r.transcript);
  }
  const bool failing =
      s == shown::fail || s == shown::error || s == shown::non_strict || s == shown::xpass;
  if (failing && !r.rerun.empty()) out += "rerun: " + line_text(r.rerun) + "\n";
  if (failing && !r.server_log.empty()) {
    out += "server log:\n" + indent_lines(log_excerpt(r.server_log), "  ");
  }
  return out;
}

bool shows_transcript(shown s) {
  return s == shown::fail || s == shown::error || s == shown::non_strict || s == shown::xpass;
}

// Requirement IDs in natural order: "F-2" before "F-10".
bool requirement_less(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = a[i] >= '0' && a[i] <= '9';
    const bool db = b[j] >= '0' && b[j] <= '9';
    if (da && db) {
      std::size_t ie = i;
      std::size_t je = j;
      while (ie < a.size() && a[ie] >= '0' && a[ie] <= '9') ++ie;
      while (je < b.size() && b[je] >= '0' && b[je] <= '9') ++je;
      std::string_view na(a.data() + i, ie - i);
      std::string_view nb(b.data() + j, je - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;
}

constexpr verdict all_verdicts[] = {verdict::pass, verdict::non_strict, verdict::fail,
                                    verdict::skip, verdict::error};

std::size_t count_of(const std::map<verdict, std::size_t>& counts, verdict v) {
  const auto it = counts.find(v);
  return it == counts.end() ? 0 : it->second;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

void write(std::FILE* out, const std::string& text) {
  if (out == nullptr || text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

// ---------------------------------------------------------------------------
// XML

// Escapes text for XML 1.0 element content or attribute values. The input
// is cleaned first (valid UTF-8, no forbidden characters).
std::string xml(std::string_view s, bool attribute = false) {
  const std::string text = block_text(s);
  std::string out;
  out.reserve(text.size() + 16);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string area_of(const std::string& id) {
  const std::string area = id.substr(0, id.find('/'));
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
  const std::string area = area_of(r.id);
  std::string out = "    <testcase name=\"" +
                    xml(r.id + " [" + std::string(wire::to_string(r.profile)) + "]", true) +
                    "\" classname=\"" + xml("gday." + area, true) + "\" time=\"" +
                    seconds(r.duration) + "\"";
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

// ---------------------------------------------------------------------------

std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::pass:
      return "PASS";
    case verdict::non_strict:
      return "NON-STRICT";
    case verdict::fail:
      return "FAIL";
    case verdict::skip:
      return "SKIP";
    case verdict::error:
      return "ERROR";
  }
  return "ERROR";
}

std::string_view to_string(grade g) noexcept {
  switch (g) {
    case grade::must:
      return "MUST";
    case grade::should:
      return "SHOULD";
    case grade::may:
      return "MAY";
  }
  return "MUST";
}

run_totals tally(const std::vector<scenario_result>& results) {
  run_totals totals;
  for (const scenario_result& r : results) {
    switch (classify(r)) {
      case shown::pass:
        ++totals.passed;
        break;
      case shown::non_strict:
        ++totals.non_strict;
        break;
      case shown::fail:
        ++totals.failed;
        break;
      case shown::skip:
        ++totals.skipped;
        break;
      case shown::error:
        ++totals.errors;
        break;
      case shown::xfail:
        ++totals.expected_failures;
        break;
      case shown::xpass:
        ++totals.unexpected_passes;
        break;
    }
    // A result listing an ID twice still counts once for it.
    const std::set<std::string> ids(r.requirements.begin(), r.requirements.end());
    for (const std::string& id : ids) ++totals.by_requirement[id][r.outcome];
  }
  return totals;
}

bool fails_run(const scenario_result& r, bool strict) {
  switch (classify(r)) {
    case shown::fail:
    case shown::error:
    case shown::xpass:
      return true;
    case shown::non_strict:
      return strict;
    case shown::pass:
    case shown::skip:
    case shown::xfail:
      return false;
  }
  return true;
}

int exit_code(const run_totals& totals, bool strict) {
  if (totals.errors > 0) return 3;
  if (totals.failed > 0 || totals.unexpected_passes > 0) return 1;
  if (strict && totals.non_strict > 0) return 1;
  return 0;
}

// ---------------------------------------------------------------------------
// Console

console_reporter::console_reporter(std::FILE* out, bool colour, bool verbose, std::size_t total)
    : out_(out), colour_(colour), verbose_(verbose), total_(total) {}

void console_reporter::on_result(const scenario_result& r) {
  ++done_;
  const shown s = classify(r);
  const std::size_t width = std::to_string(std::max(total_, done_)).size();
  std::string out =
      "[" + pad_left(std::to_string(done_), width) + "/" + std::to_string(total_) + "] ";
  const std::string_view name = label(s);
  if (colour_) out += ansi_colour(s);
  out += name;
  if (colour_) out += ansi_reset;
  out.append(name.size() < 12 ? 12 - name.size() : 1, ' ');
  out += std::string(wire::to_string(r.profile)) + "  " + line_text(r.id) + "  (" +
         std::to_string(r.duration.count()) + " ms)\n";
  out += indent_lines(details(r, s, verbose_ || shows_transcript(s)), "    ");
  write(out_, out);
}

void console_reporter::on_finish(const std::vector<scenario_result>& results,
                                 const run_info& info) {
  const run_totals t = tally(results);
  std::string out = "\n";
  // CI log parsers read this line; keep its form.
  out += std::to_string(t.passed) + " passed, " +
         std::to_string(t.failed + t.errors + t.unexpected_passes) + " failed, " +
         std::to_string(t.skipped) + " skipped\n";
  out += plural(t.non_strict, "non-strict", "non-strict") + ", " +
         plural(t.expected_failures, "expected failure", "expected failures") + " (XFAIL), " +
         plural(t.unexpected_passes, "unexpected pass", "unexpected passes") + " (XPASS), " +
         plural(t.failed, "MUST failure", "MUST failures") + ", " +
         plural(t.errors, "error", "errors") + "\n";

  if (!t.by_requirement.empty()) {
    std::vector<std::pair<std::string, const std::map<verdict, std::size_t>*>> rows;
    std::size_t id_width = std::string_view("requirement").size();
    for (const auto& [id, counts] : t.by_requirement) {
      rows.emplace_back(line_text(id), &counts);
      id_width = std::max(id_width, rows.back().first.size());
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return requirement_less(a.first, b.first);
    });
    out += "\n" + pad_right("requirement", id_width);
    for (const verdict v : all_verdicts) out += "  " + std::string(to_string(v));
    out += "\n";
    for (const auto& [id, counts] : rows) {
      out += pad_right(id, id_width);
      for (const verdict v : all_verdicts) {
        out += "  " + pad_left(std::to_string(count_of(*counts, v)), to_string(v).size());
      }
      out += "\n";
    }
  }

  out += "\ntarget: " + line_text(info.target) + "\n";
  out += "duration: " + format_double("%.1f", info.duration_s) + " s";
  if (!info.started_at.empty()) out += " (started " + line_text(info.started_at) + ")";
  out += "\n";
  write(out_, out);
}

// ---------------------------------------------------------------------------
// Transcripts

std::string format_transcript(const std::vector<transcript_entry>& transcript) {
  constexpr std::size_t max_hex_bytes = 64;
  constexpr std::size_t max_decoded_bytes = 240;
  std::vector<std::string> stamps;
  std::vector<std::string> conns;
  std::size_t stamp_width = 0;
  std::size_t conn_width = 1;
  for (const transcript_entry& e : transcript) {
    stamps.push_back(format_double("+%.1fms", e.at_ms));
    conns.push_back(line_text(e.conn));
    stamp_width = std::max(stamp_width, stamps.back().size());
    conn_width = std::max(conn_width, conns.back().size());
  }
  std::string out;
  for (std::size_t i = 0; i < transcript.size(); ++i) {
    const transcript_entry& e = transcript[i];
    out += "  " + pad_left(stamps[i], stamp_width) + " " + pad_right(conns[i], conn_width) + " ";
    if (e.what == transcript_entry::kind::event) {
      out += " * " + line_text(e.text);
    } else {
      out += e.what == transcript_entry::kind::sent ? "-> " : "<- ";
      const std::string_view bytes = e.bytes;
      if (bytes.empty()) {
        out += "(no bytes)";
      } else {
        const std::string_view shown_bytes = bytes.substr(0, max_hex_bytes);
        out += hex(shown_bytes.substr(0, 3));
        if (shown_bytes.size() > 3) out += " " + hex(shown_bytes.substr(3));
        if (bytes.size() > max_hex_bytes) {
          out += " \xE2\x80\xA6 (" + std::to_string(bytes.size()) + " bytes)";
        }
      }
      if (!e.decoded.empty()) {
        out += "  " + shorten(line_text(e.decoded), max_decoded_bytes, e.decoded.size());
      }
    }
    out += "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------
// JUnit

std::string to_junit_xml(const std::vector<scenario_result>& results, const run_info& info) {
  std::map<std::string, std::vector<const scenario_result*>> areas;
  junit_counts all;
  for (const scenario_result& r : results) {
    areas[area_of(r.id)].push_back(&r);
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

// ---------------------------------------------------------------------------
// JSON

nlohmann::json to_json_report(const std::vector<scenario_result>& results, const run_info& info) {
  const run_totals t = tally(results);
  nlohmann::json report = nlohmann::json::object();
  report["schema_version"] = 1;
  report["tool"] = "gday-conformance";
  report["target"] = json_text(info.target);
  report["command_line"] = json_text(info.command_line);
  report["started_at"] = json_text(info.started_at);
  report["duration_s"] = info.duration_s;
  report["totals"] = {{"total", results.size()},
                      {"passed", t.passed},
                      {"non_strict", t.non_strict},
                      {"failed", t.failed},
                      {"skipped", t.skipped},
                      {"errors", t.errors},
                      {"expected_failures", t.expected_failures},
                      {"unexpected_passes", t.unexpected_passes},
                      {"exit_code", exit_code(t)}};

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

// ---------------------------------------------------------------------------
// Baseline

const std::string* baseline::find(const std::string& id, wire::profile p) const {
  if (const auto it = expected.find(id + " [" + std::string(wire::to_string(p)) + "]");
      it != expected.end()) {
    return &it->second;
  }
  if (const auto it = expected.find(id); it != expected.end()) return &it->second;
  return nullptr;
}

result<baseline> load_baseline(const std::string& path) {
  auto bad = [](std::string why) { return failure{error::usage, std::move(why)}; };
  const std::string where = path + ": ";
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return bad(where + "cannot open: " + std::strerror(errno));
  std::string text;
  char buffer[16384];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  const bool read_failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (read_failed) return bad(where + "cannot read: " + std::strerror(read_errno));

  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string message = e.what();
    if (const auto end = message.find("] ");
        message.rfind("[json.exception", 0) == 0 && end != std::string::npos) {
      message.erase(0, end + 2);
    }
    return bad(where + "not JSON: " + message);
  }
  if (!doc.is_object()) return bad(where + "expected an object {\"expected_failures\": [...]}");
  for (const auto& [key, value] : doc.items()) {
    if (key != "expected_failures" && key != "comment") {
      return bad(where + "/" + key + ": unknown key (expected \"expected_failures\")");
    }
  }
  const auto list = doc.find("expected_failures");
  if (list == doc.end()) return bad(where + "missing \"expected_failures\"");
  if (!list->is_array()) return bad(where + "/expected_failures: expected an array");

  baseline b;
  std::map<std::string, std::string> first_seen;  // key -> pointer of its entry
  for (std::size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& entry = (*list)[i];
    const std::string at = where + "/expected_failures/" + std::to_string(i) + ": ";
    if (!entry.is_object()) return bad(at + "expected an object {\"id\", \"reason\"}");
    for (const auto& [key, value] : entry.items()) {
      if (key != "id" && key != "reason" && key != "profile" && key != "comment") {
        return bad(at + "unknown key \"" + key + "\" (expected id, reason, profile)");
      }
    }
    const auto id = entry.find("id");
    if (id == entry.end()) return bad(at + "missing \"id\"");
    if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
      return bad(at + "\"id\" must be a non-empty string");
    }
    const auto reason = entry.find("reason");
    if (reason == entry.end()) return bad(at + "missing \"reason\"");
    if (!reason->is_string() || reason->get_ref<const std::string&>().empty()) {
      return bad(at + "\"reason\" must be a non-empty string");
    }
    std::string key = id->get<std::string>();
    if (const auto p = entry.find("profile"); p != entry.end()) {
      std::optional<wire::profile> profile;
      if (p->is_string()) {
        profile = wire::parse_profile(p->get_ref<const std::string&>());
      } else if (p->is_number_integer()) {
        const auto number = p->get<std::int64_t>();
        if (number >= 1 && number <= 3) profile = static_cast<wire::profile>(number);
      }
      if (!profile) return bad(at + "\"profile\" must be \"v1\", \"v2\", \"v3\" (or 1, 2, 3)");
      key += " [" + std::string(wire::to_string(*profile)) + "]";
    }
    const std::string pointer = "/expected_failures/" + std::to_string(i);
    if (const auto [it, inserted] = first_seen.emplace(key, pointer); !inserted) {
      return bad(at + "duplicate entry for \"" + key + "\" (first at " + it->second + ")");
    }
    b.expected.emplace(std::move(key), reason->get<std::string>());
  }
  return b;
}

void apply_baseline(scenario_result& r, const baseline& b) {
  const std::string* reason = b.find(r.id, r.profile);
  if (reason == nullptr) return;
  switch (r.outcome) {
    case verdict::fail:
    case verdict::non_strict:
      r.expected_failure = true;
      r.baseline_reason = *reason;
      break;
    case verdict::pass:
      r.unexpected_pass = true;
      r.baseline_reason = *reason;
      break;
    case verdict::skip:
    case verdict::error:
      break;
  }
}

void apply_baseline(std::vector<scenario_result>& results, const baseline& b) {
  for (scenario_result& r : results) apply_baseline(r, b);
}

}  // namespace gday::harness
