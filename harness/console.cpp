#include "gday/harness/report.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>

#include "report_support.hpp"

namespace gday::harness {
namespace {

using namespace detail;

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

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

void write(std::FILE* out, const std::string& text) {
  if (out == nullptr || text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

}  // namespace

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
  if (info.liveness_probe) {
    out += "liveness probe: " + std::to_string(info.probes) + " after scenarios, " +
           format_double("%.1f", info.probe_s) +
           " s in all (beside other scenarios; --no-liveness-probe skips it)\n";
  }
  if (!info.stopped_after.empty()) {
    out += "the run stopped: the server stopped serving after " + line_text(info.stopped_after) +
           ", and a running --target cannot be restarted\n";
  }
  write(out_, out);
}

}  // namespace gday::harness
