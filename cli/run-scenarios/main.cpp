// run-scenarios: the conformance suite's command line. Runs scenario scripts
// against the embedded reference server (default), a server it launches
// (--server-cmd) or one already running (--target), and reports per scenario
// and per requirement. Exit: 0 all MUST passed, 1 a MUST failed (or an
// expected failure passed), 2 usage or scenario-file error or nothing tested
// (every selected run skipped), 3 target error.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "gday/base/shell.hpp"
#include "gday/cli/program.hpp"
#include "gday/cli/target_options.hpp"
#include "gday/harness/client_runner.hpp"
#include "gday/harness/coverage.hpp"
#include "gday/harness/generated.hpp"
#include "gday/harness/loader.hpp"
#include "gday/harness/report.hpp"
#include "gday/harness/suite.hpp"

namespace po = boost::program_options;
namespace h = gday::harness;
namespace wire = gday::wire;
namespace base = gday::base;

namespace {

constexpr std::string_view program = "run-scenarios";

int usage_error(const std::string& message) { return gday::cli::usage_error(program, message); }

int fail(const h::failure& f) { return gday::cli::report_failure(program, f); }

}  // namespace

int main(int argc, char** argv) try {
  po::options_description opts("run-scenarios [options] [ID|GLOB ...]");
  std::string scenarios_dir = gday::cli::default_scenarios_dir(), protocol, junit, json_out,
              summary_md, html_out, baseline_file, colour = "auto";
  gday::cli::target_flags target_flags;
  std::vector<std::string> selection, excludes;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  double timeout_scale = 1.0;
  std::uint64_t seed = 0;
  opts.add_options()("help,h", "show this help")(
      "version", "print the version, the protocol profiles and the scenarios known, and exit")(
      "list", "list the selected scenarios (id, requirements, grade, summary) and exit")(
      "coverage",
      "print requirement -> scenarios; exit 1 if a MUST or SHOULD requirement has none")(
      "coverage-markdown", po::value<std::string>(),
      "write the coverage as Markdown (docs/conformance.md) and exit")(
      "write-generated", po::value<std::string>(),
      "rewrite the generated scenarios (vanish/) under DIR, the scenario folder, and exit")(
      "scenarios", po::value(&scenarios_dir),
      "scenario folder, replacing the library installed with this program (default: "
      "../share/gday-conformance/scenarios beside it; in a build tree, the source tree's)")(
      "exclude", po::value(&excludes)->composing(), "leave out ids matching GLOB (repeatable)")(
      "protocol", po::value(&protocol),
      "1, 2, 3, all or auto (default: all three for the embedded server, 1 otherwise; auto "
      "asks the server)")("jobs,j", po::value(&jobs), "scenarios at once (default: cores)")(
      "timeout-scale", po::value(&timeout_scale), "multiply every deadline (slow machines)")(
      "seed", po::value(&seed), "seed for room codes (default random)")("junit", po::value(&junit),
                                                                        "write a JUnit XML report")(
      "json", po::value(&json_out), "write the JSON report (docs/report-schema.md)")(
      "summary-md", po::value(&summary_md),
      "write a Markdown summary (totals, by area and requirement, each failure with its "
      "transcript); in GitHub Actions give $GITHUB_STEP_SUMMARY")(
      "html", po::value(&html_out),
      "write a self-contained HTML report (totals, requirement x profile matrix, every result "
      "with its transcript, filters by verdict, area and profile)")(
      "baseline", po::value(&baseline_file), "expected failures of this implementation")(
      "verbose,v", "print every transcript")(
      "fail-fast,x",
      "start no more scenarios after the first result that fails the run (FAIL, ERROR, "
      "XPASS; NON-STRICT with --strict); an expected failure (XFAIL) does not stop it")(
      "strict", "NON-STRICT results (SHOULD/MAY deviations) fail the run too (exit 1)")(
      "no-liveness-probe",
      "do not check, before the first scenario and after each one, that the server still "
      "completes a full exchange on fresh connections")(
      "slow",
      "also run the scenarios tagged slow (real-time waits such as R-2's 60 s window), "
      "concurrently with the rest; without it they SKIP")("color", po::value(&colour),
                                                          "auto, always or never")(
      "ids", po::value(&selection)->composing(), "scenario ids or globs");
  po::options_description client_opts(
      "Testing clients (scenarios/client/; the harness is the server)");
  std::string creator_cmd, joiner_cmd, client_stdin;
  double client_timeout = 0;
  client_opts.add_options()("client", "run the client scenarios against the clients below")(
      "creator-cmd", po::value(&creator_cmd),
      "the creator under test: a shell command with {host} {port} {ca} {room} {role} {protocol}")(
      "joiner-cmd", po::value(&joiner_cmd), "the joiner under test (same placeholders)")(
      "client-stdin", po::value(&client_stdin), "text given to each client's standard input")(
      "client-timeout", po::value(&client_timeout),
      "seconds each client has to end (default: each scenario's within_ms)");
  opts.add(client_opts);
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
                 "scenario-file error or nothing tested, 3 target unreachable or crashed.\n";
    return 0;
  }
  if (timeout_scale <= 0) return usage_error("--timeout-scale must be positive");
  if (vm.count("write-generated")) {
    const std::string dir = vm["write-generated"].as<std::string>();
    for (const auto& folder : h::generated_folders()) {
      std::error_code ec;
      std::filesystem::create_directories(dir + "/" + folder, ec);
      if (ec) return fail({h::error::usage, "cannot create " + dir + "/" + folder});
    }
    const auto files = h::generated_scenarios();
    std::set<std::filesystem::path> fresh;
    for (const auto& file : files) {
      const auto written = gday::cli::write_report(dir + "/" + file.path, file.text);
      if (!written) return fail(written.error());
      fresh.insert(std::filesystem::path(dir) / file.path);
    }
    // A file the generator no longer writes would stay in the suite: remove it.
    for (const auto& folder : h::generated_folders()) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(dir + "/" + folder, ec)) {
        if (e.path().extension() == ".json" && !fresh.count(e.path())) {
          std::filesystem::remove(e.path(), ec);
          std::cout << "removed " << e.path().string() << "\n";
        }
      }
    }
    return 0;
  }

  auto loaded = h::load_scenarios(scenarios_dir);
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << e.what() << "\n";
    return fail({h::error::scenario_file,
                 std::to_string(loaded.error().size()) + " scenario file(s) are invalid"});
  }
  if (vm.count("version")) {
    std::size_t clients = 0;
    for (const auto& s : *loaded) clients += s.client ? 1 : 0;
    std::cout << gday::cli::version_line("run-scenarios") << "\n"
              << "protocol profiles: v1 (gday 0.3.x), v2 (gday 0.4.x), v3 (gday 0.5.x)\n"
              << "scenarios: " << loaded->size() - clients << " for servers, " << clients
              << " for clients, from " << scenarios_dir << "\n";
    return 0;
  }
  if (vm.count("coverage") || vm.count("coverage-markdown")) {
    const auto rows = h::compute_coverage(*loaded);
    const auto unknown = h::unknown_requirements(*loaded);
    for (const auto& u : unknown) std::cerr << "run-scenarios: unknown requirement " << u << "\n";
    if (vm.count("coverage-markdown")) {
      const auto written = gday::cli::write_report(vm["coverage-markdown"].as<std::string>(),
                                                   h::coverage_markdown(rows, *loaded));
      if (!written) return fail(written.error());
    }
    if (vm.count("coverage")) std::fputs(h::coverage_text(rows).c_str(), stdout);
    return h::fully_covered(rows) && unknown.empty() ? 0 : 1;
  }
  auto chosen = h::select_scenarios(*loaded, {selection, excludes});
  if (!chosen) return usage_error(chosen.error().message);
  // Client scenarios run only with --client, and only they do.
  const bool client_mode = vm.count("client") > 0;
  const bool selected = !chosen->empty();
  std::erase_if(*chosen,
                [&](const h::scenario* s) { return s->client.has_value() != client_mode; });
  if (selected && chosen->empty()) {
    return usage_error(client_mode
                           ? "no client scenario selected (client scenarios are under client/)"
                           : "only client scenarios selected: they run with --client");
  }
  if (!client_mode) {
    for (const char* flag : {"creator-cmd", "joiner-cmd", "client-stdin", "client-timeout"}) {
      if (vm.count(flag)) return usage_error(std::string("--") + flag + " needs --client");
    }
  }
  if (vm.count("list")) {
    for (const auto* s : *chosen) {
      std::string reqs;
      for (const auto& r : s->requirements) reqs += (reqs.empty() ? "" : ",") + r;
      std::printf("%-50s %-7s %-16s %s%s\n", s->id.c_str(),
                  std::string(h::to_string(s->level)).c_str(), reqs.c_str(),
                  h::is_slow(*s) ? "[slow: --slow] " : "", s->summary.c_str());
    }
    std::printf("%zu scenarios\n", chosen->size());
    return 0;
  }

  std::optional<h::baseline> expected;
  if (!baseline_file.empty()) {
    auto b = h::load_baseline(baseline_file);
    if (!b) return usage_error(b.error().message);
    expected = std::move(*b);
  }
  h::run_options run;
  run.timeout_scale = timeout_scale;
  run.jobs = jobs;
  run.seed = seed;
  run.fail_fast = vm.count("fail-fast") > 0;
  run.strict = vm.count("strict") > 0;
  run.slow = vm.count("slow") > 0;
  run.liveness_probe = vm.count("no-liveness-probe") == 0;
  run.expected = expected ? &*expected : nullptr;
  run.rerun_prefix =
      std::string(argv[0]) +
      (vm.count("scenarios") ? " --scenarios " + base::shell_quote(scenarios_dir) : std::string());
  const bool tty = ::isatty(::fileno(stdout)) != 0;
  const bool use_colour = colour == "always" || (colour == "auto" && tty);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  // What a run reports and exits with; a run that tested nothing is not a pass.
  auto finish_run = [&](h::suite_report& report, h::console_reporter& console) {
    report.info.command_line = command_line;
    console.on_finish(report.results, report.info);
    if (!junit.empty()) {
      const auto written =
          gday::cli::write_report(junit, h::to_junit_xml(report.results, report.info));
      if (!written) return fail(written.error());
    }
    if (!json_out.empty()) {
      const auto written =
          gday::cli::write_report(json_out, h::to_json_report(report.results, report.info).dump(2));
      if (!written) return fail(written.error());
    }
    if (!summary_md.empty()) {
      const auto written =
          gday::cli::write_report(summary_md, h::to_markdown_summary(report.results, report.info));
      if (!written) return fail(written.error());
    }
    if (!html_out.empty()) {
      const auto written =
          gday::cli::write_report(html_out, h::to_html_report(report.results, report.info));
      if (!written) return fail(written.error());
    }
    // exit_code() decides it, for the process and every report alike.
    if (report.exit_code == 2) {
      return usage_error(report.results.empty()
                             ? std::string("nothing was tested: no run was made")
                             : "nothing was tested: every selected run was skipped (" +
                                   report.results.front().reason + ")");
    }
    return report.exit_code;
  };

  if (client_mode) {
    if (creator_cmd.empty() && joiner_cmd.empty()) {
      return usage_error("--client needs --creator-cmd, --joiner-cmd or both");
    }
    // The harness is the server: flags that choose one would be ignored.
    for (const char* flag :
         {"server-cmd", "target", "target-v6", "ca", "insecure", "sni", "room-timeout",
          "request-limit", "allow-non-loopback", "embedded-fault", "no-liveness-probe", "slow"}) {
      if (vm.count(flag))
        return usage_error(std::string("--") + flag + " does not apply to --client");
    }
    if (client_timeout < 0) return usage_error("--client-timeout must be positive");
    h::client_options clients;
    if (!creator_cmd.empty()) clients.creator_cmd = creator_cmd;
    if (!joiner_cmd.empty()) clients.joiner_cmd = joiner_cmd;
    clients.stdin_text = client_stdin;
    clients.plain = vm.count("plain") > 0;
    clients.timeout_scale = timeout_scale;
    clients.seed = seed;
    if (client_timeout > 0) {
      clients.timeout = std::chrono::milliseconds(static_cast<long long>(client_timeout * 1000));
    }
    std::vector<wire::profile> profiles;
    if (protocol.empty() || protocol == "all") {
      profiles = {wire::profile::v1, wire::profile::v2, wire::profile::v3};
    } else if (auto p = wire::parse_profile(protocol)) {
      profiles = {*p};
    } else {
      return usage_error("with --client, --protocol takes 1, 2, 3 or all, not '" + protocol + "'");
    }
    run.rerun_prefix +=
        " --client" +
        (creator_cmd.empty() ? "" : " --creator-cmd " + base::shell_quote(creator_cmd)) +
        (joiner_cmd.empty() ? "" : " --joiner-cmd " + base::shell_quote(joiner_cmd));
    const std::size_t total = h::count_runs(*chosen, profiles);
    h::console_reporter console(stdout, use_colour, vm.count("verbose") > 0, total);
    std::printf("run-scenarios: %zu client scenario runs\n", total);
    std::fflush(stdout);
    auto report = h::run_client_suite(*chosen, clients, profiles, run,
                                      [&](const h::scenario_result& r) { console.on_result(r); });
    return finish_run(report, console);
  }

  auto chosen_target = gday::cli::make_target(target_flags, vm);
  if (!chosen_target) return usage_error(chosen_target.error().message);
  auto& target = *chosen_target->target;

  h::suite_options options;
  if (protocol.empty()) protocol = chosen_target->embedded ? "all" : "1";
  if (protocol == "all") {
    options.profiles = {wire::profile::v1, wire::profile::v2, wire::profile::v3};
  } else if (protocol == "auto") {
    auto p = h::probe_profile(target);
    if (!p) {
      return fail({p.error().code, "cannot tell the server's protocol: " + p.error().message});
    }
    std::printf("protocol auto: the server speaks %s\n", std::string(wire::to_string(*p)).c_str());
    options.profiles = {*p};
  } else if (auto p = wire::parse_profile(protocol)) {
    options.profiles = {*p};
  } else {
    return usage_error("--protocol takes 1, 2, 3, all or auto, not '" + protocol + "'");
  }
  options.run = run;

  const std::size_t total = h::count_runs(*chosen, options.profiles);
  h::console_reporter console(stdout, use_colour, vm.count("verbose") > 0, total);
  std::printf("run-scenarios: %zu scenario runs against %s\n", total, target.describe().c_str());
  std::fflush(stdout);
  if (options.run.liveness_probe && total > 0) {
    // A server that cannot do a plain exchange is one ERROR, not one per scenario.
    h::run_options first = options.run;
    first.profile = options.profiles.front();
    auto serves = h::check_target_serves(target, first);
    if (!serves) return fail(serves.error());
    if (!*serves) {
      std::printf(
          "note: the server answers a plain exchange, but not as the spec says; the probe after "
          "each scenario checks only that it still answers\n");
      options.run.probe_checks_answers = false;
    }
  }

  auto report = h::run_suite(*chosen, target, options,
                             [&](const h::scenario_result& r) { console.on_result(r); });
  return finish_run(report, console);
} catch (const std::exception& e) {
  std::fprintf(stderr, "run-scenarios: %s\n", e.what());
  return h::exit_code(h::error::usage);
}
