#include "gday/harness/runner.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "gday/harness/canonical.hpp"
#include "gday/harness/encode.hpp"
#include "gday/server/server.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/frame.hpp"
#include "liveness.hpp"
#include "probe.hpp"

namespace gday::harness {
namespace {

using detail::probe;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// Why a step did not go as the scenario says.
struct step_failure {
  std::string reason;
  bool harness_error = false;  // the target failed, not the server's behaviour
  bool must = false;           // fails the scenario whatever its grade
};

void add_requirement(scenario_result& r, const std::string& id) {
  if (std::find(r.requirements.begin(), r.requirements.end(), id) == r.requirements.end()) {
    r.requirements.push_back(id);
  }
}

class scenario_run {
 public:
  scenario_run(const scenario& s, lease& server, const run_options& options, unsigned slot,
               std::uint64_t seed)
      : s_(s), server_(server), options_(options), rng_(seed) {
    // Each scenario's IPv4 connections come from their own loopback address,
    // so per-IP rate limits do not bleed between scenarios.
    bind_v4_ =
        "127.0." + std::to_string(1 + (slot / 250) % 250) + "." + std::to_string(2 + slot % 250);
    for (const auto& name : s.rooms) rooms_[name] = make_room_code();
    checks_single_write_ =
        std::find(s.requirements.begin(), s.requirements.end(), "T-6") != s.requirements.end();
  }

  // Runs the steps; `r` comes with the scenario's header filled in.
  scenario_result run(scenario_result r) {
    start_ = clock_type::now();
    std::optional<step_failure> failure;
    for (const auto& c : s_.connections) {
      if (c.lazy) continue;
      if (auto f = connect(c, /*initial=*/true)) {
        failure = f;
        break;
      }
    }
    std::string failed_step;
    if (!failure) {
      for (const auto& st : s_.steps) {
        if (auto f = execute(st)) {
          failure = f;
          failed_step = st.pointer;
          break;
        }
      }
    }
    r.duration = std::chrono::duration_cast<milliseconds>(clock_type::now() - start_);
    if (noncanonical_) {
      r.non_canonical = noncanonical_->requirements;
      for (const auto& id : noncanonical_->requirements) add_requirement(r, id);
    }
    if (!failure) {
      r.outcome = lowered_ || noncanonical_ ? verdict::non_strict : verdict::pass;
      r.matched_note = lowered_note_;
      if (lowered_) r.reason = "matched a lower-graded alternative: " + lowered_note_;
      if (noncanonical_) {
        r.reason = (r.reason.empty() ? "" : r.reason + "; ") + noncanonical_step_ + ": " +
                   noncanonical_->describe();
      }
    } else {
      r.failed_step = failed_step;
      r.reason = (failed_step.empty() ? "" : failed_step + ": ") + failure->reason;
      r.server_died = server_.exited_within(scaled(milliseconds(250)));
      no_answer_ = std::none_of(transcript_.begin(), transcript_.end(), [](const auto& e) {
        return e.what == transcript_entry::kind::received;
      });
      if (failure->harness_error || r.server_died) {
        r.outcome = verdict::error;
        if (r.server_died) r.reason = "server crashed or exited, after " + r.reason;
      } else {
        r.outcome = s_.level == grade::must || failure->must ? verdict::fail : verdict::non_strict;
        if (failure->must) add_requirement(r, "J-9");
      }
    }
    for (auto& [name, p] : conns_) p.reset();
    r.transcript = std::move(transcript_);
    r.reply_latency_ms = std::move(latencies_);
    return r;
  }

  // After run(): it failed, and the server sent not one byte of a reply
  // (refused, handshake failed, timed out or closed), rather than answering
  // wrongly.
  bool no_answer() const { return no_answer_; }

 private:
  // ---- helpers --------------------------------------------------------------

  double now_ms() const {
    return std::chrono::duration<double, std::milli>(clock_type::now() - start_).count();
  }

  milliseconds scaled(milliseconds d) const {
    return milliseconds(
        static_cast<long long>(static_cast<double>(d.count()) * options_.timeout_scale));
  }

  void record(const std::string& conn, transcript_entry::kind what, std::string bytes,
              std::string decoded, std::string text = {}) {
    std::lock_guard lock(mutex_);
    transcript_.push_back(transcript_entry{now_ms(), conn, what, std::move(bytes),
                                           std::move(decoded), std::move(text)});
  }

  std::string make_room_code() {
    if (options_.profile == wire::profile::v1) {
      std::string code(32, '\0');
      for (auto& c : code) c = static_cast<char>(rng_() & 0xff);
      return code;
    }
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string code = "gdc-";
    for (int i = 0; i < 20; ++i) code += alphabet[rng_() % 36];
    return code;
  }

  std::string decode_for_transcript(const std::string& body, bool from_server) const {
    if (from_server) {
      auto m = wire::decode_server_msg(body, options_.profile);
      if (m) {
        auto canonical = wire::encode_body(*m, options_.profile);
        if (canonical && *canonical == body) return *canonical;
        // Decoded, hence text: show what came, and upstream's form beside it.
        return body + "  (not byte-exact, J-9; upstream writes " +
               (canonical ? *canonical : std::string("?")) + ")";
      }
      return "undecodable: " + m.error().what();
    }
    auto m = wire::decode_client_msg(body, options_.profile);
    if (m) return std::string(wire::variant_name(*m));
    return "(not a valid request: " + m.error().what() + ")";
  }

  bool tls_of(const std::string& name) const {
    const auto* c = spec(name);
    return c && c->tls.value_or(server_.endpoints().tls);
  }

  probe* conn(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = conns_.find(name);
    return it == conns_.end() ? nullptr : it->second.get();
  }

  const connection_spec* spec(const std::string& name) const {
    for (const auto& c : s_.connections) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }

  std::optional<step_failure> connect(const connection_spec& c, bool initial) {
    const auto& ep = server_.endpoints();
    const bool tls = c.tls.value_or(ep.tls);
    auto p = probe::open(ep, c.family, tls, bind_v4_, options_.profile, scaled(milliseconds(5000)));
    if (!p) {
      record(c.name, transcript_entry::kind::event, {}, {}, "connect failed: " + p.error().message);
      return step_failure{"cannot open connection '" + c.name + "': " + p.error().message, initial};
    }
    const auto local = (*p)->local();
    std::string from = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                               : local.address().to_string();
    record(c.name, transcript_entry::kind::event, {}, {},
           "connected from " + from + ":" + std::to_string(local.port()) +
               (tls ? " (TLS)" : " (plain TCP)"));
    std::lock_guard lock(mutex_);
    conns_[c.name] = std::move(*p);
    return std::nullopt;
  }

  // The address connection `name` has as the server sees it, in Rust's form.
  std::string address_of(const std::string& name) {
    probe* p = conn(name);
    if (!p) return "<no connection " + name + ">";
    const auto ep = server::to_core_endpoint(p->local());
    if (const auto* v4 = std::get_if<wire::socket_addr_v4>(&ep)) return wire::to_string(*v4);
    return wire::to_string(std::get<wire::socket_addr_v6>(ep));
  }

  // ---- steps ----------------------------------------------------------------

  std::optional<step_failure> execute(const step& st) {
    switch (st.what) {
      case step::kind::connect: {
        const auto* c = spec(st.conn);
        if (!c) return step_failure{"connection '" + st.conn + "' is not declared", true};
        return connect(*c, false);
      }
      case step::kind::send:
      case step::kind::send_body:
      case step::kind::send_raw:
        return send(st, step_bytes(st, options_.profile, rooms_));
      case step::kind::expect:
        return expect(st);
      case step::kind::expect_closed:
        return expect_closed(st);
      case step::kind::expect_silence:
        return expect_silence(st);
      case step::kind::wait:
        std::this_thread::sleep_for(st.scaled ? scaled(st.duration) : st.duration);
        return std::nullopt;
      case step::kind::close: {
        probe* p = conn(st.conn);
        if (!p) return step_failure{"connection '" + st.conn + "' is not open", true};
        static const char* names[] = {"FIN", "RST", "half-close"};
        record(st.conn, transcript_entry::kind::event, {}, {},
               std::string("client closes (") + names[static_cast<int>(st.how)] + ")");
        p->close(st.how);
        return std::nullopt;
      }
      case step::kind::concurrent:
        return concurrent(st);
    }
    return std::nullopt;
  }

  std::optional<step_failure> send(const step& st, const std::string& bytes) {
    probe* p = conn(st.conn);
    if (!p) return step_failure{"connection '" + st.conn + "' is not open", true};
    const std::string body = bytes.size() >= 3 ? bytes.substr(3) : std::string();
    record(st.conn, transcript_entry::kind::sent, bytes, decode_for_transcript(body, false));
    chunking chunks = st.chunks;
    chunks.pause = scaled(chunks.pause);
    const auto written = p->write(bytes, chunks, scaled(milliseconds(5000)));
    {
      // Requests sent while the connection waits for its peer are answered
      // late on purpose (M-7): they say nothing about reply latency (T-6).
      std::lock_guard lock(mutex_);
      if (!waiting_.count(st.conn)) sent_at_[st.conn] = clock_type::now();
    }
    if (!written) {
      record(st.conn, transcript_entry::kind::event, {}, {}, written.error().message);
      return step_failure{"could not send on '" + st.conn + "': " + written.error().message};
    }
    return std::nullopt;
  }

  // One event from the server on `name`, recorded.
  probe::event receive(const std::string& name, milliseconds timeout) {
    probe* p = conn(name);
    const auto read_from = clock_type::now();
    auto e = p->next(timeout);
    switch (e.what) {
      case probe::event::kind::frame: {
        {
          std::lock_guard lock(mutex_);
          const auto type = wire::decode_server_msg(e.body, options_.profile);
          if (type && (type->type == wire::server_msg_type::peer_contact ||
                       type->type == wire::server_msg_type::error_peer_timed_out)) {
            waiting_.erase(name);
            sent_at_.erase(name);
          } else if (type && type->type == wire::server_msg_type::client_contact) {
            waiting_.insert(name);
          }
          auto sent = sent_at_.find(name);
          // Only a reply the harness was already waiting for when it came
          // measures the server (not one that sat unread during a wait step).
          if (sent != sent_at_.end() && read_from - sent->second > milliseconds(5)) {
            sent_at_.erase(sent);
            sent = sent_at_.end();
          }
          if (sent != sent_at_.end()) {
            latencies_.push_back(
                std::chrono::duration<double, std::milli>(clock_type::now() - sent->second)
                    .count());
            sent_at_.erase(sent);
          }
        }
        record(name, transcript_entry::kind::received, e.raw, decode_for_transcript(e.body, true));
        break;
      }
      case probe::event::kind::closed:
        record(name, transcript_entry::kind::event, e.raw, {}, e.detail);
        break;
      case probe::event::kind::bad_frame:
        record(name, transcript_entry::kind::received, e.raw, e.detail);
        break;
      case probe::event::kind::timeout:
        if (!e.raw.empty()) {
          record(name, transcript_entry::kind::received, e.raw,
                 "(an unfinished frame: " + std::to_string(e.raw.size()) + " bytes so far)");
        }
        break;
    }
    return e;
  }

  // Does `msg` match `pattern`? If not, `why` says how it differs.
  bool matches(const reply_pattern& pattern, const wire::server_msg& msg, std::string& why) {
    const std::string name(wire::variant_name(msg.type));
    if (!pattern.type.empty() && pattern.type != name) {
      why = "got " + name + ", expected " + pattern.type;
      return false;
    }
    if (pattern.contact && wire::carries_contact(msg.type)) {
      const auto& c = *pattern.contact;
      if (c.contains("contact")) {
        const std::string ref = c["contact"].get<std::string>();
        std::optional<wire::full_contact> captured;
        {
          std::lock_guard lock(mutex_);
          auto it = captures_.find(ref.size() > 3 ? ref.substr(2, ref.size() - 3) : ref);
          if (it != captures_.end()) captured = it->second;
        }
        if (!captured || !(*captured == msg.contact)) {
          why = name + " is " + wire::describe(msg.contact) +
                ", expected the contact captured as " + ref +
                (captured ? ": " + wire::describe(*captured) : std::string(" (not captured)"));
          return false;
        }
      }
      for (const char* part : {"local", "public"}) {
        if (!c.contains(part)) continue;
        const wire::contact& have =
            std::string(part) == "local" ? msg.contact.local : msg.contact.public_;
        for (const char* family : {"v4", "v6"}) {
          if (!c[part].contains(family)) continue;
          const auto& want = c[part][family];
          std::optional<std::string> got;
          if (std::string(family) == "v4" && have.v4) got = wire::to_string(*have.v4);
          if (std::string(family) == "v6" && have.v6) got = wire::to_string(*have.v6);
          std::string expected;
          bool ok = false;
          if (want.is_null()) {
            ok = !got;
            expected = "null";
          } else {
            std::string w = want.get<std::string>();
            if (w == "*") {
              ok = got.has_value();
              expected = "an address";
            } else {
              if (!w.empty() && w[0] == '@') w = address_of(w.substr(1));
              // Normalise literals through the Rust display form.
              if (auto a4 = wire::parse_socket_addr_v4(w)) w = wire::to_string(*a4);
              if (auto a6 = wire::parse_socket_addr_v6(w)) w = wire::to_string(*a6);
              ok = got && *got == w;
              expected = w;
            }
          }
          if (!ok) {
            why = name + "." + part + "." + family + " is " + got.value_or("null") + ", expected " +
                  expected;
            return false;
          }
        }
      }
    }
    return true;
  }

  std::optional<step_failure> expect(const step& st) {
    if (!conn(st.conn)) return step_failure{"connection '" + st.conn + "' is not open", true};
    std::vector<wire::server_msg> got;
    bool closed = false;
    std::string close_detail;
    std::string last_mismatch;
    const auto deadline = clock_type::now() + scaled(st.timeout);
    const auto silence = scaled(milliseconds(300));
    while (true) {
      // Which alternatives are still possible, and is one complete?
      const alternative* complete = nullptr;
      bool viable_any = false;
      bool wants_open = false;
      for (const auto& alt : st.alternatives) {
        if (got.size() > alt.replies.size()) continue;
        bool prefix = true;
        for (std::size_t i = 0; i < got.size() && prefix; ++i) {
          std::string why;
          prefix = matches(alt.replies[i], got[i], why);
          if (!prefix) last_mismatch = why;
        }
        if (!prefix) continue;
        if (closed && got.size() < alt.replies.size()) continue;
        if (closed && alt.then_open) continue;
        viable_any = true;
        if (got.size() == alt.replies.size()) {
          if (alt.then_closed && !closed) continue;
          if (alt.then_open && !closed) {
            wants_open = true;
            continue;
          }
          if (!complete) complete = &alt;
        }
      }
      if (complete && !wants_open) return accept(*complete, got);
      if (!viable_any) {
        std::string what = describe_received(got, closed, close_detail);
        return step_failure{"unexpected " + what +
                            (last_mismatch.empty() ? "" : " (" + last_mismatch + ")") +
                            "; expected " + describe_alternatives(st)};
      }
      // Need more: the next event, or (for "then open") silence.
      auto left = std::chrono::duration_cast<milliseconds>(deadline - clock_type::now());
      if (wants_open) left = silence;
      if (closed) {
        return step_failure{"the connection was closed (" + close_detail + ") after " +
                            describe_received(got, false, {}) + "; expected " +
                            describe_alternatives(st)};
      }
      if (left.count() <= 0) {
        if (complete) return accept(*complete, got);
        return step_failure{"timed out after " + describe_received(got, false, {}) + "; expected " +
                            describe_alternatives(st)};
      }
      auto e = receive(st.conn, left);
      if (e.what == probe::event::kind::timeout) {
        if (wants_open) {
          for (const auto& alt : st.alternatives) {
            if (alt.then_open && alt.replies.size() == got.size()) {
              bool prefix = true;
              for (std::size_t i = 0; i < got.size() && prefix; ++i) {
                std::string why;
                prefix = matches(alt.replies[i], got[i], why);
              }
              if (prefix) return accept(alt, got);
            }
          }
        }
        if (complete) return accept(*complete, got);
        const std::string partial =
            e.raw.empty() ? ""
                          : " (" + std::to_string(e.raw.size()) + " bytes of an unfinished frame)";
        return step_failure{"timed out after " + describe_received(got, false, {}) + partial +
                            "; expected " + describe_alternatives(st)};
      }
      if (e.what == probe::event::kind::bad_frame) return step_failure{e.detail};
      if (e.what == probe::event::kind::closed) {
        closed = true;
        close_detail = e.detail;
        continue;
      }
      auto msg = wire::decode_server_msg(e.body, options_.profile);
      if (!msg) {
        // Upstream's client could not read it, whatever the scenario's grade.
        step_failure f{"undecodable reply (an upstream client rejects it, J-9): " +
                       msg.error().what()};
        f.must = true;
        return f;
      }
      // T-6: over TLS every write is its own record, so a reply that took
      // several reads was written in pieces (header, then body).
      if (checks_single_write_ && e.reads > 1 && tls_of(st.conn)) {
        return step_failure{std::string(wire::variant_name(msg->type)) + " arrived in " +
                            std::to_string(e.reads) +
                            " TLS records: the reply was not written in one write (T-6)"};
      }
      if (auto d = compare_canonical(e.body, *msg, options_.profile)) {
        std::lock_guard lock(mutex_);
        if (!noncanonical_) {
          noncanonical_ = std::move(*d);
          noncanonical_step_ = st.pointer;
        }
      }
      got.push_back(*msg);
    }
  }

  std::optional<step_failure> accept(const alternative& alt,
                                     const std::vector<wire::server_msg>& got) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < alt.replies.size() && i < got.size(); ++i) {
      if (!alt.replies[i].capture.empty()) captures_[alt.replies[i].capture] = got[i].contact;
    }
    if (alt.grade && *alt.grade != grade::must) {
      lowered_ = true;
      lowered_note_ = alt.note.empty()
                          ? "an alternative graded " + std::string(to_string(*alt.grade))
                          : alt.note;
    }
    return std::nullopt;
  }

  static std::string describe_received(const std::vector<wire::server_msg>& got, bool closed,
                                       const std::string& detail) {
    std::string out;
    for (const auto& m : got)
      out += (out.empty() ? "" : ", ") + std::string(wire::variant_name(m.type));
    if (out.empty()) out = "no reply";
    if (closed) out += ", then " + (detail.empty() ? std::string("closed") : detail);
    return out;
  }

  static std::string describe_alternatives(const step& st) {
    std::string out;
    for (const auto& alt : st.alternatives) {
      std::string one;
      for (const auto& p : alt.replies)
        one += (one.empty() ? "" : ", ") + (p.type.empty() ? "*" : p.type);
      if (one.empty()) one = "no reply";
      if (alt.then_closed) one += " then closed";
      if (alt.then_open) one += " then open";
      out += (out.empty() ? "" : " | ") + one;
    }
    return out;
  }

  std::optional<step_failure> expect_closed(const step& st) {
    if (!conn(st.conn)) return step_failure{"connection '" + st.conn + "' is not open", true};
    const auto deadline = clock_type::now() + scaled(st.timeout);
    while (true) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock_type::now());
      auto e = receive(st.conn, std::max(left, milliseconds(0)));
      if (e.what == probe::event::kind::closed) return std::nullopt;
      if (e.what == probe::event::kind::timeout) {
        return step_failure{"the server did not close the connection within " +
                            std::to_string(scaled(st.timeout).count()) + " ms"};
      }
      if (e.what == probe::event::kind::bad_frame) return step_failure{e.detail};
      return step_failure{"expected the connection to close, got a reply: " +
                          decode_for_transcript(e.body, true)};
    }
  }

  std::optional<step_failure> expect_silence(const step& st) {
    if (!conn(st.conn)) return step_failure{"connection '" + st.conn + "' is not open", true};
    auto e = receive(st.conn, scaled(st.duration));
    switch (e.what) {
      case probe::event::kind::timeout:
        if (!e.raw.empty()) {
          return step_failure{"expected silence, got " + std::to_string(e.raw.size()) +
                              " bytes of an unfinished frame"};
        }
        return std::nullopt;
      case probe::event::kind::closed:
        return step_failure{"expected the connection to stay open and silent, but it was " +
                            e.detail};
      default:
        return step_failure{"expected silence, got a reply: " +
                            decode_for_transcript(e.body, true)};
    }
  }

  std::optional<step_failure> concurrent(const step& st) {
    std::vector<std::optional<step_failure>> failures(st.branches.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < st.branches.size(); ++i) {
      threads.emplace_back([&, i] {
        for (const auto& inner : st.branches[i]) {
          if (auto f = execute_branch_step(inner)) {
            f->reason = inner.pointer + ": " + f->reason;
            failures[i] = f;
            return;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    for (auto& f : failures) {
      if (f) return f;
    }
    return std::nullopt;
  }

  // Branches touch shared maps only under mutex_ (record, connect) or for
  // reading connections that no other branch uses.
  std::optional<step_failure> execute_branch_step(const step& st) { return execute(st); }

  const scenario& s_;
  lease& server_;
  const run_options& options_;
  std::mt19937_64 rng_;
  std::string bind_v4_;
  room_codes rooms_;
  std::map<std::string, std::unique_ptr<probe>> conns_;
  std::map<std::string, wire::full_contact> captures_;
  std::map<std::string, clock_type::time_point> sent_at_;
  std::set<std::string> waiting_;  // connections between ClientContact and PeerContact
  std::vector<transcript_entry> transcript_;
  std::vector<double> latencies_;
  std::mutex mutex_;
  clock_type::time_point start_;
  bool lowered_ = false;
  bool no_answer_ = false;
  std::optional<canonical_difference> noncanonical_;  // the first reply not byte-exact (J-9)
  std::string noncanonical_step_;
  bool checks_single_write_ = false;  // the scenario checks T-6
  std::string lowered_note_;
};

// A result carrying the scenario's id, summary, requirements, grade and profile.
scenario_result result_for(const scenario& s, wire::profile p) {
  scenario_result r;
  r.id = s.id;
  r.summary = s.summary;
  r.requirements = s.requirements;
  r.level = s.level;
  r.profile = p;
  return r;
}

// One run of the liveness probe on `server`, from source-address slot `slot`.
struct probe_outcome {
  scenario_result result;
  bool served = false;     // the exchange went as the spec says (NON-STRICT bytes included)
  bool no_answer = false;  // it failed without one byte of a reply
};
probe_outcome run_liveness_probe(lease& server, const run_options& options, unsigned slot,
                                 std::uint64_t seed) {
  const endpoint_info& ep = server.endpoints();
  const scenario& s = detail::liveness_scenario(ep.port4 != 0, ep.port6 != 0);
  scenario_run run(s, server, options, slot, seed);
  probe_outcome out;
  out.result = run.run(result_for(s, options.profile));
  out.served = out.result.outcome == verdict::pass || out.result.outcome == verdict::non_strict;
  out.no_answer = run.no_answer();
  return out;
}

// The liveness probe after `r`'s scenario, on the same server: a failure
// turns a passing scenario into FAIL (F-6) and discards the server.
void check_liveness(scenario_result& r, lease& server, const run_options& options, unsigned slot,
                    std::uint64_t seed) {
  const probe_outcome probe = run_liveness_probe(
      server, options, slot + detail::liveness_slot_offset, seed ^ 0x9e3779b97f4a7c15ULL);
  const scenario_result& p = probe.result;
  r.liveness.ran = true;
  r.liveness.duration = p.duration;
  // A wrong answer from a server whose plain exchange was wrong from the
  // start still served.
  r.liveness.passed = probe.served || (!options.probe_checks_answers && !probe.no_answer);
  if (r.liveness.passed) return;
  r.liveness.reason = p.reason;
  const double offset = static_cast<double>(r.duration.count());
  r.transcript.push_back(transcript_entry{offset,
                                          "probe",
                                          transcript_entry::kind::event,
                                          {},
                                          {},
                                          "liveness probe (after the scenario): it failed"});
  for (transcript_entry e : p.transcript) {
    e.at_ms += offset;
    r.transcript.push_back(std::move(e));
  }
  server.discard();
  if (p.server_died) {
    r.server_died = true;
    r.outcome = verdict::error;
    r.reason =
        "server crashed or exited after the scenario (found by the liveness probe: " + p.reason +
        ")";
    return;
  }
  add_requirement(r, "F-6");
  const std::string stopped =
      "the server stopped serving after this scenario (liveness probe: " + p.reason + ")";
  if (r.outcome == verdict::pass || r.outcome == verdict::non_strict) {
    r.outcome = verdict::fail;
    r.failed_step = "(liveness probe)";
    r.reason = stopped;
  } else {
    r.reason += "; then " + stopped;
  }
}

}  // namespace

result<bool> check_target_serves(target& t, const run_options& options) {
  auto server = t.prepare(settings{}, options.profile);
  if (!server) return failure{error::target_unusable, server.error().message};
  const std::uint64_t seed = options.seed != 0 ? options.seed : std::random_device{}();
  // Its own source address, below every scenario's probe.
  const probe_outcome probe =
      run_liveness_probe(**server, options, detail::liveness_slot_offset - 1, seed);
  const scenario_result& p = probe.result;
  if (probe.served) return true;
  // Answered, but not as the spec says: the scenarios will tell what is wrong.
  if (!probe.no_answer) return false;
  std::string log = (*server)->log();
  return failure{error::target_unusable,
                 "the server does not complete a plain exchange (liveness probe before the "
                 "first scenario): " +
                     p.reason + "\n" + format_transcript(p.transcript) +
                     (log.empty() ? "" : "server output:\n" + log)};
}

bool stopped_serving(const scenario_result& r) noexcept {
  return r.liveness.ran && !r.liveness.passed;
}

namespace {

// A scenario with a connection over an address family the target has no
// listener for is SKIPped, saying what to do; the scenarios of spec T-2
// (listen on IPv4 and IPv6) are NON-STRICT instead when the server was seen
// refusing IPv6, whatever their own grade: T-2 is a SHOULD.
bool skip_for_missing_family(const scenario& s, const endpoint_info& ep, scenario_result& r) {
  bool v4 = false, v6 = false;
  for (const auto& c : s.connections) (c.family == 6 ? v6 : v4) = true;
  if (v4 && ep.port4 == 0) {
    r.outcome = verdict::skip;
    r.reason = "needs an IPv4 connection, and the target has no IPv4 address (--target HOST:PORT)";
    return true;
  }
  if (!v6 || ep.port6 != 0) return false;
  const bool dual_stack_rule =
      std::find(s.requirements.begin(), s.requirements.end(), "T-2") != s.requirements.end();
  if (dual_stack_rule && !ep.no_v6_seen.empty()) {
    r.outcome = verdict::non_strict;
    r.reason = "T-2: the server does not listen on IPv6: " + ep.no_v6_seen;
    return true;
  }
  r.outcome = verdict::skip;
  r.reason =
      ep.no_v6_seen.empty()
          ? "needs an IPv6 connection: give the server's IPv6 address with --target-v6"
          : "needs an IPv6 connection, and the server does not listen on IPv6: " + ep.no_v6_seen;
  return true;
}

}  // namespace

scenario_result run_scenario(const scenario& s, target& t, const run_options& options,
                             unsigned slot) {
  scenario_result r = result_for(s, options.profile);
  const bool slow = is_slow(s);
  r.rerun = options.rerun_prefix + t.rerun_flags() + (slow ? " --slow " : " ") + s.id;
  if (slow && !options.slow) {
    r.outcome = verdict::skip;
    r.reason = "slow: run with --slow";
    return r;
  }
  // A body template for another profile only: not applicable here.
  std::function<bool(const std::vector<step>&)> has_body = [&](const std::vector<step>& steps) {
    for (const auto& st : steps) {
      if (st.what == step::kind::send_body && !st.bodies.count("*") &&
          !st.bodies.count(std::string(wire::to_string(options.profile)))) {
        return false;
      }
      for (const auto& b : st.branches) {
        if (!has_body(b)) return false;
      }
    }
    return true;
  };
  if (!has_body(s.steps)) {
    r.outcome = verdict::skip;
    r.reason = "no request body for " + std::string(wire::to_string(options.profile));
    return r;
  }
  // Room timeouts stretch with every other deadline (--timeout-scale), so
  // the scenario's waits keep their relation to them.
  settings needs = s.needs;
  if (needs.max_room_timeout_s) *needs.max_room_timeout_s *= options.timeout_scale;
  if (needs.min_room_timeout_s) *needs.min_room_timeout_s *= options.timeout_scale;
  auto server = t.prepare(needs, options.profile);
  if (!server) {
    r.outcome = server.error().code == error::skip ? verdict::skip : verdict::error;
    r.reason = server.error().message;
    return r;
  }
  if (skip_for_missing_family(s, (*server)->endpoints(), r)) return r;
  std::uint64_t seed = options.seed;
  if (seed == 0) seed = std::random_device{}();
  seed ^= std::hash<std::string>{}(s.id) + slot;
  scenario_run run(s, **server, options, slot, seed);
  scenario_result out = run.run(std::move(r));
  // Not after an ERROR: the target failed or the server is gone already.
  if (options.liveness_probe && out.outcome != verdict::error) {
    check_liveness(out, **server, options, slot, seed);
  }
  out.server_log = (*server)->log();
  return out;
}

std::vector<scenario_result> run_all(const std::vector<const scenario*>& scenarios, target& t,
                                     const run_options& options,
                                     const std::function<void(const scenario_result&)>& on_result) {
  std::vector<scenario_result> results(scenarios.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex report_mutex;
  std::string stop_reason = "not run (--fail-fast after an earlier failure)";
  const unsigned jobs = t.parallel() ? std::max(1u, options.jobs) : 1u;
  auto run_one = [&](std::size_t i) {
    if (stop) {
      auto& r = results[i] = result_for(*scenarios[i], options.profile);
      r.outcome = verdict::skip;
      std::lock_guard lock(report_mutex);
      r.reason = stop_reason;
      return;
    }
    results[i] = run_scenario(*scenarios[i], t, options, static_cast<unsigned>(i));
    if (options.expected) apply_baseline(results[i], *options.expected);
    std::lock_guard lock(report_mutex);
    if (stopped_serving(results[i]) && !t.restartable() && !stop) {
      stop_reason = "not run: the server stopped serving after " + results[i].id +
                    ", and a running --target cannot be restarted";
      stop = true;
    }
    if (options.fail_fast && fails_run(results[i], options.strict)) stop = true;
    if (on_result) on_result(results[i]);
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < scenarios.size(); i = next++) run_one(i);
    });
  }
  for (auto& th : threads) th.join();
  return results;
}

}  // namespace gday::harness
