// gday-fuzz-remote: differential fuzzing of a gday contact exchange server
// over the network. Generates multi-party sessions, runs each against the
// server under test with the reference server's replies as expectations,
// and writes every difference, hang or crash as a minimised scenario that
// run-scenarios replays. Exit: 0 nothing found, 1 findings, 2 usage error,
// 3 target unusable (or a fuzzer defect showed).
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <random>

#include "gday/base/shell.hpp"
#include "gday/cli/program.hpp"
#include "gday/cli/target_options.hpp"
#include "gday/harness/report.hpp"
#include "gday/netfuzz/fuzzer.hpp"

namespace po = boost::program_options;
namespace nf = gday::netfuzz;
namespace wire = gday::wire;

namespace {

constexpr int exit_findings = 1;
constexpr std::string_view program = "gday-fuzz-remote";
const int exit_usage = gday::harness::exit_code(gday::harness::error::usage);
const int exit_target = gday::harness::exit_code(gday::harness::error::target_unusable);

int usage_error(const std::string& message) { return gday::cli::usage_error(program, message); }

}  // namespace

int main(int argc, char** argv) try {
  po::options_description opts("gday-fuzz-remote [options]");
  gday::cli::target_flags target_flags;
  std::string protocol = "1", out_dir = "fuzz-findings", json_out;
  std::uint64_t seed = 0, iterations = 0, reference_every = 25;
  double duration = 60, timeout_scale = 1.0;
  std::size_t max_findings = 10;
  unsigned settle_ms = 100;
  opts.add_options()("help,h", "show this help")("version", "print the version and exit")(
      "protocol", po::value(&protocol), "1, 2 or 3 (default 1)")(
      "seed", po::value(&seed), "seed of the sessions (default: random, printed)")(
      "iterations", po::value(&iterations), "stop after this many sessions")(
      "duration", po::value(&duration), "stop after this many seconds (default 60)")(
      "max-findings", po::value(&max_findings), "stop after this many findings (default 10)")(
      "out", po::value(&out_dir), "folder for reproducer scenarios (default fuzz-findings)")(
      "no-ipv6", "no IPv6 connections (a target without --target-v6 gets none anyway)")(
      "settle-ms", po::value(&settle_ms),
      "silence expected at the end of each session, ms (default 100)")(
      "reference-every", po::value(&reference_every),
      "also run every n-th session on the embedded reference (default 25; 0 never)")(
      "timeout-scale", po::value(&timeout_scale), "multiply every deadline (slow targets)")(
      "json", po::value(&json_out), "also write the run as JSON (docs/fuzzing.md)")(
      "verbose,v", "print each session's failure as it happens");
  po::options_description target_opts("Target (default: the embedded reference server)");
  gday::cli::add_target_options(target_opts, target_flags);
  opts.add(target_opts);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("version")) {
    std::cout << gday::cli::version_line(program) << "\n";
    return 0;
  }
  if (vm.count("help")) {
    std::cout << opts
              << "\nEach finding is written to OUT/<id>.json; replay it with\n"
                 "  run-scenarios --scenarios OUT --protocol N <the same target flags> <id>\n"
                 "Exit codes: 0 nothing found, 1 findings, 2 usage error, 3 target unusable.\n";
    return 0;
  }
  auto profile = wire::parse_profile(protocol);
  if (!profile) return usage_error("--protocol takes 1, 2 or 3, not '" + protocol + "'");
  if (duration <= 0) return usage_error("--duration must be positive");
  if (timeout_scale <= 0) return usage_error("--timeout-scale must be positive");
  if (settle_ms == 0) return usage_error("--settle-ms must be at least 1");
  if (max_findings == 0) return usage_error("--max-findings must be at least 1");
  if (vm.count("iterations") && iterations == 0) {
    return usage_error("--iterations must be at least 1");
  }

  auto chosen = gday::cli::make_target(target_flags, vm);
  if (!chosen) return usage_error(chosen.error().message);
  auto reference = gday::harness::make_embedded_target(chosen->plain, "");

  nf::fuzz_options options;
  options.profile = *profile;
  options.seed = vm.count("seed") ? seed : std::random_device{}() | 1ULL << 32;
  if (vm.count("iterations")) options.iterations = iterations;
  options.duration = std::chrono::milliseconds(static_cast<long long>(duration * 1000));
  options.max_findings = max_findings;
  options.out_dir = out_dir;
  options.ipv6 = !vm.count("no-ipv6") && (!chosen->remote || !target_flags.target6.empty());
  options.timeout_scale = timeout_scale;
  options.settle = std::chrono::milliseconds(settle_ms);
  options.fresh_servers = !chosen->remote;
  options.reference_every = reference_every;

  // The target flags again, for the replay command printed with findings.
  std::string replay_flags;
  for (const char* flag : {"server-cmd", "target", "target-v6", "ca", "sni", "room-timeout",
                           "request-limit", "embedded-fault"}) {
    if (!vm.count(flag) || vm[flag].defaulted()) continue;
    const auto& v = vm[flag].value();
    std::string text;
    if (const auto* s = boost::any_cast<std::string>(&v)) text = *s;
    if (const auto* d = boost::any_cast<double>(&v)) text = std::to_string(*d);
    if (const auto* u = boost::any_cast<std::uint32_t>(&v)) text = std::to_string(*u);
    replay_flags += std::string(" --") + flag + " " + gday::base::shell_quote(text);
  }
  for (const char* flag : {"insecure", "plain", "allow-non-loopback"}) {
    if (vm.count(flag)) replay_flags += std::string(" --") + flag;
  }

  const bool verbose = vm.count("verbose") > 0;
  std::printf("gday-fuzz-remote: fuzzing %s, protocol %s, seed %llu, for %g s%s\n",
              chosen->target->describe().c_str(), std::string(wire::to_string(*profile)).c_str(),
              static_cast<unsigned long long>(options.seed), duration,
              options.iterations
                  ? (" or " + std::to_string(*options.iterations) + " sessions").c_str()
                  : "");
  std::fflush(stdout);

  nf::fuzz_callbacks callbacks;
  callbacks.log = [&](const std::string& line, bool notable) {
    if (verbose || notable) std::printf("  %s\n", line.c_str());
    std::fflush(stdout);
  };
  callbacks.on_finding = [&](const nf::finding& f) {
    std::printf(
        "\nFINDING %s (%s, %zu actions minimised to %zu)\n  %s\n"
        "  reproducer: %s\n  replay: run-scenarios --scenarios %s --protocol %d%s%s %s\n",
        std::string(nf::to_string(f.kind)).c_str(), f.where.c_str(), f.actions_before,
        f.actions_after, f.reason.c_str(), f.file.c_str(), gday::base::shell_quote(out_dir).c_str(),
        wire::version_byte(*profile), replay_flags.c_str(),
        std::string(nf::replay_flags(f.kind)).c_str(), f.id.c_str());
    std::printf("%s", gday::harness::format_transcript(f.result.transcript).c_str());
    if (!f.result.server_log.empty()) {
      std::printf("  server output:\n%s", f.result.server_log.c_str());
    }
    std::fflush(stdout);
  };

  const auto summary = nf::run_fuzzer(*chosen->target, *reference, options, callbacks);
  const int code = !summary.target_error.empty() ? exit_target
                   : !summary.findings.empty()   ? exit_findings
                   : summary.reference_failures  ? exit_target
                                                 : 0;
  if (!json_out.empty()) {
    const std::string replay = "run-scenarios --scenarios " + gday::base::shell_quote(out_dir) +
                               " --protocol " + std::to_string(wire::version_byte(*profile)) +
                               replay_flags;
    const auto written = gday::cli::write_report(
        json_out,
        nf::summary_json(summary, options, chosen->target->describe(), replay, code).dump(2) +
            "\n");
    if (!written) return gday::cli::report_failure(program, written.error());
  }
  if (!summary.target_error.empty()) {
    std::fprintf(stderr, "gday-fuzz-remote: %s\n", summary.target_error.c_str());
    return code;
  }
  std::printf(
      "\n%llu sessions in %.1f s: %zu finding(s), %zu repeat(s) of a finding, %zu unconfirmed, "
      "%zu fuzzer defect(s)\n",
      static_cast<unsigned long long>(summary.iterations),
      static_cast<double>(summary.elapsed.count()) / 1000.0, summary.findings.size(),
      summary.duplicates, summary.unconfirmed, summary.reference_failures);
  if (summary.unconfirmed) {
    std::printf("unconfirmed failures (did not happen again) are kept in %s/unconfirmed/\n",
                out_dir.c_str());
  }
  return code;
} catch (const std::exception& e) {
  std::fprintf(stderr, "gday-fuzz-remote: %s\n", e.what());
  return exit_usage;
}
