// run-scenarios: the conformance suite's command line. Runs scenario scripts
// against the embedded reference server (default), a server it launches
// (--server-cmd) or one already running (--target), and reports per scenario
// and per requirement. Exit: 0 all MUST passed, 1 a MUST failed (or an
// expected failure passed), 2 usage or scenario-file error, 3 target error.
#include <fnmatch.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "../../harness/probe.hpp"
#include "gday/cli/target_options.hpp"
#include "gday/harness/coverage.hpp"
#include "gday/harness/loader.hpp"
#include "gday/harness/report.hpp"
#include "gday/harness/runner.hpp"
#include "gday/harness/target.hpp"

namespace po = boost::program_options;
namespace h = gday::harness;
namespace wire = gday::wire;

namespace {

constexpr int exit_usage = 2;
constexpr int exit_target = 3;

int usage_error(const std::string& message) {
  std::cerr << "run-scenarios: " << message << "\nTry 'run-scenarios --help'.\n";
  return exit_usage;
}

bool glob_match(const std::string& pattern, const std::string& id) {
  return pattern == id || ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0 ||
         ::fnmatch((pattern + "/*").c_str(), id.c_str(), 0) == 0;
}

std::string iso_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

// Asks the server which version byte it speaks: a header with version 0
// must be answered ErrorSyntax in the server's own version (spec F-2).
std::optional<wire::profile> probe_profile(h::target& t, std::string& why) {
  auto prepared = t.prepare(h::settings{}, wire::profile::v1);
  if (!prepared.server) {
    why = prepared.error.empty() ? prepared.skip_reason : prepared.error;
    return std::nullopt;
  }
  auto p = h::detail::probe::open(prepared.server->endpoints(), 4, prepared.server->endpoints().tls,
                                  {}, wire::profile::v1, std::chrono::seconds(5));
  if (!p) {
    why = p.error();
    return std::nullopt;
  }
  (*p)->write(std::string("\x00\x00\x00", 3), h::chunking{}, std::chrono::seconds(5));
  auto e = (*p)->next(std::chrono::seconds(5));
  if (e.raw.empty()) {
    why = "the server sent nothing back to a version-0 header";
    return std::nullopt;
  }
  auto profile = wire::parse_profile(std::to_string(static_cast<unsigned char>(e.raw[0])));
  if (!profile) why = "the server answered with version byte " + std::to_string(e.raw[0]);
  return profile;
}

}  // namespace

int main(int argc, char** argv) try {
  po::options_description opts("run-scenarios [options] [ID|GLOB ...]");
  std::string scenarios_dir = GDAY_SCENARIOS_DIR, protocol, junit, json_out, baseline_file,
              colour = "auto";
  gday::cli::target_flags target_flags;
  std::vector<std::string> selection, excludes;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  double timeout_scale = 1.0;
  std::uint64_t seed = 0;
  opts.add_options()("help,h", "show this help")(
      "list", "list the selected scenarios (id, requirements, grade, summary) and exit")(
      "coverage",
      "print requirement -> scenarios; exit 1 if a MUST or SHOULD requirement has none")(
      "coverage-markdown", po::value<std::string>(),
      "write the coverage as Markdown (docs/conformance.md) and exit")(
      "scenarios", po::value(&scenarios_dir), "scenario folder (default: the source tree's)")(
      "exclude", po::value(&excludes)->composing(), "leave out ids matching GLOB (repeatable)")(
      "protocol", po::value(&protocol),
      "1, 2, 3, all or auto (default: all three for the embedded server, 1 otherwise; auto "
      "asks the server)")("jobs,j", po::value(&jobs), "scenarios at once (default: cores)")(
      "timeout-scale", po::value(&timeout_scale), "multiply every deadline (slow machines)")(
      "seed", po::value(&seed), "seed for room codes (default random)")("junit", po::value(&junit),
                                                                        "write a JUnit XML report")(
      "json", po::value(&json_out), "write the JSON report (docs/report-schema.md)")(
      "baseline", po::value(&baseline_file), "expected failures of this implementation")(
      "verbose,v", "print every transcript")(
      "fail-fast,x", "start no more scenarios after the first FAIL or ERROR")(
      "strict", "NON-STRICT results (SHOULD/MAY deviations) fail the run too (exit 1)")(
      "color", po::value(&colour), "auto, always or never")(
      "ids", po::value(&selection)->composing(), "scenario ids or globs");
  po::options_description target_opts("Target (default: the embedded reference server)");
  gday::cli::add_target_options(target_opts, target_flags);
  opts.add(target_opts);
  po::positional_options_description positional;
  positional.add("ids", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << opts
              << "\nExit codes: 0 all MUST passed, 1 a MUST failed, 2 usage or "
                 "scenario-file error, 3 target unreachable or crashed.\n";
    return 0;
  }
  if (timeout_scale <= 0) return usage_error("--timeout-scale must be positive");

  auto loaded = h::load_scenarios(scenarios_dir);
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << e.what() << "\n";
    std::cerr << "run-scenarios: " << loaded.error().size() << " scenario file(s) are invalid\n";
    return exit_usage;
  }
  if (vm.count("coverage") || vm.count("coverage-markdown")) {
    const auto rows = h::compute_coverage(*loaded);
    const auto unknown = h::unknown_requirements(*loaded);
    for (const auto& u : unknown) std::cerr << "run-scenarios: unknown requirement " << u << "\n";
    if (vm.count("coverage-markdown")) {
      const std::string path = vm["coverage-markdown"].as<std::string>();
      if (!write_text(path, h::coverage_markdown(rows, *loaded))) {
        std::cerr << "run-scenarios: cannot write " << path << "\n";
        return exit_usage;
      }
    }
    if (vm.count("coverage")) std::fputs(h::coverage_text(rows).c_str(), stdout);
    return h::fully_covered(rows) && unknown.empty() ? 0 : 1;
  }
  std::vector<const h::scenario*> chosen;
  std::vector<bool> used(selection.size(), false);
  for (const auto& s : *loaded) {
    bool in = selection.empty();
    for (std::size_t i = 0; i < selection.size(); ++i) {
      if (glob_match(selection[i], s.id)) in = used[i] = true;
    }
    for (const auto& ex : excludes) {
      if (glob_match(ex, s.id)) in = false;
    }
    if (in) chosen.push_back(&s);
  }
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (!used[i]) return usage_error("'" + selection[i] + "' matches no scenario");
  }
  if (chosen.empty()) return usage_error("the selection matches no scenario");
  if (vm.count("list")) {
    for (const auto* s : chosen) {
      std::string reqs;
      for (const auto& r : s->requirements) reqs += (reqs.empty() ? "" : ",") + r;
      std::printf("%-50s %-7s %-16s %s\n", s->id.c_str(),
                  std::string(h::to_string(s->level)).c_str(), reqs.c_str(), s->summary.c_str());
    }
    std::printf("%zu scenarios\n", chosen.size());
    return 0;
  }

  auto chosen_target = gday::cli::make_target(target_flags, vm);
  if (!chosen_target) return usage_error(chosen_target.error());
  auto target = std::move(chosen_target->target);

  std::vector<wire::profile> profiles;
  const bool embedded = chosen_target->embedded;
  if (protocol.empty()) protocol = embedded ? "all" : "1";
  if (protocol == "all") {
    profiles = {wire::profile::v1, wire::profile::v2, wire::profile::v3};
  } else if (protocol == "auto") {
    std::string why;
    auto p = probe_profile(*target, why);
    if (!p) {
      std::cerr << "run-scenarios: cannot tell the server's protocol: " << why << "\n";
      return exit_target;
    }
    std::printf("protocol auto: the server speaks %s\n", std::string(wire::to_string(*p)).c_str());
    profiles = {*p};
  } else if (auto p = wire::parse_profile(protocol)) {
    profiles = {*p};
  } else {
    return usage_error("--protocol takes 1, 2, 3, all or auto, not '" + protocol + "'");
  }

  std::optional<h::baseline> base;
  if (!baseline_file.empty()) {
    auto b = h::load_baseline(baseline_file);
    if (!b) return usage_error(b.error());
    base = *b;
  }

  std::size_t total = 0;
  for (const auto* s : chosen) {
    for (auto p : profiles) {
      if (std::find(s->profiles.begin(), s->profiles.end(), p) != s->profiles.end()) ++total;
    }
  }
  const bool tty = ::isatty(::fileno(stdout)) != 0;
  const bool use_colour = colour == "always" || (colour == "auto" && tty);
  h::console_reporter console(stdout, use_colour, vm.count("verbose") > 0, total);
  std::printf("run-scenarios: %zu scenario runs against %s\n", total, target->describe().c_str());
  std::fflush(stdout);

  const auto started = std::chrono::steady_clock::now();
  h::run_info info{target->describe(), {}, iso_now(), 0};
  for (int i = 0; i < argc; ++i) info.command_line += (i ? " " : "") + std::string(argv[i]);

  std::vector<h::scenario_result> results;
  for (auto p : profiles) {
    std::vector<const h::scenario*> applicable;
    for (const auto* s : chosen) {
      if (std::find(s->profiles.begin(), s->profiles.end(), p) != s->profiles.end()) {
        applicable.push_back(s);
      }
    }
    h::run_options options;
    options.profile = p;
    options.timeout_scale = timeout_scale;
    options.jobs = jobs;
    options.seed = seed;
    options.fail_fast = vm.count("fail-fast") > 0;
    options.strict = vm.count("strict") > 0;
    options.expected = base ? &*base : nullptr;
    options.rerun_prefix =
        std::string(argv[0]) +
        (vm.count("scenarios") ? " --scenarios '" + scenarios_dir + "'" : std::string()) +
        " --protocol " + std::to_string(wire::version_byte(p));
    auto batch = h::run_all(applicable, *target, options,
                            [&](const h::scenario_result& r) { console.on_result(r); });
    results.insert(results.end(), batch.begin(), batch.end());
    const bool failed = std::any_of(batch.begin(), batch.end(), [&](const h::scenario_result& r) {
      return h::fails_run(r, options.strict);
    });
    if (options.fail_fast && failed) break;
  }
  info.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  console.on_finish(results, info);
  if (!junit.empty() && !write_text(junit, h::to_junit_xml(results, info))) {
    std::cerr << "run-scenarios: cannot write " << junit << "\n";
    return exit_usage;
  }
  if (!json_out.empty() && !write_text(json_out, h::to_json_report(results, info).dump(2))) {
    std::cerr << "run-scenarios: cannot write " << json_out << "\n";
    return exit_usage;
  }
  const auto totals = h::tally(results);
  return h::exit_code(totals, vm.count("strict") > 0);
} catch (const std::exception& e) {
  std::fprintf(stderr, "run-scenarios: %s\n", e.what());
  return exit_usage;
}
