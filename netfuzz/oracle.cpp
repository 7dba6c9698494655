#include "gday/netfuzz/oracle.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "gday/core/server_core.hpp"
#include "gday/harness/encode.hpp"
#include "gday/harness/loader.hpp"
#include "gday/harness/target.hpp"
#include "gday/harness/writer.hpp"
#include "gday/wire/codec.hpp"

namespace gday::netfuzz {
namespace {

using json = nlohmann::json;
using harness::step;
using std::chrono::milliseconds;

// The connections and rooms of the liveness check.
constexpr const char* live_a = "live_a";
constexpr const char* live_b = "live_b";
constexpr const char* live_room = "live";

// The pause after the client closes a connection with FIN or RST.
constexpr milliseconds close_pause{10};

step on(step::kind what, const std::string& conn) {
  step st;
  st.what = what;
  st.conn = conn;
  return st;
}

step silence(const std::string& conn, milliseconds ms) {
  step st = on(step::kind::expect_silence, conn);
  st.duration = ms;
  return st;
}

// Room variables an action names, in `send` messages or `${...}` in bodies.
void rooms_named(const step& action, std::set<std::string>& out) {
  auto scan = [&](const std::string& text) {
    for (auto at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
      if (at > 0 && text[at - 1] == '$') continue;  // "$${" is a literal "${"
      const auto close = text.find('}', at);
      if (close != std::string::npos) out.insert(text.substr(at + 2, close - at - 2));
    }
  };
  if (action.what == step::kind::send && action.message.contains("room_code")) {
    scan(action.message["room_code"].get<std::string>());
  }
  if (action.what == step::kind::send_body && !action.body_hex) {
    for (const auto& [profile, body] : action.bodies) scan(body);
  }
}

// The steps an action consists of: itself, or a concurrent step's branches.
std::vector<const step*> leaves(const step& action) {
  std::vector<const step*> out;
  if (action.what != step::kind::concurrent) {
    out.push_back(&action);
    return out;
  }
  for (const auto& branch : action.branches) {
    for (const auto& st : branch) out.push_back(&st);
  }
  return out;
}

bool writes(const step& st) {
  return st.what == step::kind::send || st.what == step::kind::send_body ||
         st.what == step::kind::send_raw;
}

class builder {
 public:
  /// `swapped`: the index of a concurrent action whose two sends the core
  /// handles in the other order (a server may see either first).
  builder(const session& s, const build_options& options,
          std::optional<std::size_t> swapped = std::nullopt)
      : s_(s), options_(options), swapped_(swapped) {
    core::config cfg;
    cfg.profile = s.profile;
    cfg.room_timeout = std::chrono::duration_cast<core::clock_time>(
        std::chrono::duration<double>(harness::chosen_room_timeout({})));
    cfg.request_limit = harness::chosen_request_limit({});
    core_ = std::make_unique<core::server_core>(cfg, now_);
  }

  wire::basic_result<built_scenario, std::string> build() {
    // The connections the actions use, in declaration order.
    std::set<std::string> used;
    std::set<std::string> rooms;
    for (const auto& a : s_.actions) {
      for (const step* leaf : leaves(a)) {
        used.insert(leaf->conn);
        rooms_named(*leaf, rooms);
      }
    }
    for (const auto& c : s_.connections) {
      if (used.count(c.name)) conns_.push_back(c);
    }
    if (conns_.empty())
      conns_.push_back(s_.connections.empty() ? connection{"a", 4} : s_.connections.front());
    for (const auto& r : s_.rooms) {
      if (rooms.count(r)) rooms_.push_back(r);
    }
    if (options_.liveness) rooms_.push_back(live_room);
    for (std::size_t i = 0; i < rooms_.size(); ++i) codes_[rooms_[i]] = oracle_code(i);

    auto parsed = parse_actions(s_.actions);
    if (!parsed) return parsed.error();
    for (const auto& c : conns_) open(c);

    std::size_t used_actions = 0;
    for (std::size_t i = 0; i < s_.actions.size(); ++i) {
      current_ = i;
      if (apply(s_.actions[i], (*parsed)[i])) ++used_actions;
    }
    current_.reset();
    flush_all();
    // Whatever stays open must stay quiet.
    std::vector<std::string> quiet;
    for (const auto& c : conns_) {
      if (!gone_.count(c.name)) quiet.push_back(c.name);
    }
    if (quiet.size() == 1) {
      steps_.push_back(silence(quiet.front(), options_.settle));
    } else if (quiet.size() > 1) {
      step all;
      all.what = step::kind::concurrent;
      for (const auto& name : quiet) all.branches.push_back({silence(name, options_.settle)});
      steps_.push_back(std::move(all));
    }

    built_scenario out;
    out.liveness_from = actions_end_ = steps_.size();
    out.actions_used = used_actions;
    if (options_.liveness) {
      if (auto f = liveness(); !f.empty()) return f;
    }
    out.scenario = skeleton();
    out.scenario.steps = steps_;
    return out;
  }

 private:
  // ---- the reference core ----------------------------------------------------

  core::endpoint endpoint_for(const connection& c, std::size_t index) const {
    const auto port = static_cast<std::uint16_t>(20000 + index);
    if (c.family == 6) {
      wire::socket_addr_v6 a;
      a.segments[7] = 1;
      a.port = port;
      return a;
    }
    return wire::socket_addr_v4{{127, 0, 0, 2}, port};
  }

  std::string oracle_code(std::size_t i) const {
    if (s_.profile == wire::profile::v1) return std::string(32, static_cast<char>(0x10 + i));
    return "oracle-room-" + std::to_string(i);
  }

  void open(const connection& c) {
    const std::size_t index = ids_.size();
    ids_[c.name] = index + 1;
    names_[index + 1] = c.name;
    endpoints_[c.name] = endpoint_for(c, index);
    core_->open(index + 1, endpoints_[c.name], tick());
  }

  core::clock_time tick() {
    now_ += std::chrono::milliseconds(1);
    return now_;
  }

  // Takes the core's outputs into the per-connection pending replies.
  void collect() {
    for (auto& o : core_->take_outputs()) {
      const std::string& name = names_[o.conn];
      if (client_closed_.count(name)) continue;
      if (o.what != core::output::kind::send) {
        closing_.insert(name);
        gone_.insert(name);
        continue;
      }
      const std::string body = o.bytes.size() >= 3 ? o.bytes.substr(3) : std::string();
      auto msg = wire::decode_server_msg(body, s_.profile);
      if (msg) pending_[name].push_back(*msg);
    }
  }

  // The parsed steps of `actions` (through the scenario loader, so the bytes
  // are exactly the runner's). Generated actions may act on a connection an
  // earlier action closed (apply() leaves those out), which one scenario may
  // not say: such a list is loaded in pieces, each valid on its own.
  wire::basic_result<std::vector<step>, std::string> parse_actions(
      const std::vector<step>& actions) {
    std::vector<step> parsed;
    std::vector<step> piece;
    std::set<std::string> closed, half;
    auto flush = [&]() -> std::optional<std::string> {
      harness::scenario file = skeleton(/*eager=*/true);
      file.steps = piece;
      if (piece.empty()) {
        step pause;
        pause.what = step::kind::wait;
        pause.duration = milliseconds(1);
        file.steps.push_back(pause);
      }
      auto loaded = harness::parse_scenario(harness::write_scenario(file), "(generated)");
      if (!loaded) return "generated actions do not load: " + loaded.error().what();
      if (!piece.empty()) parsed.insert(parsed.end(), loaded->steps.begin(), loaded->steps.end());
      piece.clear();
      closed.clear();
      half.clear();
      return std::nullopt;
    };
    for (const step& a : actions) {
      const bool half_close = a.what == step::kind::close && a.how == step::close_mode::half;
      bool unusable = false;
      for (const step* leaf : leaves(a)) {
        unusable = unusable || (!leaf->conn.empty() &&
                                (closed.count(leaf->conn) ||
                                 (half.count(leaf->conn) && (writes(*leaf) || half_close))));
      }
      if (unusable) {
        if (auto failed = flush()) return *failed;
      }
      if (a.what == step::kind::close) (half_close ? half : closed).insert(a.conn);
      piece.push_back(a);
    }
    if (auto failed = flush()) return *failed;
    return parsed;
  }

  // Applies one action to the core and writes it (and the expectations it
  // makes due) as steps. False if it was left out.
  bool apply(const step& action, const step& st) {
    if (st.what == harness::step::kind::wait) {  // no timer is near: only the clock moves
      steps_.push_back(action);
      now_ += st.duration;
      return true;
    }
    if (st.what == harness::step::kind::concurrent) return apply_together(action, st);
    const std::string& conn = action.conn;
    if (!ids_.count(conn) || gone_.count(conn) || half_closed_.count(conn)) return false;
    const auto id = ids_[conn];
    const bool closes = st.what == harness::step::kind::close;
    if (closes && st.how != harness::step::close_mode::half && core_->reading_paused(id)) {
      return false;
    }
    // Everything another connection is due must have arrived first, so that
    // the server has processed what caused it; before an RST, this
    // connection's own replies too (an RST may overtake a request the server
    // has not read yet). A FIN or half-close may follow a send at once, the
    // peer vanishing with its request in flight: the request's bytes arrive
    // before the FIN, so the server still handles it; its replies are then
    // dropped unread (FIN) or read later (half-close). Only right after a
    // send made with nothing else due on the connection: closing with older
    // replies unread sends an RST, which could overtake the last request.
    const bool vanish = closes && st.how != harness::step::close_mode::rst &&
                        (st.how == harness::step::close_mode::half || clean_send_.count(conn));
    for (const auto& c : conns_) {
      if (c.name != conn || (closes && !vanish)) flush(c.name);
    }
    clean_send_.erase(conn);
    if (!closes && pending_[conn].empty() && !closing_.count(conn)) clean_send_.insert(conn);
    steps_.push_back(action);
    const std::size_t at = steps_.size() - 1;
    switch (st.what) {
      case harness::step::kind::close:
        if (st.how == harness::step::close_mode::half) {
          half_closed_.insert(conn);
          core_->end_of_input(id, tick());
        } else {
          client_closed_.insert(conn);
          gone_.insert(conn);
          pending_.erase(conn);
          core_->closed(id, tick());
          // Nothing the client can read tells when the server has seen a
          // FIN or RST; a stated pause lets it, so that what the close
          // changed shows in the next steps every time the scenario runs
          // (the expectations hold either way).
          step pause;
          pause.what = step::kind::wait;
          pause.duration = close_pause;
          steps_.push_back(pause);
          now_ += close_pause;
        }
        break;
      default:
        core_->receive(id, harness::step_bytes(st, s_.profile, codes_), tick());
        break;
    }
    collect();
    // Bytes written after the server closed the connection meet a reset,
    // which may destroy the replies before the client reads them: a send
    // the server closes on goes out in one write. (The server's answer does
    // not depend on the split.)
    if (gone_.count(conn) && !client_closed_.count(conn)) {
      steps_[at].chunks = {};
    }
    return true;
  }

  // Two sends on two connections in flight at once (a concurrent step of two
  // one-send branches): everything due is awaited first, then both are
  // written at the same time. The core handles them in the listed order, or
  // the other one when this action is `swapped_`; build_scenario keeps the
  // pair only when both orders expect the same.
  bool apply_together(const step& action, const step& st) {
    if (st.branches.size() != 2) return false;
    std::vector<const step*> sends;
    for (const auto& branch : st.branches) {
      if (branch.size() != 1 || !writes(branch.front())) return false;
      const std::string& conn = branch.front().conn;
      if (!ids_.count(conn) || gone_.count(conn) || half_closed_.count(conn)) return false;
      sends.push_back(&branch.front());
    }
    if (sends[0]->conn == sends[1]->conn) return false;
    for (const auto& c : conns_) flush(c.name);
    steps_.push_back(action);
    const std::size_t at = steps_.size() - 1;
    if (swapped_ && current_ == *swapped_) std::swap(sends[0], sends[1]);
    for (const step* send : sends) {
      clean_send_.erase(send->conn);
      core_->receive(ids_[send->conn], harness::step_bytes(*send, s_.profile, codes_), tick());
      collect();
    }
    // As for one send: bytes the server closes on go out in one write.
    for (auto& branch : steps_[at].branches) {
      const std::string& conn = branch.front().conn;
      if (gone_.count(conn) && !client_closed_.count(conn)) branch.front().chunks = {};
    }
    return true;
  }

  void flush_all() {
    for (const auto& c : conns_) flush(c.name);
    flush(live_a);
    flush(live_b);
  }

  // The expect step for what `conn` is due, if anything.
  void flush(const std::string& conn) {
    auto& replies = pending_[conn];
    const bool closed = closing_.count(conn) > 0;
    if (replies.empty() && !closed) return;
    if (replies.empty()) {
      steps_.push_back(on(step::kind::expect_closed, conn));
    } else {
      harness::alternative expected;
      for (const auto& m : replies) expected.replies.push_back(pattern(m));
      expected.then_closed = closed;
      step st = on(step::kind::expect, conn);
      st.alternatives.push_back(std::move(expected));
      steps_.push_back(std::move(st));
    }
    replies.clear();
    closing_.erase(conn);
  }

  // ---- writing the scenario --------------------------------------------------

  // An address in a contact pattern: "@conn" when it is a connection's.
  template <typename Address>
  json address(const std::optional<Address>& a) const {
    if (!a) return nullptr;
    for (const auto& [name, ep] : endpoints_) {
      if (const auto* same = std::get_if<Address>(&ep); same && *same == *a) return "@" + name;
    }
    return wire::to_string(*a);
  }

  harness::reply_pattern pattern(const wire::server_msg& m) const {
    harness::reply_pattern out;
    out.type = wire::variant_name(m.type);
    if (!wire::carries_contact(m.type)) return out;
    const auto& c = m.contact;
    out.contact = json{{"local", {{"v4", address(c.local.v4)}, {"v6", address(c.local.v6)}}},
                       {"public", {{"v4", address(c.public_.v4)}, {"v6", address(c.public_.v6)}}}};
    return out;
  }

  // A fresh exchange on two new connections: the server still serves.
  std::string liveness() {
    const connection a{live_a, 4}, b{live_b, 4};
    lazy_.push_back(a);
    lazy_.push_back(b);
    auto send = [](const std::string& conn, json message) {
      step st = on(step::kind::send, conn);
      st.message = std::move(message);
      return st;
    };
    const std::vector<step> actions = {
        send(live_a, {{"type", "CreateRoom"}, {"room_code", "${live}"}}),
        send(live_a, {{"type", "ReadyToShare"},
                      {"room_code", "${live}"},
                      {"is_creator", true},
                      {"local_contact", {{"v4", "10.1.1.1:1"}, {"v6", nullptr}}}}),
        send(live_b, {{"type", "ReadyToShare"},
                      {"room_code", "${live}"},
                      {"is_creator", false},
                      {"local_contact", {{"v4", nullptr}, {"v6", nullptr}}}}),
    };
    for (const auto& c : lazy_) {
      steps_.push_back(on(step::kind::connect, c.name));
      conns_.push_back(c);
      open(c);
    }
    auto parsed = parse_actions(actions);
    if (!parsed) return parsed.error();
    for (std::size_t i = 0; i < actions.size(); ++i) apply(actions[i], (*parsed)[i]);
    flush_all();
    return {};
  }

  // The scenario file without steps; `eager` declares every connection
  // opened at the start (for loading actions on their own).
  harness::scenario skeleton(bool eager = false) const {
    harness::scenario file;
    file.id = options_.id;
    file.summary = options_.summary;
    file.requirements = requirements();
    file.level = harness::grade::must;
    file.profiles = {s_.profile};
    file.tags = {"fuzz"};
    file.rooms = rooms_;
    for (const auto& c : conns_) {
      const bool lazy = std::any_of(lazy_.begin(), lazy_.end(),
                                    [&](const connection& l) { return l.name == c.name; });
      harness::connection_spec spec;
      spec.name = c.name;
      spec.family = c.family;
      spec.lazy = lazy && !eager;
      file.connections.push_back(std::move(spec));
    }
    // As the loader orders them (by name), so that a loaded file compares equal.
    std::sort(file.connections.begin(), file.connections.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return file;
  }

  // The requirements the scenario's steps touch.
  std::vector<std::string> requirements() const {
    std::set<std::string> ids;
    std::vector<const step*> flat;
    for (std::size_t i = 0; i < std::min(actions_end_, steps_.size()); ++i) {
      for (const step* leaf : leaves(steps_[i])) flat.push_back(leaf);
      if (steps_[i].what == step::kind::concurrent) ids.insert("F-6");
    }
    for (const step* leaf : flat) {
      const auto& st = *leaf;
      if (st.what == step::kind::send) {
        const std::string t = st.message.value("type", "");
        ids.insert(t == "CreateRoom" ? "M-1" : t == "RecordPublicAddr" ? "M-2" : "M-3");
      }
      if (st.what == step::kind::expect && st.alternatives.front().replies.size() > 1) {
        ids.insert("M-4");
      }
      if (st.what == step::kind::send_body || st.what == step::kind::send_raw) ids.insert("F-3");
      if (st.version_byte) ids.insert("F-2");
      if (st.chunks.how != harness::chunking::mode::whole) ids.insert("F-4");
      if (st.what == step::kind::close) ids.insert("T-4");
    }
    if (options_.liveness) ids.insert("F-6");
    if (ids.empty()) ids.insert("T-4");
    return {ids.begin(), ids.end()};
  }

  const session& s_;
  const build_options& options_;
  std::optional<std::size_t> swapped_;
  std::optional<std::size_t> current_;  // the action being applied
  core::clock_time now_{std::chrono::seconds(1)};
  std::unique_ptr<core::server_core> core_;
  std::vector<connection> conns_, lazy_;
  std::vector<std::string> rooms_;
  harness::room_codes codes_;
  std::map<std::string, core::connection_id> ids_;
  std::map<core::connection_id, std::string> names_;
  std::map<std::string, core::endpoint> endpoints_;
  std::map<std::string, std::vector<wire::server_msg>> pending_;
  std::set<std::string> closing_, gone_, client_closed_, half_closed_;
  // Connections whose last action was a send made with no reply due on them.
  std::set<std::string> clean_send_;
  std::vector<step> steps_;
  std::size_t actions_end_ = std::numeric_limits<std::size_t>::max();  // where liveness begins
};

}  // namespace

wire::basic_result<built_scenario, std::string> build_scenario(const session& s,
                                                               const build_options& options) {
  auto built = builder(s, options).build();
  if (!built) return built;
  // Two requests in flight at once may reach the server in either order:
  // kept only when the other order expects exactly the same (for example two
  // ReadyToShare of one room: each side gets ClientContact then PeerContact
  // either way); otherwise sent one after the other.
  const std::string expected = harness::write_scenario(built->scenario);
  for (std::size_t i = 0; i < s.actions.size(); ++i) {
    if (s.actions[i].what != step::kind::concurrent) continue;
    auto other = builder(s, options, i).build();
    if (other && harness::write_scenario(other->scenario) == expected) continue;
    session one_by_one = s;
    auto& acts = one_by_one.actions;
    std::vector<step> in_order;
    for (const auto& branch : acts[i].branches) {
      in_order.insert(in_order.end(), branch.begin(), branch.end());
    }
    acts.erase(acts.begin() + static_cast<std::ptrdiff_t>(i));
    acts.insert(acts.begin() + static_cast<std::ptrdiff_t>(i), in_order.begin(), in_order.end());
    return build_scenario(one_by_one, options);
  }
  return built;
}

}  // namespace gday::netfuzz
