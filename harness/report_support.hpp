#pragma once
// Private to gday::harness: what the reporters (console, JUnit, JSON) share.
// Text hygiene: transcripts, server logs and even scenario ids may hold any
// bytes; every reporter passes text through `clean` first, so the console
// never receives terminal escapes, XML never receives characters XML 1.0
// forbids, and JSON strings are always valid UTF-8 (nlohmann's dump() throws
// on invalid UTF-8 by default). And what a result means for the run,
// baseline included (`shown`).

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "gday/harness/report.hpp"

namespace gday::harness::detail {

enum class text_mode {
  utf8,   ///< invalid UTF-8 -> U+FFFD; everything else kept (JSON escapes the rest)
  block,  ///< also: control characters shown as \xNN, except tab and line feed
  line,   ///< also: tab and line feed shown as \t and \n (one line of output)
};

/// `s` as valid UTF-8 (U+FFFD for invalid bytes), with control characters
/// escaped as `mode` says.
std::string clean(std::string_view s, text_mode mode);
std::string line_text(std::string_view s);   ///< clean(s, text_mode::line)
std::string block_text(std::string_view s);  ///< clean(s, text_mode::block)
std::string json_text(std::string_view s);   ///< clean(s, text_mode::utf8)

/// Cuts clean UTF-8 text to at most `limit` bytes on a code point boundary,
/// saying how long it was.
std::string shorten(std::string text, std::size_t limit, std::size_t original_size);

/// Lowercase hex of every byte.
std::string hex(std::string_view bytes);

/// snprintf of one double ("?" if it fails).
std::string format_double(const char* format, double value);

/// A scenario id's area: what comes before its first '/' (the whole id if none).
std::string area_of(std::string_view id);

std::string pad_right(std::string s, std::size_t width);  ///< spaces after, up to `width`
std::string pad_left(std::string s, std::size_t width);   ///< spaces before, up to `width`

/// Every line of `text` with `prefix` in front and a line feed after.
std::string indent_lines(std::string_view text, std::string_view prefix);

/// Clean text with & < > " ' as character references, for XML and HTML
/// text and quoted attribute values; with `attribute`, line feeds and tabs
/// too (an attribute value keeps them only so).
std::string escape_markup(std::string_view clean_text, bool attribute = false);

/// A result as reporters show it: its verdict, or XFAIL / XPASS.
enum class shown { pass, non_strict, fail, skip, error, xfail, xpass };

/// What `r` shows as, baseline included.
shown classify(const scenario_result& r);

/// "PASS", "NON-STRICT", "FAIL", "SKIP", "ERROR", "XFAIL", "XPASS".
std::string_view label(shown s);

/// Why `r` is not a pass, in one sentence (empty for a pass without reason).
std::string why_line(const scenario_result& r, shown s);

/// The details of a result as text: reason, notes, transcript, rerun, log.
/// Shared by the console (indented) and JUnit (element text).
std::string details(const scenario_result& r, shown s, bool with_transcript);

/// Whether the console shows the transcript of a result shown as `s`.
bool shows_transcript(shown s);

/// The verdicts in report order.
inline constexpr verdict all_verdicts[] = {verdict::pass, verdict::non_strict, verdict::fail,
                                           verdict::skip, verdict::error};

/// counts[v], 0 when absent.
std::size_t count_of(const std::map<verdict, std::size_t>& counts, verdict v);

}  // namespace gday::harness::detail
