#include "report_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gday/base/hex.hpp"
#include "gday/base/utf8.hpp"

namespace gday::harness::detail {
namespace {

constexpr std::string_view replacement_char = "\xEF\xBF\xBD";  // U+FFFD

// The two hex digits of a code point below U+0100 (a control character).
std::string hex_of(char32_t c) { return base::encode_hex(std::string(1, static_cast<char>(c))); }

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

}  // namespace

std::string clean(std::string_view s, text_mode mode) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = base::decode_utf8(s, i);
    if (!cp) {
      out += replacement_char;
      i += 1;
      continue;
    }
    const char32_t c = cp->code_point;
    if (mode != text_mode::utf8) {
      if (mode == text_mode::line && c == '\n') {
        out += "\\n";
      } else if (mode == text_mode::line && c == '\t') {
        out += "\\t";
      } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
        out += "\\x" + hex_of(c);
      } else if (c >= 0x80 && c <= 0x9f) {  // C1 controls: terminals may act on them
        out += "\\u00" + hex_of(c);
      } else if (c == 0xfffe || c == 0xffff) {  // not XML 1.0 characters
        out += replacement_char;
      } else {
        out.append(s.substr(i, cp->length));
      }
    } else {
      out.append(s.substr(i, cp->length));
    }
    i += cp->length;
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

std::string hex(std::string_view bytes) { return base::encode_hex(bytes); }

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

std::string escape_markup(std::string_view clean_text, bool attribute) {
  std::string out;
  out.reserve(clean_text.size() + 16);
  for (const char c : clean_text) {
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
        out += "&#39;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        out += c;
    }
  }
  return out;
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

std::string why_line(const scenario_result& r, shown s) {
  if (s == shown::xpass) return "listed in the baseline as an expected failure, but passed";
  if (r.reason.empty()) return s == shown::pass ? std::string() : "(no reason given)";
  return r.reason;
}

std::string details(const scenario_result& r, shown s, bool with_transcript) {
  std::string out;
  const std::string why = why_line(r, s);
  if (!why.empty()) out += "reason: " + block_text(why) + "\n";
  if (!r.matched_note.empty()) out += "matched: " + line_text(r.matched_note) + "\n";
  if (r.expected_failure || r.unexpected_pass) {
    out += "baseline: " + line_text(r.baseline_reason) + "\n";
  }
  if (const std::string note = slow_reply_note(r); !note.empty()) out += "note: " + note + "\n";
  if (r.liveness.ran && !r.liveness.passed) {
    out += "liveness probe: failed: " + line_text(r.liveness.reason) + "\n";
  }
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

std::size_t count_of(const std::map<verdict, std::size_t>& counts, verdict v) {
  const auto it = counts.find(v);
  return it == counts.end() ? 0 : it->second;
}

std::string area_of(std::string_view id) { return std::string(id.substr(0, id.find('/'))); }

}  // namespace gday::harness::detail
