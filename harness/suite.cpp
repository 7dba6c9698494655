#include "gday/harness/suite.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

#include "probe.hpp"

namespace gday::harness {
namespace {

bool glob_match(const std::string& pattern, const std::string& id) {
  return pattern == id || ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0 ||
         ::fnmatch((pattern + "/*").c_str(), id.c_str(), 0) == 0;
}

bool applies(const scenario& s, wire::profile p) {
  return std::find(s.profiles.begin(), s.profiles.end(), p) != s.profiles.end();
}

std::string iso_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

result<std::vector<const scenario*>> select_scenarios(const std::vector<scenario>& all,
                                                      const selection& chosen) {
  std::vector<const scenario*> out;
  std::vector<bool> used(chosen.include.size(), false);
  for (const auto& s : all) {
    bool in = chosen.include.empty();
    for (std::size_t i = 0; i < chosen.include.size(); ++i) {
      if (glob_match(chosen.include[i], s.id)) in = used[i] = true;
    }
    for (const auto& ex : chosen.exclude) {
      if (glob_match(ex, s.id)) in = false;
    }
    if (in) out.push_back(&s);
  }
  for (std::size_t i = 0; i < chosen.include.size(); ++i) {
    if (!used[i]) return failure{error::usage, "'" + chosen.include[i] + "' matches no scenario"};
  }
  if (out.empty()) return failure{error::usage, "the selection matches no scenario"};
  return out;
}

result<wire::profile> probe_profile(target& t) {
  auto server = t.prepare(settings{}, wire::profile::v1);
  if (!server) return failure{error::target_unusable, server.error().message};
  const auto timeout = std::chrono::seconds(5);
  const endpoint_info& ep = (*server)->endpoints();
  auto p = detail::probe::open(ep, 4, ep.tls, {}, wire::profile::v1, timeout);
  if (!p) return p.error();
  if (auto written = (*p)->write(std::string("\x00\x00\x00", 3), chunking{}, timeout); !written) {
    return written.error();
  }
  auto e = (*p)->next(timeout);
  if (e.raw.empty()) {
    return failure{error::target_unusable, "the server sent nothing back to a version-0 header"};
  }
  auto profile = wire::parse_profile(std::to_string(static_cast<unsigned char>(e.raw[0])));
  if (!profile) {
    return failure{error::target_unusable,
                   "the server answered with version byte " +
                       std::to_string(static_cast<unsigned char>(e.raw[0]))};
  }
  return *profile;
}

std::size_t count_runs(const std::vector<const scenario*>& scenarios,
                       const std::vector<wire::profile>& profiles) {
  std::size_t total = 0;
  for (const auto* s : scenarios) {
    total += static_cast<std::size_t>(
        std::count_if(profiles.begin(), profiles.end(), [&](auto p) { return applies(*s, p); }));
  }
  return total;
}

suite_report run_suite(const std::vector<const scenario*>& scenarios, target& t,
                       const suite_options& options,
                       const std::function<void(const scenario_result&)>& on_result) {
  suite_report report;
  report.info.target = t.describe();
  report.info.started_at = iso_now();
  report.info.strict = options.run.strict;
  const auto started = std::chrono::steady_clock::now();
  std::mutex report_mutex;
  const auto report_one = [&](const scenario_result& r) {
    std::lock_guard lock(report_mutex);
    if (on_result) on_result(r);
  };
  std::vector<run_options> runs(options.profiles.size(), options.run);
  for (std::size_t k = 0; k < runs.size(); ++k) {
    runs[k].profile = options.profiles[k];
    runs[k].rerun_prefix += " --protocol " + std::to_string(wire::version_byte(runs[k].profile));
  }
  // Slow scenarios wait on real time: every run of one (each profile) gets a
  // thread of its own, started before the rest, so that the slow tier costs
  // about its longest scenario, not the sum.
  const bool slow_apart = options.run.slow && t.parallel();
  struct slow_run {
    std::size_t profile_index;
    const scenario* s;
    scenario_result result;
  };
  std::vector<slow_run> slow_runs;
  if (slow_apart) {
    for (std::size_t k = 0; k < runs.size(); ++k) {
      for (const scenario* s : scenarios) {
        if (is_slow(*s) && applies(*s, runs[k].profile)) slow_runs.push_back({k, s, {}});
      }
    }
  }
  std::vector<std::thread> slow_threads;
  for (std::size_t i = 0; i < slow_runs.size(); ++i) {
    slow_threads.emplace_back([&, i] {
      slow_run& one = slow_runs[i];
      const run_options& run = runs[one.profile_index];
      // Slots far above the batches' (their index): own source addresses.
      one.result = run_scenario(*one.s, t, run, static_cast<unsigned>(60000 + i));
      if (run.expected) apply_baseline(one.result, *run.expected);
      report_one(one.result);
    });
  }
  std::vector<std::vector<scenario_result>> batches(runs.size());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    std::vector<const scenario*> applicable;
    std::copy_if(scenarios.begin(), scenarios.end(), std::back_inserter(applicable),
                 [&](const scenario* s) {
                   return applies(*s, runs[k].profile) && !(slow_apart && is_slow(*s));
                 });
    batches[k] = run_all(applicable, t, runs[k], report_one);
    if (!t.restartable()) {
      const auto gone = std::find_if(batches[k].begin(), batches[k].end(),
                                     [](const scenario_result& r) { return stopped_serving(r); });
      if (gone != batches[k].end()) {
        report.info.stopped_after =
            gone->id + " [" + std::string(wire::to_string(gone->profile)) + "]";
        break;
      }
    }
    const bool failed =
        std::any_of(batches[k].begin(), batches[k].end(),
                    [&](const scenario_result& r) { return fails_run(r, runs[k].strict); });
    if (runs[k].fail_fast && failed) break;
  }
  for (auto& th : slow_threads) th.join();
  // Each profile's results in scenario order, slow ones in their place.
  for (std::size_t k = 0; k < runs.size(); ++k) {
    auto& batch = batches[k];
    const std::size_t before = batch.size();
    for (auto& one : slow_runs) {
      if (one.profile_index == k) batch.push_back(std::move(one.result));
    }
    if (batch.size() != before) {
      std::stable_sort(batch.begin(), batch.end(),
                       [](const auto& a, const auto& b) { return a.id < b.id; });
    }
    report.results.insert(report.results.end(), std::make_move_iterator(batch.begin()),
                          std::make_move_iterator(batch.end()));
  }
  report.info.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.info.liveness_probe = options.run.liveness_probe;
  for (const auto& r : report.results) {
    if (!r.liveness.ran) continue;
    ++report.info.probes;
    report.info.probe_s += static_cast<double>(r.liveness.duration.count()) / 1000.0;
  }
  report.totals = tally(report.results);
  report.exit_code = exit_code(report.totals, options.run.strict);
  return report;
}

suite_report run_client_suite(const std::vector<const scenario*>& scenarios,
                              const client_options& clients,
                              const std::vector<wire::profile>& profiles, const run_options& run,
                              const std::function<void(const scenario_result&)>& on_result) {
  suite_report report;
  report.info.target =
      "clients under test:" +
      (clients.creator_cmd ? " creator '" + *clients.creator_cmd + "'" : std::string()) +
      (clients.joiner_cmd ? " joiner '" + *clients.joiner_cmd + "'" : std::string());
  report.info.started_at = iso_now();
  report.info.strict = run.strict;
  report.info.liveness_probe = false;  // the harness is the server: nothing to probe
  const auto started = std::chrono::steady_clock::now();
  // Every (profile, scenario) run is independent (a server, a room and a
  // folder of its own), so up to `run.jobs` run at once; results keep the
  // order of a one-at-a-time run.
  struct one_run {
    wire::profile profile;
    const scenario* s;
    std::optional<scenario_result> result;
  };
  std::vector<one_run> work;
  for (wire::profile p : profiles) {
    for (const scenario* s : scenarios) {
      if (applies(*s, p)) work.push_back({p, s, std::nullopt});
    }
  }
  std::mutex mutex;
  std::size_t next = 0;
  bool stop = false;
  auto worker = [&] {
    while (true) {
      std::size_t i = 0;
      {
        std::lock_guard lock(mutex);
        if (stop || next == work.size()) return;
        i = next++;
      }
      client_options options = clients;
      options.profile = work[i].profile;
      scenario_result r = run_client_scenario(*work[i].s, options);
      r.rerun = run.rerun_prefix + " --protocol " +
                std::to_string(wire::version_byte(work[i].profile)) + " " + work[i].s->id;
      if (run.expected) apply_baseline(r, *run.expected);
      std::lock_guard lock(mutex);
      if (on_result) on_result(r);
      if (run.fail_fast && fails_run(r, run.strict)) stop = true;
      work[i].result = std::move(r);
    }
  };
  const unsigned jobs = std::clamp<unsigned>(run.jobs, 1, 64);
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::min<std::size_t>(jobs, work.size()); ++j)
    threads.emplace_back(worker);
  worker();
  for (auto& th : threads) th.join();
  for (auto& w : work) {
    if (w.result) report.results.push_back(std::move(*w.result));
  }
  report.info.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.totals = tally(report.results);
  report.exit_code = exit_code(report.totals, run.strict);
  return report;
}

}  // namespace gday::harness
