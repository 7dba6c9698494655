#include "gday/harness/report.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "report_support.hpp"

namespace gday::harness {

using detail::classify;
using detail::format_double;
using detail::hex;
using detail::line_text;
using detail::pad_left;
using detail::pad_right;
using detail::shorten;
using detail::shown;

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
    // Byte differences alone (spec J-9) are NON-STRICT for the IDs they broke;
    // what the scenario checks otherwise passed.
    const bool only_bytes = r.outcome == verdict::non_strict && !r.non_canonical.empty() &&
                            r.failed_step.empty() && r.matched_note.empty();
    for (const std::string& id : ids) {
      const bool broke =
          std::find(r.non_canonical.begin(), r.non_canonical.end(), id) != r.non_canonical.end();
      const verdict counted = only_bytes && !broke ? verdict::pass : r.outcome;
      ++totals.by_requirement[id][counted];
      if (r.expected_failure && counted != verdict::pass) ++totals.expected_by_requirement[id];
    }
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
  // Nothing tested (no result, or every one skipped) is not a pass.
  if (totals.passed + totals.non_strict + totals.expected_failures == 0) return 2;
  return 0;
}

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

}  // namespace gday::harness
