#include "gday/netfuzz/fuzzer.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "gday/harness/loader.hpp"
#include "gday/harness/runner.hpp"
#include "gday/harness/writer.hpp"
#include "gday/netfuzz/oracle.hpp"

namespace gday::netfuzz {
namespace {

using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

// How one run of a session went.
struct outcome {
  bool failed = false;
  finding_kind kind = finding_kind::difference;
  std::string signature;
  harness::scenario_result result;
  std::optional<harness::scenario> file;  // the scenario that ran
  std::string internal;  // set when the scenario could not be built (a fuzzer defect)
};

class fuzz_run {
 public:
  fuzz_run(harness::target& under_test, harness::target& reference, const fuzz_options& options,
           const fuzz_callbacks& callbacks)
      : target_(under_test), reference_(reference), options_(options), callbacks_(callbacks) {}

  fuzz_summary run() {
    const auto started = clock_type::now();
    std::error_code ec;
    fs::create_directories(options_.out_dir, ec);
    if (ec) {
      summary_.target_error = "cannot create " + options_.out_dir + ": " + ec.message();
      return summary_;
    }
    // A session without actions is just the liveness exchange. The reference
    // must pass it (else the fuzzer is broken); the target must at least be
    // reachable; if it answers otherwise, that is the first finding.
    session empty{options_.profile, {{"a", 4}}, {}, {}};
    const std::string preflight = id_for_name("preflight");
    auto ref = attempt(empty, reference_, preflight, false);
    if (ref.failed || !ref.internal.empty()) {
      summary_.target_error = "internal error: the reference does not complete a plain exchange: " +
                              (ref.internal.empty() ? ref.result.reason : ref.internal);
      return summary_;
    }
    auto first = attempt(empty, target_, preflight, false);
    if (!first.internal.empty() ||
        (first.result.outcome == harness::verdict::error && !first.result.server_died)) {
      summary_.target_error =
          "cannot fuzz the target: " +
          (first.internal.empty() ? first.result.reason : first.internal) +
          (first.result.server_log.empty() ? "" : "\nserver output:\n" + first.result.server_log);
      return summary_;
    }
    if (first.failed) handle_failure(preflight, "the preflight exchange", 0, 0, empty, first);
    if (stop_) return finish(started);
    generator_options gen;
    gen.profile = options_.profile;
    gen.ipv6 = options_.ipv6;
    bool fresh = false;
    for (std::uint64_t i = 0;; ++i) {
      if (options_.iterations && i >= *options_.iterations) break;
      if (clock_type::now() - started >= options_.duration) break;
      if (summary_.findings.size() >= options_.max_findings || stop_) break;
      const std::uint64_t seed = session_seed(options_.seed, i);
      const session s = generate_session(seed, gen);
      const std::string id = id_for(i);
      auto o = attempt(s, target_, id, fresh);
      fresh = false;
      ++summary_.iterations;
      if (!o.internal.empty()) {
        report_internal(id, o, "cannot build the scenario: " + o.internal);
        continue;
      }
      if (options_.reference_every && i % options_.reference_every == 0) {
        auto check = attempt(s, reference_, id, false);
        if (check.failed) {
          report_internal(id, check, "the reference failed: " + check.result.reason);
        }
      }
      if (summary_.iterations % 100 == 0) log(std::to_string(summary_.iterations) + " sessions");
      if (o.failed) {
        fresh = options_.fresh_servers;
        handle_failure(id, "session " + std::to_string(i), i, seed, s, o);
      }
      previous_ = earlier_session{id, "session " + std::to_string(i), i, seed, s};
    }
    return finish(started);
  }

 private:
  fuzz_summary finish(clock_type::time_point started) {
    summary_.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    return summary_;
  }

  std::string id_for(std::uint64_t iteration) const {
    return id_for_name(std::to_string(iteration));
  }
  std::string id_for_name(const std::string& name) const {
    return "fuzz-v" + std::to_string(wire::version_byte(options_.profile)) + "-" +
           std::to_string(options_.seed) + "-" + name;
  }

  void log(const std::string& line, bool notable = false) {
    if (callbacks_.log) callbacks_.log(line, notable);
  }

  // Builds the scenario for `s` and runs it on `t`.
  outcome attempt(const session& s, harness::target& t, const std::string& id, bool fresh) {
    outcome o;
    build_options b;
    b.id = id;
    b.settle = options_.settle;
    auto built = build_scenario(s, b);
    if (!built) {
      o.internal = built.error();
      return o;
    }
    o.file = built->scenario;
    auto sc = harness::parse_scenario(harness::write_scenario(*o.file), id + ".json", id);
    if (!sc) {
      o.internal = "the built scenario does not load: " + sc.error().what();
      return o;
    }
    if (fresh) sc->needs.fresh_server = true;
    harness::run_options ro;
    ro.profile = options_.profile;
    ro.timeout_scale = options_.timeout_scale;
    // The scenario ends with its own fresh exchange, whose answers it checks;
    // the runner's probe after it only has to notice a server that answers
    // nothing any more.
    ro.probe_checks_answers = false;
    ro.seed = session_seed(options_.seed ^ 0x5eed, runs_) | 1;
    ro.rerun_prefix = "run-scenarios --scenarios " + options_.out_dir + " --protocol " +
                      std::to_string(wire::version_byte(options_.profile));
    // Every run comes from its own 127.0.x.y, so per-IP rate limits of a
    // long-running target do not add up across sessions.
    const auto slot = static_cast<unsigned>(runs_++ % 62000);
    o.result = harness::run_scenario(*sc, t, ro, slot);
    using harness::verdict;
    if (o.result.outcome == verdict::pass) return o;
    if (o.result.outcome == verdict::non_strict) {
      // Generated scenarios are MUST: only the byte check (J-9) makes one
      // NON-STRICT. Each set of broken IDs is one finding.
      if (o.result.non_canonical.empty()) return o;
      o.failed = true;
      o.kind = finding_kind::non_canonical_reply;
      o.signature = std::string(to_string(o.kind));
      for (const auto& broken : o.result.non_canonical) o.signature += " " + broken;
      return o;
    }
    if (o.result.outcome == verdict::skip) {
      o.internal = "the target skipped the scenario: " + o.result.reason;
      return o;
    }
    o.failed = true;
    std::size_t step = 0;
    const bool has_step = std::sscanf(o.result.failed_step.c_str(), "/steps/%zu", &step) == 1;
    // In the liveness exchange, an answer that is merely different is a
    // difference; no answer, a refused or closed connection is not serving.
    const bool no_answer = o.result.reason.find("timed out") != std::string::npos ||
                           o.result.reason.find("closed") != std::string::npos ||
                           o.result.reason.find("cannot open") != std::string::npos;
    if (o.result.server_died) {
      o.kind = finding_kind::crashed;
    } else if (!has_step || (step >= built->liveness_from && no_answer)) {
      o.kind = finding_kind::stopped_serving;
    } else {
      o.kind = finding_kind::difference;
    }
    // One crash or hang is reported once: its first symptom varies.
    o.signature = std::string(to_string(o.kind));
    if (o.kind == finding_kind::difference) o.signature += ": " + signature_of(o.result.reason);
    return o;
  }

  bool same_failure(const outcome& a, const outcome& b) const {
    return a.failed && b.failed && a.kind == b.kind &&
           (!about_replies(a.kind) || a.signature == b.signature);
  }

  // The session run before the current one (blamed when a target that
  // cannot be restarted is found gone before a session could start).
  struct earlier_session {
    std::string id, where;
    std::uint64_t iteration = 0, seed = 0;
    session s;
  };

  void handle_failure(std::string id, std::string where, std::uint64_t i, std::uint64_t seed,
                      const session& failed, const outcome& o) {
    if (seen_.count(o.signature)) {
      ++summary_.duplicates;
      log(id + ": " + o.signature + " (seen before)");
      return;
    }
    session small = failed;
    outcome last = o;
    std::string reason = o.result.reason;
    // A target we cannot restart that stopped serving fails every later run
    // the same way: nothing can be re-run or minimised, and the input to
    // blame is this session or, when not even its first connection opened,
    // the one before.
    bool server_gone = !options_.fresh_servers && !about_replies(o.kind);
    if (server_gone) {
      if (o.result.failed_step.empty() && previous_) {
        reason = "the server stopped serving after " + previous_->where + " (" + reason + ")";
        id = previous_->id;
        where = previous_->where;
        i = previous_->iteration;
        seed = previous_->seed;
        small = previous_->s;
      }
    } else {
      log(id + ": " + std::string(to_string(o.kind)) + ": " + reason + "; reproducing");
      // A finding must happen again, on a fresh server when there can be one.
      auto again = attempt(failed, target_, id, options_.fresh_servers);
      if (!same_failure(o, again)) {
        if (!options_.fresh_servers && again.failed && !about_replies(again.kind)) {
          // The re-run found the server gone: this session stopped it.
          server_gone = true;
          reason += "; on a second run: " + again.result.reason;
          last.kind = again.kind;
          last.signature = again.signature;
        } else {
          ++summary_.unconfirmed;
          // Its id names its path, so that `run-scenarios --scenarios OUT`
          // still loads the folder (and can replay it).
          harness::scenario kept = *o.file;
          kept.id = "unconfirmed/" + id;
          write(fs::path(options_.out_dir) / "unconfirmed" / (id + ".json"), kept);
          log(id + ": did not happen again; kept as unconfirmed/" + id + ".json");
          return;
        }
      } else {
        last = std::move(again);
        minimise(small, last, id);
        reason = last.result.reason;
      }
    }
    if (server_gone) {
      log(id + ": " + std::string(to_string(last.kind)) + ": " + reason +
          "; the target cannot be restarted, so the session is kept as it is");
    }
    // The reproducer must pass on the reference: else the oracle is wrong.
    auto ref = attempt(small, reference_, id, false);
    if (ref.failed || !ref.internal.empty()) {
      report_internal(id, ref, "the reproducer fails on the reference too: " + ref.result.reason);
      return;
    }
    finding f;
    f.kind = last.kind;
    f.iteration = i;
    f.where = where;
    f.session_seed = seed;
    f.id = id;
    f.file = (fs::path(options_.out_dir) / (id + ".json")).string();
    f.reason = reason;
    f.signature = last.signature;
    f.actions_before = failed.actions.size();
    f.actions_after = small.actions.size();
    f.result = last.result;
    write(f.file, *ref.file);  // the scenario of `small`, as it passed on the reference
    seen_.insert(o.signature);
    seen_.insert(last.signature);
    summary_.findings.push_back(f);
    if (callbacks_.on_finding) callbacks_.on_finding(summary_.findings.back());
    if (server_gone) {
      log("the target is no longer serving and cannot be restarted: fuzzing stops", true);
      stop_ = true;
    }
  }

  // Removes actions (halves, then quarters, ... then single ones) and write
  // splits while the failure stays the same. `last` ends as the run of the
  // smallest session that still fails.
  void minimise(session& s, outcome& last, const std::string& id) {
    std::size_t budget = options_.max_minimise_runs;
    auto still_fails = [&](const session& candidate) {
      if (budget == 0) return false;
      --budget;
      auto o = attempt(candidate, target_, id, options_.fresh_servers);
      if (!same_failure(last, o)) return false;
      last = std::move(o);
      return true;
    };
    std::size_t chunk = std::max<std::size_t>(1, s.actions.size() / 2);
    while (budget > 0 && !s.actions.empty()) {
      bool removed = false;
      for (std::size_t start = 0; start < s.actions.size() && budget > 0;) {
        session candidate = s;
        const auto from = candidate.actions.begin() + static_cast<std::ptrdiff_t>(start);
        const auto to = candidate.actions.begin() +
                        static_cast<std::ptrdiff_t>(std::min(start + chunk, s.actions.size()));
        candidate.actions.erase(from, to);
        if (still_fails(candidate)) {
          s = std::move(candidate);
          removed = true;
        } else {
          start += chunk;
        }
      }
      if (chunk == 1 && !removed) break;
      chunk = std::max<std::size_t>(1, chunk / 2);
    }
    for (std::size_t i = 0; i < s.actions.size() && budget > 0; ++i) {
      if (s.actions[i].chunks == harness::chunking{}) continue;
      session candidate = s;
      candidate.actions[i].chunks = {};
      if (still_fails(candidate)) s = std::move(candidate);
    }
  }

  void report_internal(const std::string& id, const outcome& o, const std::string& why) {
    ++summary_.reference_failures;
    const auto path = fs::path(options_.out_dir) / ("internal-" + id + ".json");
    if (o.file) write(path, *o.file);
    log("internal error (a fuzzer defect, please report it) in " + id + ": " + why +
            (o.file ? "; scenario kept as " + path.string() : ""),
        true);
  }

  void write(const fs::path& path, const harness::scenario& file) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary);
    out << harness::write_scenario(file);
    if (!out) log("cannot write " + path.string(), true);
  }

  harness::target& target_;
  harness::target& reference_;
  const fuzz_options& options_;
  const fuzz_callbacks& callbacks_;
  fuzz_summary summary_;
  std::set<std::string> seen_;
  std::uint64_t runs_ = 0;
  bool stop_ = false;  // the target is gone for good
  std::optional<earlier_session> previous_;
};

}  // namespace

std::string_view to_string(finding_kind k) noexcept {
  switch (k) {
    case finding_kind::difference:
      return "difference";
    case finding_kind::stopped_serving:
      return "stopped serving";
    case finding_kind::crashed:
      return "crashed";
    case finding_kind::non_canonical_reply:
      return "non-canonical reply";
  }
  return "?";
}

bool about_replies(finding_kind k) noexcept {
  return k == finding_kind::difference || k == finding_kind::non_canonical_reply;
}

std::string_view replay_flags(finding_kind k) noexcept {
  return k == finding_kind::non_canonical_reply ? " --strict" : "";
}

std::uint64_t session_seed(std::uint64_t seed, std::uint64_t iteration) noexcept {
  // splitmix64 of the pair: neighbouring iterations get unrelated sessions.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (iteration + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string signature_of(std::string_view reason) {
  // The runner says "... (got X, expected Y); expected <the whole list>":
  // the first difference is the misbehaviour, the rest depends on the session.
  static const std::regex first_difference("\\(got ([^()]*)\\)");
  static const std::regex field("\\(([A-Za-z]+[A-Za-z0-9.]*) is [^()]*, expected [^()]*\\)");
  static const std::regex pointer("/steps(/[0-9]+|/concurrent)*(: )?");
  static const std::regex connection("'[a-z][a-z0-9_]*'");
  static const std::regex numbers("[0-9]+");
  std::string text(reason);
  std::smatch m;
  if (std::regex_search(text, m, first_difference)) {
    text = "got " + m[1].str();
  } else if (std::regex_search(text, m, field)) {
    text = m[1].str() + " differs";
  } else {
    text = text.substr(0, text.find(';'));
  }
  text = std::regex_replace(text, pointer, "");
  text = std::regex_replace(text, connection, "'_'");
  return std::regex_replace(text, numbers, "#");
}

nlohmann::json summary_json(const fuzz_summary& summary, const fuzz_options& options,
                            const std::string& target, const std::string& replay_prefix,
                            int exit_code) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : summary.findings) {
    findings.push_back({{"id", f.id},
                        {"kind", std::string(to_string(f.kind))},
                        {"where", f.where},
                        {"session_seed", f.session_seed},
                        {"reason", f.reason},
                        {"signature", f.signature},
                        {"reproducer", f.file},
                        {"replay", replay_prefix + std::string(replay_flags(f.kind)) + " " + f.id},
                        {"actions_before", f.actions_before},
                        {"actions_after", f.actions_after},
                        {"server_log", f.result.server_log}});
  }
  nlohmann::json out = {{"tool", "gday-fuzz-remote"},
                        {"target", target},
                        {"protocol", std::string(wire::to_string(options.profile))},
                        {"seed", options.seed},
                        {"sessions", summary.iterations},
                        {"elapsed_s", static_cast<double>(summary.elapsed.count()) / 1000.0},
                        {"findings", findings},
                        {"repeats", summary.duplicates},
                        {"unconfirmed", summary.unconfirmed},
                        {"fuzzer_defects", summary.reference_failures},
                        {"exit_code", exit_code}};
  if (!summary.target_error.empty()) out["target_error"] = summary.target_error;
  return out;
}

fuzz_summary run_fuzzer(harness::target& under_test, harness::target& reference,
                        const fuzz_options& options, const fuzz_callbacks& callbacks) {
  return fuzz_run(under_test, reference, options, callbacks).run();
}

}  // namespace gday::netfuzz
