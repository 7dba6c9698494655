#include "gday/harness/report.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "report_support.hpp"

namespace gday::harness {
namespace {

using detail::area_of;
using detail::block_text;
using detail::classify;
using detail::format_double;
using detail::hex;
using detail::label;
using detail::line_text;
using detail::shorten;
using detail::shown;

// Limits that keep a report of a large run loadable; the JSON report has it all.
constexpr std::size_t max_transcript_rows = 200;
constexpr std::size_t max_hex_bytes = 256;
constexpr std::size_t max_text_bytes = 4000;
constexpr std::size_t max_log_bytes = 16000;

// Totals and filters in this order.
constexpr shown report_order[] = {shown::pass,  shown::non_strict, shown::fail, shown::skip,
                                  shown::error, shown::xfail,      shown::xpass};

// Higher is worse: a matrix cell shows its worst result, the list starts with them.
int severity(shown s) {
  switch (s) {
    case shown::skip:
      return 0;
    case shown::pass:
      return 1;
    case shown::xfail:
      return 2;
    case shown::non_strict:
      return 3;
    case shown::xpass:
      return 4;
    case shown::fail:
      return 5;
    case shown::error:
      return 6;
  }
  return 6;
}

// Clean text made safe for HTML text and quoted attribute values.
std::string escape(std::string_view clean_text) { return detail::escape_markup(clean_text); }

// Text from the run as one line of HTML.
std::string line(std::string_view s) {
  return escape(shorten(line_text(s), max_text_bytes, s.size()));
}

// Text from the run as a block (line feeds kept), cut at `limit` bytes.
std::string block(std::string_view s, std::size_t limit = max_text_bytes) {
  return escape(shorten(block_text(s), limit, s.size()));
}

// A server log keeps its end: the lines nearest the failure.
std::string log_tail(std::string_view log) {
  if (log.size() <= max_log_bytes) return block(log, max_log_bytes);
  std::size_t start = log.size() - max_log_bytes;
  while (start < log.size() && (static_cast<unsigned char>(log[start]) & 0xc0u) == 0x80u) ++start;
  return escape("\xE2\x80\xA6 (" + std::to_string(start) + " earlier bytes cut)\n" +
                block_text(log.substr(start)));
}

// A value inside the URL fragment (#req=...): percent-encoded.
std::string fragment_value(std::string_view s) {
  constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

// "v-non-strict": the CSS class that colours a verdict.
std::string colour(shown s) {
  std::string out = "v-";
  for (const char c : label(s)) out += c == '-' ? '-' : static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string profile_name(wire::profile p) { return std::string(wire::to_string(p)); }

std::string duration_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::string number_of(const std::map<shown, std::size_t>& counts, shown s) {
  const auto it = counts.find(s);
  return std::to_string(it == counts.end() ? 0 : it->second);
}

constexpr std::string_view style = R"css(
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--non-strict:#9a6700;--non-strict-bg:#fff8c5;
--fail:#cf222e;--fail-bg:#ffebe9;--skip:#6e7781;--skip-bg:#eaeef2;--error:#8250df;
--error-bg:#fbefff;--xfail:#0969da;--xfail-bg:#ddf4ff;--xpass:#bc4c00;--xpass-bg:#fff1e5;
--line:#d1d9e0;--muted:#59636e}
.v-pass{--c:var(--pass);--bg:var(--pass-bg)}.v-non-strict{--c:var(--non-strict);--bg:var(--non-strict-bg)}
.v-fail{--c:var(--fail);--bg:var(--fail-bg)}.v-skip{--c:var(--skip);--bg:var(--skip-bg)}
.v-error{--c:var(--error);--bg:var(--error-bg)}.v-xfail{--c:var(--xfail);--bg:var(--xfail-bg)}
.v-xpass{--c:var(--xpass);--bg:var(--xpass-bg)}
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:#1f2328;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 24px 40px}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;
font-size:12px}
h1{font-size:24px;margin:0 0 10px}h2{font-size:17px;margin:26px 0 10px}
h4{margin:14px 0 6px;font-size:13px;color:var(--muted)}
.head{background:#fff;border:1px solid var(--line);border-left:8px solid var(--c);border-radius:8px;
padding:14px 20px}
.head h1 .outcome{color:var(--c)}
.exit{font-size:14px;font-weight:600;color:#fff;background:var(--c);border-radius:12px;padding:2px 10px;
vertical-align:middle;margin-left:6px}
.run{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:0}
.run dt{color:var(--muted)}.run dd{margin:0;overflow-wrap:anywhere}
.warn{background:var(--fail-bg);border:1px solid var(--fail);border-radius:6px;padding:6px 10px;
margin:10px 0 0}
.totals{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0 0}
.total{background:#fff;border:1px solid var(--line);border-top:4px solid var(--c,var(--line));
border-radius:8px;padding:8px 16px;min-width:108px}
.total .n{display:block;font-size:26px;font-weight:650;color:var(--c,inherit)}
.total .l{font-size:12px;color:var(--muted);font-weight:600}
.total.zero{opacity:.45}
.matrix{display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-start}
.matrix table{border-collapse:separate;border-spacing:2px;background:#fff;border:1px solid var(--line);
border-radius:8px;padding:6px}
.matrix th{font-size:12px;color:var(--muted);text-align:left;padding:2px 6px;font-weight:600}
.matrix th.req{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;color:#1f2328}
.cell{text-align:center;font-size:11px;font-weight:700;border-radius:4px;padding:0;min-width:64px;
background:var(--bg,#f6f8fa);color:var(--c,#8c959f)}
.cell a{display:block;padding:2px 6px;color:inherit;text-decoration:none}
.cell a:hover{text-decoration:underline}
#filters{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;background:#fff;
border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin-bottom:10px}
#filters fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px}
#filters legend{float:left;margin-right:6px;color:var(--muted);font-weight:600}
.chip{border:1px solid var(--c);background:var(--bg);color:var(--c);border-radius:14px;
padding:1px 10px 1px 6px;font-size:12px;font-weight:700;cursor:pointer;user-select:none}
.chip input{margin:0 4px 0 0;vertical-align:-2px;accent-color:var(--c)}
.chip .k{font-weight:400}
#filters label.pick{color:var(--muted);font-weight:600}
#filters select{margin-left:4px;max-width:150px}
#shown{margin-left:auto;color:var(--muted)}#shown b{color:#1f2328}
#req-filter code{background:var(--skip-bg);padding:1px 6px;border-radius:4px}
.scenario{background:#fff;border:1px solid var(--line);border-left:5px solid var(--c);
border-radius:6px;margin:5px 0}
.scenario[hidden]{display:none}
.scenario>summary{display:flex;gap:10px;align-items:baseline;padding:7px 12px;cursor:pointer}
.scenario>summary::-webkit-details-marker{display:none}
.scenario>summary::before{content:"\25b8";color:var(--muted)}
.scenario[open]>summary::before{content:"\25be"}
.badge{flex:none;min-width:86px;text-align:center;font-size:11px;font-weight:700;color:var(--c);
background:var(--bg);border:1px solid var(--c);border-radius:10px;padding:0 8px}
.sid{font-weight:600;overflow-wrap:anywhere}
.prof{flex:none;font-size:12px;color:var(--muted);border:1px solid var(--line);border-radius:4px;
padding:0 5px}
.sum{flex:1;color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.dur{flex:none;color:var(--muted);font-size:12px}
.detail{border-top:1px solid var(--line);padding:6px 16px 14px}
.why{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);border-left:3px solid var(--c);
padding:6px 10px;margin:8px 0}
.baseline{border:1px dashed var(--xfail);background:var(--xfail-bg);border-radius:6px;padding:6px 10px;
margin:8px 0}
.v-xpass .baseline{border-color:var(--xpass);background:var(--xpass-bg)}
.facts th{text-align:left;color:var(--muted);font-weight:600;padding:2px 16px 2px 0;
vertical-align:top;white-space:nowrap}
.facts td{overflow-wrap:anywhere}
.transcript{width:100%;border-collapse:collapse;table-layout:fixed;
font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
.transcript th{text-align:left;color:var(--muted);border-bottom:1px solid var(--line);padding:3px 6px}
.transcript td{vertical-align:top;padding:3px 6px;border-bottom:1px solid #eef1f4;
white-space:pre-wrap;overflow-wrap:anywhere}
.transcript col.at{width:76px}.transcript col.conn{width:96px}.transcript col.dir{width:86px}
.transcript col.hex{width:34%}
.transcript .sent .dir{color:var(--xfail)}.transcript .received .dir{color:var(--pass)}
.transcript .event td{color:var(--muted);font-style:italic}
.transcript .hex{color:var(--muted)}
.cut{color:var(--muted);font-style:italic}
pre.log{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px;margin:0;
white-space:pre-wrap;overflow-wrap:anywhere;max-height:360px;overflow:auto}
footer{color:var(--muted);font-size:12px;margin-top:28px}
)css";

// Applies the filters and keeps them in the URL fragment
// (#verdict=FAIL,ERROR&area=rooms&profile=v1&req=R-1), read on load.
constexpr std::string_view script = R"js(
(function () {
  'use strict';
  var rows = [].slice.call(document.querySelectorAll('.scenario'));
  var boxes = [].slice.call(document.querySelectorAll('#filters input[name=verdict]'));
  var area = document.getElementById('filter-area');
  var profile = document.getElementById('filter-profile');
  var requirement = '';
  function choose(select, value) {
    var known = [].some.call(select.options, function (o) { return o.value === value; });
    if (!known) select.add(new Option(value, value));
    select.value = value;
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var show = boxes.some(function (b) { return b.checked && b.value === d.verdict; }) &&
          (!area.value || d.area === area.value) &&
          (!profile.value || d.profile === profile.value) &&
          (!requirement || JSON.parse(d.requirements).indexOf(requirement) >= 0);
      row.hidden = !show;
      if (show) shown++;
    });
    document.getElementById('shown-count').textContent = String(shown);
    document.getElementById('none-shown').hidden = shown > 0;
    document.getElementById('req-filter').hidden = !requirement;
    document.getElementById('req-name').textContent = requirement;
  }
  function read_fragment() {
    var p = new URLSearchParams(location.hash.slice(1));
    var v = p.get('verdict');
    var wanted = v === null ? null : v.toUpperCase().split(',');
    boxes.forEach(function (b) { b.checked = !wanted || wanted.indexOf(b.value) >= 0; });
    choose(area, p.get('area') || '');
    choose(profile, p.get('profile') || '');
    requirement = p.get('req') || '';
    apply();
  }
  function write_fragment() {
    var parts = [];
    var on = boxes.filter(function (b) { return b.checked; });
    if (on.length < boxes.length) {
      parts.push('verdict=' + on.map(function (b) { return b.value; }).join(','));
    }
    if (area.value) parts.push('area=' + encodeURIComponent(area.value));
    if (profile.value) parts.push('profile=' + encodeURIComponent(profile.value));
    if (requirement) parts.push('req=' + encodeURIComponent(requirement));
    var url = location.pathname + location.search + (parts.length ? '#' + parts.join('&') : '');
    try { history.replaceState(null, '', url); } catch (e) { /* file: URLs in some browsers */ }
    apply();
  }
  document.getElementById('filters').addEventListener('change', write_fragment);
  document.getElementById('req-clear').addEventListener('click', function (e) {
    e.preventDefault();
    requirement = '';
    write_fragment();
  });
  window.addEventListener('hashchange', function () {
    read_fragment();
    document.getElementById('results').scrollIntoView();
  });
  read_fragment();
})();
)js";

void write_header(std::string& html, const std::vector<scenario_result>& results,
                  const run_info& info, const run_totals& t) {
  const int code = exit_code(t, info.strict);
  const bool nothing_tested = code == 2;
  const shown tone = nothing_tested ? shown::skip : code == 0 ? shown::pass : shown::fail;
  const std::string outcome = nothing_tested ? "nothing was tested"
                              : code == 0    ? "passed"
                                             : "FAILED";
  html += "<title>gday conformance: " + outcome + "</title>\n<style>" + std::string(style) +
          "</style>\n</head>\n<body>\n<main>\n";
  html += "<header class=\"head " + colour(tone) +
          "\">\n<h1>gday conformance: <span class=\"outcome\" id=\"outcome\">" + outcome +
          "</span>";
  html += " <span class=\"exit\">exit <span id=\"exit-code\">" + std::to_string(code) +
          "</span></span>";
  std::set<wire::profile> profiles;
  for (const auto& r : results) profiles.insert(r.profile);
  std::string listed;
  for (const auto p : profiles) listed += (listed.empty() ? "" : ", ") + profile_name(p);
  html += "</h1>\n<dl class=\"run\">\n<dt>Target</dt><dd>" + line(info.target) +
          "</dd>\n<dt>Command</dt><dd><code>" + line(info.command_line) +
          "</code></dd>\n<dt>Started</dt><dd>" + line(info.started_at) +
          "</dd>\n<dt>Duration</dt><dd>" + format_double("%.1f", info.duration_s) +
          " s</dd>\n<dt>Profiles</dt><dd>" + (listed.empty() ? "none" : listed) +
          "</dd>\n<dt>Liveness probe</dt><dd>" +
          (info.liveness_probe ? std::to_string(info.probes) + " runs, " +
                                     format_double("%.1f", info.probe_s) + " s"
                               : std::string("off")) +
          "</dd>\n";
  if (info.strict) html += "<dt>Strict</dt><dd>--strict: NON-STRICT results fail the run</dd>\n";
  html += "</dl>\n";
  if (!info.stopped_after.empty()) {
    html += "<p class=\"warn\">The server stopped serving after <code>" + line(info.stopped_after) +
            "</code>: the scenarios after it were not run.</p>\n";
  }
  html += "</header>\n";

  const std::size_t counts[] = {t.passed, t.non_strict,        t.failed,           t.skipped,
                                t.errors, t.expected_failures, t.unexpected_passes};
  html += "<section class=\"totals\">\n<div class=\"total\"><span class=\"n\" id=\"count-total\">" +
          std::to_string(results.size()) + "</span><span class=\"l\">RUNS</span></div>\n";
  for (std::size_t i = 0; i < std::size(report_order); ++i) {
    const std::string name = colour(report_order[i]);
    html += "<div class=\"total " + name + (counts[i] == 0 ? " zero" : "") +
            "\"><span class=\"n\" id=\"count-" + name.substr(2) + "\">" +
            std::to_string(counts[i]) + "</span><span class=\"l\">" +
            std::string(label(report_order[i])) + "</span></div>\n";
  }
  html += "</section>\n";
}

// Rows: requirement IDs; columns: the profiles that ran; each cell coloured by
// its worst result, its counts in the tooltip, a link that filters the list.
void write_matrix(std::string& html, const std::vector<scenario_result>& results) {
  std::map<std::string, std::map<wire::profile, std::map<shown, std::size_t>>> cells;
  std::set<wire::profile> profiles;
  for (const auto& r : results) {
    profiles.insert(r.profile);
    // As in tally(): byte differences alone count only against the IDs they broke.
    const bool only_bytes = r.outcome == verdict::non_strict && !r.non_canonical.empty() &&
                            r.failed_step.empty() && r.matched_note.empty();
    const std::set<std::string> ids(r.requirements.begin(), r.requirements.end());
    for (const auto& id : ids) {
      const bool broke =
          std::find(r.non_canonical.begin(), r.non_canonical.end(), id) != r.non_canonical.end();
      ++cells[line_text(id)][r.profile][only_bytes && !broke ? shown::pass : classify(r)];
    }
  }
  html += "<h2>Requirements \xC3\x97 profile</h2>\n";
  if (cells.empty()) {
    html += "<p>No results name a requirement.</p>\n";
    return;
  }
  // Side-by-side tables of at most `per_table` rows keep a long list on one screen.
  const std::size_t per_table = std::max<std::size_t>(15, (cells.size() + 3) / 4);
  std::string head = "<table>\n<tr><th>requirement</th>";
  for (const auto p : profiles) head += "<th>" + profile_name(p) + "</th>";
  head += "</tr>\n";
  html += "<div class=\"matrix\" id=\"matrix\">\n";
  std::size_t row = 0;
  for (const auto& [id, by_profile] : cells) {
    if (row++ % per_table == 0) html += (row > 1 ? "</table>\n" : "") + head;
    html += "<tr><th class=\"req\">" + escape(id) + "</th>";
    for (const auto p : profiles) {
      const auto it = by_profile.find(p);
      if (it == by_profile.end()) {
        html += "<td class=\"cell\" title=\"no results\">\xE2\x80\x93</td>";
        continue;
      }
      shown worst = shown::skip;
      std::string tip;
      for (const shown s : report_order) {
        const auto n = it->second.find(s);
        if (n == it->second.end()) continue;
        if (severity(s) > severity(worst)) worst = s;
        tip += (tip.empty() ? "" : ", ") + std::to_string(n->second) + " " + std::string(label(s));
      }
      html += "<td class=\"cell " + colour(worst) + "\" title=\"" +
              escape(id + " " + profile_name(p) + ": " + tip) +
              "\"><a href=\"#req=" + fragment_value(id) + "&amp;profile=" + profile_name(p) +
              "\">" + std::string(label(worst)) + "</a></td>";
    }
    html += "</tr>\n";
  }
  html += "</table>\n</div>\n";
}

void write_filters(std::string& html, const std::vector<scenario_result>& results) {
  std::map<shown, std::size_t> verdicts;
  std::map<std::string, std::size_t> areas;
  std::map<wire::profile, std::size_t> profiles;
  for (const auto& r : results) {
    ++verdicts[classify(r)];
    ++areas[line_text(area_of(r.id))];
    ++profiles[r.profile];
  }
  html += "<form id=\"filters\">\n<fieldset><legend>Verdict</legend>";
  for (const shown s : report_order) {
    const std::string name(label(s));
    html += "<label class=\"chip " + colour(s) +
            "\"><input type=\"checkbox\" name=\"verdict\" value=\"" + name + "\" checked>" + name +
            " <span class=\"k\">" + number_of(verdicts, s) + "</span></label>";
  }
  html +=
      "</fieldset>\n<label class=\"pick\">Area<select id=\"filter-area\"><option "
      "value=\"\">all</option>";
  for (const auto& [area, n] : areas) {
    html += "<option value=\"" + escape(area) + "\">" + escape(area) + " (" + std::to_string(n) +
            ")</option>";
  }
  html +=
      "</select></label>\n<label class=\"pick\">Profile<select id=\"filter-profile\"><option "
      "value=\"\">all</option>";
  for (const auto& [p, n] : profiles) {
    html += "<option value=\"" + profile_name(p) + "\">" + profile_name(p) + " (" +
            std::to_string(n) + ")</option>";
  }
  html +=
      "</select></label>\n<span id=\"req-filter\" hidden>Requirement <code id=\"req-name\">"
      "</code> <a href=\"#\" id=\"req-clear\">all</a></span>\n<span id=\"shown\"><b "
      "id=\"shown-count\">" +
      std::to_string(results.size()) + "</b> of " + std::to_string(results.size()) +
      " shown</span>\n</form>\n<p id=\"none-shown\"" + (results.empty() ? "" : " hidden") +
      ">No result matches these filters.</p>\n";
}

void write_transcript(std::string& html, const std::vector<transcript_entry>& entries) {
  html +=
      "<h4>Transcript</h4>\n<table class=\"transcript\"><colgroup><col class=\"at\"><col "
      "class=\"conn\"><col class=\"dir\"><col class=\"hex\"><col></colgroup>\n<tr><th>ms</"
      "th><th>connection</th><th>direction</th><th>hex</th><th>decoded</th></tr>\n";
  const std::size_t rows = std::min(entries.size(), max_transcript_rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const transcript_entry& e = entries[i];
    const char* kind = e.what == transcript_entry::kind::sent       ? "sent"
                       : e.what == transcript_entry::kind::received ? "received"
                                                                    : "event";
    html += std::string("<tr class=\"") + kind + "\"><td>" + format_double("%.1f", e.at_ms) +
            "</td><td>" + line(e.conn) + "</td><td class=\"dir\">" + kind + "</td>";
    if (e.what == transcript_entry::kind::event) {
      html += "<td colspan=\"2\">" + block(e.text) + "</td></tr>\n";
      continue;
    }
    // The 3-byte header apart from the body, as the console shows it.
    const std::string_view shown_bytes = std::string_view(e.bytes).substr(0, max_hex_bytes);
    std::string bytes = hex(shown_bytes.substr(0, 3));
    if (shown_bytes.size() > 3) bytes += " " + hex(shown_bytes.substr(3));
    if (e.bytes.size() > max_hex_bytes) {
      bytes += " \xE2\x80\xA6 (" + std::to_string(e.bytes.size()) + " bytes)";
    }
    html += "<td class=\"hex\">" + escape(bytes) + "</td><td>" + block(e.decoded) + "</td></tr>\n";
  }
  html += "</table>\n";
  if (entries.size() > rows) {
    html += "<p class=\"cut\">" + std::to_string(entries.size() - rows) +
            " more entries not shown: the JSON report has the whole transcript.</p>\n";
  }
}

void write_result(std::string& html, const scenario_result& r, std::size_t index) {
  const shown s = classify(r);
  const std::string name(label(s));
  // The IDs for the script as a JSON array: any text, one line.
  nlohmann::json ids = nlohmann::json::array();
  std::string listed;
  for (const auto& id : r.requirements) {
    ids.push_back(line_text(id));
    listed += (listed.empty() ? "" : ", ") + line(id);
  }
  html += "<details class=\"scenario " + colour(s) + "\" id=\"result-" + std::to_string(index) +
          "\" data-verdict=\"" + name + "\" data-area=\"" + escape(line_text(area_of(r.id))) +
          "\" data-profile=\"" + profile_name(r.profile) + "\" data-requirements=\"" +
          escape(ids.dump()) + "\">\n<summary><span class=\"badge\">" + name +
          "</span><span class=\"sid mono\">" + line(r.id) + "</span><span class=\"prof\">" +
          profile_name(r.profile) + "</span><span class=\"sum\">" + line(r.summary) +
          "</span><span class=\"dur\">" + duration_text(r.duration) +
          "</span></summary>\n<div class=\"detail\">\n";
  const std::string why = detail::why_line(r, s);
  if (!why.empty()) html += "<div class=\"why\">" + block(why) + "</div>\n";
  if (s == shown::xfail) {
    html +=
        "<p class=\"baseline\"><b>Expected failure (XFAIL)</b>: listed in the baseline, so it "
        "does not fail the run. Baseline reason: " +
        line(r.baseline_reason) + "</p>\n";
  } else if (s == shown::xpass) {
    html +=
        "<p class=\"baseline\"><b>Unexpected pass (XPASS)</b>: listed in the baseline as an "
        "expected failure but passed, which fails the run: update the baseline. Baseline "
        "reason: " +
        line(r.baseline_reason) + "</p>\n";
  }
  html += "<table class=\"facts\">\n<tr><th>Requirements</th><td>" +
          (listed.empty() ? std::string("none") : listed) + "</td></tr>\n<tr><th>Grade</th><td>" +
          std::string(to_string(r.level)) + "</td></tr>\n<tr><th>Duration</th><td>" +
          duration_text(r.duration) + "</td></tr>\n";
  if (!r.failed_step.empty()) {
    html += "<tr><th>Failed step</th><td><code>" + line(r.failed_step) + "</code></td></tr>\n";
  }
  if (!r.matched_note.empty()) {
    html += "<tr><th>Matched</th><td>" + line(r.matched_note) + "</td></tr>\n";
  }
  if (!r.non_canonical.empty()) {
    std::string broke;
    for (const auto& id : r.non_canonical) broke += (broke.empty() ? "" : ", ") + line(id);
    html += "<tr><th>Not byte-exact</th><td>" + broke + "</td></tr>\n";
  }
  std::string probe = "not run";
  if (r.liveness.ran && r.liveness.passed) {
    probe = "passed in " + duration_text(r.liveness.duration);
  } else if (r.liveness.ran) {
    probe = "<b>failed</b> after " + duration_text(r.liveness.duration) + ": " +
            line(r.liveness.reason);
  }
  html += "<tr><th>Liveness probe</th><td>" + probe + "</td></tr>\n";
  if (r.server_died) html += "<tr><th>Server</th><td><b>exited</b></td></tr>\n";
  if (!r.rerun.empty()) {
    html += "<tr><th>Reproduce</th><td><code>" + line(r.rerun) + "</code></td></tr>\n";
  }
  html += "</table>\n";
  if (!r.transcript.empty()) write_transcript(html, r.transcript);
  if (!r.server_log.empty()) {
    html += "<h4>Server log</h4>\n<pre class=\"log\">" + log_tail(r.server_log) + "</pre>\n";
  }
  html += "</div>\n</details>\n";
}

}  // namespace

std::string to_html_report(const std::vector<scenario_result>& results, const run_info& info) {
  const run_totals t = tally(results);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta "
      "name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  write_header(html, results, info, t);
  write_matrix(html, results);

  html += "<section id=\"results\">\n<h2>Results</h2>\n";
  write_filters(html, results);
  // The worst first, then by id and profile (the JSON report keeps the run order).
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const scenario_result& x = results[a];
    const scenario_result& y = results[b];
    const int worse_x = severity(classify(x)), worse_y = severity(classify(y));
    if (worse_x != worse_y) return worse_x > worse_y;
    return x.id != y.id ? x.id < y.id : x.profile < y.profile;
  });
  html += "<div id=\"scenario-list\">\n";
  for (const std::size_t i : order) write_result(html, results[i], i);
  html +=
      "</div>\n</section>\n<footer>gday-conformance HTML report: a view of the same results "
      "as the JSON report (--json), which has every transcript in full.</footer>\n</main>\n"
      "<script>" +
      std::string(script) + "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace gday::harness
