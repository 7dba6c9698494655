// gday-load: load, soak and memory testing of any gday server (h2load for
// gday). Modes: exchange (default), idle, soak; --calibrate runs the same load
// against an in-process canned responder first and prints every figure as a
// ratio to that floor. Exit: 0 every exchange verified, 1 a wrong reply, a
// failed exchange or a soak limit exceeded, 2 usage, 3 target unusable.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gday/cli/program.hpp"
#include "gday/cli/target_options.hpp"
#include "gday/load/engine.hpp"
#include "gday/load/process_stats.hpp"
#include "gday/load/responder.hpp"
#include "gday/net/stream.hpp"

namespace po = boost::program_options;
namespace h = gday::harness;
namespace wire = gday::wire;
namespace load = gday::load;
using json = nlohmann::ordered_json;

namespace {

constexpr std::string_view program = "gday-load";
constexpr std::uint32_t launched_request_limit = 1000000000;

int usage_error(const std::string& message) { return gday::cli::usage_error(program, message); }

int unusable(const std::string& message) {
  return gday::cli::report_failure(program, {h::error::target_unusable, message});
}

// Raises the open-file limit to its hard maximum (inherited by a launched
// server): idle mode holds thousands of connections.
void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

double us(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

// The figures a run is compared by.
struct figures {
  double exchanges_per_s = 0, requests_per_s = 0, handshakes_per_s = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  double exchange_p99_us = 0, connect_p99_us = 0;
};

figures figures_of(const load::run_stats& s) {
  figures f;
  const double t = s.seconds > 0 ? s.seconds : 1;
  f.exchanges_per_s = static_cast<double>(s.exchanges_ok) / t;
  f.requests_per_s = static_cast<double>(s.requests) / t;
  f.handshakes_per_s = static_cast<double>(s.handshakes) / t;
  f.p50_us = us(s.request_latency.quantile(0.5));
  f.p90_us = us(s.request_latency.quantile(0.9));
  f.p99_us = us(s.request_latency.quantile(0.99));
  f.p999_us = us(s.request_latency.quantile(0.999));
  f.max_us = us(s.request_latency.max());
  f.exchange_p99_us = us(s.exchange_latency.quantile(0.99));
  f.connect_p99_us = us(s.connect_latency.quantile(0.99));
  return f;
}

json figures_json(const figures& f) {
  return json{{"exchanges_per_s", f.exchanges_per_s},
              {"requests_per_s", f.requests_per_s},
              {"handshakes_per_s", f.handshakes_per_s},
              {"request_latency_us",
               {{"p50", f.p50_us},
                {"p90", f.p90_us},
                {"p99", f.p99_us},
                {"p99.9", f.p999_us},
                {"max", f.max_us}}},
              {"exchange_latency_p99_us", f.exchange_p99_us},
              {"connect_latency_p99_us", f.connect_p99_us}};
}

json errors_json(const load::error_counts& e) {
  json out = json::object();
  for (std::size_t i = 0; i < load::error_kind_count; ++i) {
    if (e.by_kind[i])
      out[std::string(load::to_string(static_cast<load::error_kind>(i)))] = e.by_kind[i];
  }
  return out;
}

json stats_json(const load::run_stats& s) {
  return json{{"seconds", s.seconds},
              {"exchanges_verified", s.exchanges_ok},
              {"exchanges_failed", s.exchanges_failed},
              {"requests", s.requests},
              {"handshakes", s.handshakes},
              {"figures", figures_json(figures_of(s))},
              {"errors", errors_json(s.errors)},
              {"error_examples", s.error_examples}};
}

std::string fmt(double v) {
  char buf[64];
  if (v >= 1000) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (v >= 10) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  }
  return buf;
}

// One row of the final table: name, the target's value, the floor's, the ratio.
void row(const char* name, double value, const std::optional<double>& floor) {
  if (floor) {
    std::printf("  %-22s %12s %12s %8s\n", name, fmt(value).c_str(), fmt(*floor).c_str(),
                *floor > 0 ? fmt(value / *floor).c_str() : "-");
  } else {
    std::printf("  %-22s %12s\n", name, fmt(value).c_str());
  }
}

void print_table(const load::run_stats& s, const load::run_stats* floor_stats) {
  const auto f = figures_of(s);
  std::optional<figures> g;
  if (floor_stats) g = figures_of(*floor_stats);
  auto of = [&](double figures::*m) -> std::optional<double> {
    if (!g) return std::nullopt;
    return (*g).*m;
  };
  if (g) {
    std::printf("  %-22s %12s %12s %8s\n", "", "target", "floor", "ratio");
  }
  row("exchanges/s", f.exchanges_per_s, of(&figures::exchanges_per_s));
  row("requests/s", f.requests_per_s, of(&figures::requests_per_s));
  row("handshakes/s", f.handshakes_per_s, of(&figures::handshakes_per_s));
  row("request p50 (us)", f.p50_us, of(&figures::p50_us));
  row("request p90 (us)", f.p90_us, of(&figures::p90_us));
  row("request p99 (us)", f.p99_us, of(&figures::p99_us));
  row("request p99.9 (us)", f.p999_us, of(&figures::p999_us));
  row("request max (us)", f.max_us, of(&figures::max_us));
  row("exchange p99 (us)", f.exchange_p99_us, of(&figures::exchange_p99_us));
  row("connect p99 (us)", f.connect_p99_us, of(&figures::connect_p99_us));
}

void print_errors(const load::error_counts& e, const std::vector<std::string>& examples) {
  if (e.total() == 0) {
    std::printf("errors: none\n");
    return;
  }
  std::printf("errors: %llu\n", static_cast<unsigned long long>(e.total()));
  for (std::size_t i = 0; i < load::error_kind_count; ++i) {
    if (e.by_kind[i]) {
      std::printf("  %-30s %llu\n",
                  std::string(load::to_string(static_cast<load::error_kind>(i))).c_str(),
                  static_cast<unsigned long long>(e.by_kind[i]));
    }
  }
  for (const auto& x : examples) std::printf("  e.g. %s\n", x.c_str());
}

// A server resource sample (soak and the per-second series).
struct server_sample {
  double elapsed_s = 0;
  long rss_kib = -1, fds = -1;
};

}  // namespace

int main(int argc, char** argv) try {
  po::options_description opts("gday-load [options] [exchange|idle|soak]");
  std::string mode = "exchange", protocol = "1", json_out, csv_out;
  gday::cli::target_flags target_flags;
  unsigned pairs = 8;
  std::uint64_t exchanges = 0;
  double duration = 0, timeout = 10, warmup = -1;
  std::size_t connections = 1000;
  int server_pid = 0;
  std::uint32_t source_addresses = 254 * 256;
  unsigned rounds = 0;
  opts.add_options()("help,h", "show this help")("version", "print the version and exit")(
      "mode", po::value(&mode),
      "exchange (default): pairs run full exchanges, every reply verified; idle: hold "
      "connections that each created a room, report server RSS per connection; soak: exchange "
      "mode watching the server's RSS and file descriptors")(
      "pairs,c", po::value(&pairs), "concurrent creator/joiner pairs (default 8)")(
      "exchanges,n", po::value(&exchanges), "stop after this many exchanges")(
      "duration,D", po::value(&duration),
      "seconds to run (default 10; soak 600); with --exchanges, whichever comes first")(
      "fresh-connections", "open new connections (TLS handshakes) for every exchange")(
      "connections,k", po::value(&connections), "idle mode: connections to hold (default 1000)")(
      "warmup", po::value(&warmup),
      "soak: seconds before the RSS baseline is taken (default 10 % of the duration)")(
      "timeout", po::value(&timeout), "seconds each connect, handshake and reply may take (10)")(
      "protocol", po::value(&protocol), "protocol profile 1, 2 or 3 (default 1)")(
      "calibrate",
      "also run the same load against an in-process canned TLS responder (no rooms, no "
      "protocol logic), alternating with the target, and print every figure as a ratio to "
      "that floor")(
      "rounds", po::value(&rounds),
      "--calibrate: alternate floor and target in this many slices of the duration, so that "
      "both see the same machine (default: one per 5 s, at most 12)")(
      "server-pid", po::value(&server_pid),
      "the PID of a running server (--target) whose RSS and descriptors to watch")(
      "source-addresses", po::value(&source_addresses),
      "rotate connections over this many 127.x.y.z source addresses (default 65024; 0: off)")(
      "json", po::value(&json_out), "write the results as JSON to FILE")(
      "csv", po::value(&csv_out), "write the per-second series as CSV to FILE")(
      "progress", "print the per-second progress line even when stdout is not a terminal")(
      "quiet,q", "no per-second progress line")(
      "embedded", "load the in-process reference server instead of launching one");
  po::options_description target_opts(
      "Target (default: the gday-reference-server beside this program, launched with its "
      "connection caps and request limit raised)");
  gday::cli::add_target_options(target_opts, target_flags);
  opts.add(target_opts);
  po::positional_options_description positional;
  positional.add("mode", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << opts
              << "\nExit codes: 0 every exchange verified, 1 a wrong reply, a failed exchange or "
                 "a soak limit exceeded, 2 usage, 3 target unusable.\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << gday::cli::version_line(program) << "\n";
    return 0;
  }
  if (mode != "exchange" && mode != "idle" && mode != "soak") {
    return usage_error("the mode is exchange, idle or soak, not '" + mode + "'");
  }
  const auto profile = wire::parse_profile(protocol);
  if (!profile) return usage_error("--protocol takes 1, 2 or 3, not '" + protocol + "'");
  if (pairs < 1 || pairs > 100000) return usage_error("--pairs must be from 1 to 100000");
  if (vm.count("duration") && (duration <= 0 || duration > 7 * 86400)) {
    return usage_error("--duration must be positive (seconds)");
  }
  if (timeout <= 0) return usage_error("--timeout must be positive (seconds)");
  if (connections < 1 || connections > 1000000) {
    return usage_error("--connections must be from 1 to 1000000");
  }
  if (!vm.count("duration")) duration = (mode == "soak" ? 600 : (exchanges ? 0 : 10));
  if (mode == "soak" && warmup < 0) warmup = duration / 10;
  if (vm.count("calibrate") && mode == "idle") {
    return usage_error("--calibrate applies to exchange and soak modes");
  }
  const bool embedded = vm.count("embedded") > 0;
  if (embedded && (!target_flags.server_cmd.empty() || !target_flags.target4.empty())) {
    return usage_error("--embedded excludes --server-cmd and --target");
  }
  // The default target: the reference server beside this program, with its
  // connection caps and request limit out of the way.
  if (target_flags.server_cmd.empty() && target_flags.target4.empty() && !embedded &&
      target_flags.embedded_faults.empty()) {
    const auto dir = std::filesystem::canonical("/proc/self/exe").parent_path();
    target_flags.server_cmd = (dir / "gday-reference-server").string() + " -a 127.0.0.1:{port}" +
                              (vm.count("plain") ? " -u" : " -c {cert} -k {key}") +
                              " -t {timeout} -r {request_limit} --protocol " +
                              std::to_string(static_cast<int>(*profile)) +
                              " --max-connections-per-ip 100000 --max-connections 100000 -v warn";
  }
  raise_fd_limit();
  // The load runs over IPv4 (where source addresses can rotate); a flag
  // that would be ignored is refused instead.
  if (!target_flags.target6.empty()) {
    return usage_error("connections go over IPv4 only, so --target-v6 would be ignored: drop it");
  }
  auto chosen = gday::cli::make_target(target_flags, vm);
  if (!chosen) return gday::cli::report_failure(program, chosen.error());
  h::settings needs;  // a running server (--target) is taken as it is
  if (!chosen->remote) needs.request_limit = launched_request_limit;
  auto lease = chosen->target->prepare(needs, *profile);
  if (!lease) {
    auto why = lease.error();
    if (why.code == h::error::skip) why.code = h::error::target_unusable;
    return gday::cli::report_failure(program, why);
  }
  const auto& ep = (*lease)->endpoints();
  if (ep.port4 == 0) return unusable("gday-load needs an IPv4 address (--target HOST:PORT)");
  if (!server_pid) server_pid = (*lease)->server_pid();
  if (mode == "soak" && !server_pid) {
    return usage_error("soak mode watches the server's process: give --server-pid");
  }

  load::target_address target;
  boost::system::error_code ec;
  target.remote =
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(ep.host4, ec), ep.port4);
  if (ec) return unusable("bad address " + ep.host4);
  target.tls = ep.tls;
  target.server_name = ep.server_name;
  if (ep.tls) {
    auto ctx = gday::net::make_client_context(ep.tls_options);
    if (!ctx) return unusable(ctx.error().what());
    target.tls_context = *ctx;
  }
  const bool progress =
      !vm.count("quiet") && (vm.count("progress") || ::isatty(STDOUT_FILENO) == 1);
  const std::string describe = chosen->target->describe();
  json report{{"tool", "gday-load"},
              {"version", gday::cli::version_line(program)},
              {"mode", mode},
              {"target", describe},
              {"protocol", std::string(wire::to_string(*profile))},
              {"tls", target.tls}};
  int rc = 0;

  if (mode == "idle") {
    load::idle_options o;
    o.profile = *profile;
    o.connections = connections;
    o.timeout = std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
    o.source_addresses = source_addresses;
    std::optional<long> before, with;
    if (server_pid) before = load::rss_kib(server_pid);
    o.on_held = [&](std::size_t) {
      if (server_pid) with = load::rss_kib(server_pid);
    };
    std::printf("gday-load: idle mode, %zu connections each holding a room, %s\ntarget: %s\n",
                connections, target.tls ? "TLS" : "plain TCP", describe.c_str());
    std::fflush(stdout);
    const auto s = load::run_idle(target, o);
    std::printf("held %zu of %zu connections in %.2f s; %zu still served at the end\n", s.held,
                connections, s.seconds, s.served);
    json idle{{"connections", connections},
              {"held", s.held},
              {"served_at_end", s.served},
              {"seconds", s.seconds},
              {"connect_latency_p99_us", us(s.connect_latency.quantile(0.99))},
              {"errors", errors_json(s.errors)},
              {"error_examples", s.error_examples}};
    if (before && with && s.held) {
      const double per =
          static_cast<double>(*with - *before) * 1024.0 / 1000.0 / static_cast<double>(s.held);
      std::printf("server RSS: %ld KiB before, %ld KiB holding %zu connections: %.2f kB each\n",
                  *before, *with, s.held, per);
      idle["server_rss_kib_before"] = *before;
      idle["server_rss_kib_holding"] = *with;
      idle["server_rss_per_connection_kb"] = per;
    } else {
      std::printf("server RSS: unknown (no server PID; give --server-pid)\n");
    }
    print_errors(s.errors, s.error_examples);
    if (s.held == 0) {
      rc = 3;
      std::fprintf(stderr, "gday-load: no connection could hold a room\n");
    } else if (s.errors.total() || s.served != connections) {
      rc = 1;
    }
    report["idle"] = idle;
  } else {
    load::exchange_options o;
    o.profile = *profile;
    o.pairs = pairs;
    o.fresh_connections = vm.count("fresh-connections") > 0;
    if (duration > 0) {
      o.duration = std::chrono::milliseconds(static_cast<long long>(duration * 1000));
    }
    o.exchanges = exchanges;
    o.timeout = std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
    o.source_addresses = source_addresses;
    const std::string shape =
        std::to_string(pairs) + " pairs, " +
        (o.fresh_connections ? "fresh connections" : "persistent connections") + ", " +
        (target.tls ? "TLS" : "plain TCP") + ", protocol " + std::string(wire::to_string(*profile));
    std::string bound;
    if (o.duration) bound = fmt(duration) + " s";
    if (exchanges)
      bound += (bound.empty() ? "" : " or ") + std::to_string(exchanges) + " exchanges";
    std::printf("gday-load: %s mode, %s, %s\ntarget: %s\n", mode.c_str(), shape.c_str(),
                bound.c_str(), describe.c_str());
    std::fflush(stdout);
    report["pairs"] = pairs;
    report["fresh_connections"] = o.fresh_connections;
    report["duration_s"] = duration;
    report["exchanges_limit"] = exchanges;

    const auto run_start = std::chrono::steady_clock::now();
    auto on_second_of = [&](const char* who, std::vector<server_sample>* samples) {
      return [&, who, samples](const load::second_sample& s) {
        server_sample r;
        r.elapsed_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
        if (samples && server_pid) {
          r.rss_kib = load::rss_kib(server_pid).value_or(-1);
          r.fds = load::open_fds(server_pid).value_or(-1);
          samples->push_back(r);
        }
        if (progress) {
          std::printf("[%s %5.0f s] %8llu exchanges/s  p50 %7.1f us  p99 %8.1f us  %llu errors",
                      who, r.elapsed_s, static_cast<unsigned long long>(s.exchanges), us(s.p50_ns),
                      us(s.p99_ns), static_cast<unsigned long long>(s.errors));
          if (r.rss_kib >= 0) std::printf("  server %ld KiB, %ld fds", r.rss_kib, r.fds);
          std::printf("\n");
          std::fflush(stdout);
        }
      };
    };

    std::optional<load::run_stats> floor;
    std::unique_ptr<load::canned_responder> responder;
    load::target_address calib;
    if (vm.count("calibrate")) {
      auto started = load::canned_responder::start(*profile, !target.tls);
      if (!started) return unusable(started.error());
      responder = std::move(*started);
      calib.remote = responder->endpoint();
      calib.tls = target.tls;
      if (target.tls) {
        auto ctx = gday::net::make_client_context(responder->client_options());
        if (!ctx) return unusable(ctx.error().what());
        calib.tls_context = *ctx;
      }
      // Floor and target alternate in slices, so that a machine shared with
      // other work loads both alike.
      if (!vm.count("rounds")) {
        rounds = o.duration && !exchanges ? std::clamp(static_cast<unsigned>(duration / 5), 1u, 12u)
                                          : 1u;
      }
      rounds = std::max(rounds, 1u);
      std::printf(
          "calibration: the same load against an in-process canned responder, alternating "
          "with the target in %u round(s)\n",
          rounds);
      std::fflush(stdout);
    } else {
      rounds = 1;
    }
    std::vector<server_sample> samples;
    std::optional<long> rss_start, fds_start;
    if (server_pid) {
      rss_start = load::rss_kib(server_pid);
      fds_start = load::open_fds(server_pid);
    }
    load::run_stats s;
    for (unsigned round = 0; round < rounds; ++round) {
      auto slice = o;
      if (o.duration) slice.duration = *o.duration / rounds;
      if (exchanges) slice.exchanges = exchanges / rounds + (round < exchanges % rounds ? 1 : 0);
      if (responder) {
        auto co = slice;
        co.verify_contacts = false;
        co.on_second = on_second_of("floor ", nullptr);
        auto part = load::run_exchange_load(calib, co);
        if (!floor) floor.emplace();
        load::merge(*floor, part);
      }
      slice.on_second = on_second_of("target", &samples);
      load::merge(s, load::run_exchange_load(target, slice));
    }
    responder.reset();
    std::optional<long> rss_end;
    if (server_pid) rss_end = load::rss_kib(server_pid);

    std::printf("\nfinished in %.2f s: %llu exchanges verified, %llu failed\n", s.seconds,
                static_cast<unsigned long long>(s.exchanges_ok),
                static_cast<unsigned long long>(s.exchanges_failed));
    print_table(s, floor ? &*floor : nullptr);
    print_errors(s.errors, s.error_examples);
    if (floor && floor->errors.total()) {
      std::printf("calibration floor had errors too:\n");
      print_errors(floor->errors, floor->error_examples);
    }
    report["result"] = stats_json(s);
    report["calibration_rounds"] = floor ? rounds : 0;
    if (floor) {
      report["calibration"] = stats_json(*floor);
      const auto f = figures_of(s), g = figures_of(*floor);
      auto ratio = [](double a, double b) { return b > 0 ? json(a / b) : json(nullptr); };
      report["ratios"] = {{"exchanges_per_s", ratio(f.exchanges_per_s, g.exchanges_per_s)},
                          {"requests_per_s", ratio(f.requests_per_s, g.requests_per_s)},
                          {"handshakes_per_s", ratio(f.handshakes_per_s, g.handshakes_per_s)},
                          {"request_p50", ratio(f.p50_us, g.p50_us)},
                          {"request_p99", ratio(f.p99_us, g.p99_us)},
                          {"request_p99.9", ratio(f.p999_us, g.p999_us)}};
    }
    json server = json::object();
    if (server_pid) {
      server["pid"] = server_pid;
      if (rss_start) server["rss_kib_start"] = *rss_start;
      if (rss_end) server["rss_kib_end"] = *rss_end;
      if (fds_start) server["fds_start"] = *fds_start;
      if (rss_start && rss_end) {
        std::printf("server RSS: %ld KiB at the start, %ld KiB at the end\n", *rss_start, *rss_end);
      }
    }
    bool soak_failed = false;
    if (mode == "soak") {
      // Baseline: the first sample after the warm-up; end: the last sample.
      const server_sample* base = nullptr;
      for (const auto& x : samples) {
        if (x.elapsed_s >= warmup && x.rss_kib >= 0) {
          base = &x;
          break;
        }
      }
      const server_sample* last = samples.empty() ? nullptr : &samples.back();
      if (!base || !last || last->rss_kib < 0) {
        std::printf("soak: too short for a baseline after %.0f s of warm-up\n", warmup);
        soak_failed = true;
      } else {
        long peak_rss = 0, peak_fds = 0;
        for (const auto& x : samples) {
          peak_rss = std::max(peak_rss, x.rss_kib);
          peak_fds = std::max(peak_fds, x.fds);
        }
        const double rss_growth =
            static_cast<double>(last->rss_kib) / static_cast<double>(base->rss_kib) - 1;
        const double fds_growth =
            base->fds > 0 ? static_cast<double>(last->fds) / static_cast<double>(base->fds) - 1 : 0;
        const bool rss_ok = rss_growth <= 0.10;
        const bool fds_ok = last->fds <= base->fds + std::max(2L, base->fds / 10);
        soak_failed = !rss_ok || !fds_ok;
        std::printf(
            "soak: server RSS %ld KiB after %.0f s of warm-up, %ld KiB at the end (%+.1f %%, "
            "peak %ld): %s\n",
            base->rss_kib, base->elapsed_s, last->rss_kib, rss_growth * 100, peak_rss,
            rss_ok ? "flat" : "GREW more than 10 %");
        std::printf("soak: server fds %ld after warm-up, %ld at the end (peak %ld): %s\n",
                    base->fds, last->fds, peak_fds, fds_ok ? "flat" : "GREW");
        server["soak"] = {{"warmup_s", warmup},           {"rss_kib_after_warmup", base->rss_kib},
                          {"rss_kib_end", last->rss_kib}, {"rss_kib_peak", peak_rss},
                          {"rss_growth", rss_growth},     {"fds_after_warmup", base->fds},
                          {"fds_end", last->fds},         {"fds_peak", peak_fds},
                          {"fds_growth", fds_growth},     {"passed", !soak_failed}};
      }
    }
    if (!server.empty()) report["server"] = server;

    if (!csv_out.empty()) {
      std::ostringstream csv;
      csv << "run,second,exchanges_per_s,requests_per_s,handshakes_per_s,errors,p50_us,p99_us,"
             "server_rss_kib,server_fds\n";
      auto emit = [&](const char* run, const load::run_stats& r,
                      const std::vector<server_sample>* srv) {
        for (std::size_t i = 0; i < r.series.size(); ++i) {
          const auto& x = r.series[i];
          long rss = -1, fds = -1;
          if (srv && i < srv->size()) {
            rss = (*srv)[i].rss_kib;
            fds = (*srv)[i].fds;
          }
          csv << run << "," << x.elapsed_s << "," << x.exchanges << "," << x.requests << ","
              << x.handshakes << "," << x.errors << "," << us(x.p50_ns) << "," << us(x.p99_ns)
              << "," << (rss >= 0 ? std::to_string(rss) : "") << ","
              << (fds >= 0 ? std::to_string(fds) : "") << "\n";
        }
      };
      if (floor) emit("floor", *floor, nullptr);
      emit("target", s, &samples);
      if (auto w = gday::cli::write_report(csv_out, csv.str()); !w) {
        return gday::cli::report_failure(program, w.error());
      }
    }

    const bool dead = !(*lease)->alive();
    bool only_transport = s.exchanges_ok == 0 && s.errors.total() > 0;
    for (std::size_t i = 0; i < load::error_kind_count; ++i) {
      if (s.errors.by_kind[i] && load::is_wrong_reply(static_cast<load::error_kind>(i))) {
        only_transport = false;
      }
    }
    if (dead) {
      std::fprintf(stderr, "gday-load: the server exited during the run\n%s",
                   (*lease)->log().c_str());
      rc = 3;
    } else if (only_transport) {
      std::fprintf(stderr, "gday-load: no exchange completed: the target is unusable\n");
      rc = 3;
    } else if (s.errors.total() || s.exchanges_failed || soak_failed) {
      rc = 1;
    }
  }
  if (rc != 3 && mode == "idle" && !(*lease)->alive()) {
    std::fprintf(stderr, "gday-load: the server exited during the run\n%s",
                 (*lease)->log().c_str());
    rc = 3;
  }
  report["exit_code"] = rc;
  if (!json_out.empty()) {
    if (auto w = gday::cli::write_report(json_out, report.dump(2) + "\n"); !w) {
      return gday::cli::report_failure(program, w.error());
    }
  }
  return rc;
} catch (const std::exception& e) {
  std::fprintf(stderr, "gday-load: %s\n", e.what());
  return 3;
}
