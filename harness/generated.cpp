#include "gday/harness/generated.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace gday::harness {
namespace {

using json = nlohmann::ordered_json;

// ---- the matrix ---------------------------------------------------------------

enum class request { create, record, ready };
/// How far the other side got before the vanishing request: nothing yet (the
/// creator: only its CreateRoom), its address recorded, or waiting after its
/// ReadyToShare.
enum class progress { idle, recorded, waiting };
enum class close_kind { fin, rst, half };

struct point {
  bool creator_vanishes;
  request what;
  progress other;
};

constexpr point points[] = {
    {true, request::create, progress::idle},      {true, request::record, progress::idle},
    {true, request::record, progress::recorded},  {true, request::record, progress::waiting},
    {true, request::ready, progress::idle},       {true, request::ready, progress::recorded},
    {true, request::ready, progress::waiting},    {false, request::record, progress::idle},
    {false, request::record, progress::recorded}, {false, request::record, progress::waiting},
    {false, request::ready, progress::idle},      {false, request::ready, progress::recorded},
    {false, request::ready, progress::waiting},
};

struct variant {
  close_kind how;
  bool later;
};

constexpr variant variants[] = {{close_kind::fin, false},  {close_kind::fin, true},
                                {close_kind::rst, false},  {close_kind::rst, true},
                                {close_kind::half, false}, {close_kind::half, true}};

/// The stated delay of the "later" variants.
constexpr int later_ms = 20;

// Names, indexed by the enums above.
constexpr const char* how_names[] = {"fin", "rst", "half"};
constexpr const char* request_names[] = {"CreateRoom", "RecordPublicAddr", "ReadyToShare"};
constexpr const char* request_words[] = {"create", "record", "ready"};

const char* how_name(close_kind k) { return how_names[static_cast<int>(k)]; }
const char* request_name(request r) { return request_names[static_cast<int>(r)]; }
const char* request_word(request r) { return request_words[static_cast<int>(r)]; }

std::string tag(const variant& v) {
  return std::string(how_name(v.how)) + (v.later ? "_later" : "_now");
}

std::string file_id(const point& p) {
  const std::string who = p.creator_vanishes ? "creator" : "joiner";
  if (p.what == request::create) return "vanish/" + who + "-create";
  const std::string other = p.creator_vanishes ? "joiner" : "creator";
  const char* state = p.other == progress::idle       ? (p.creator_vanishes ? "absent" : "created")
                      : p.other == progress::recorded ? "recorded"
                                                      : "waiting";
  return "vanish/" + who + "-" + request_word(p.what) + "-while-" + other + "-" + state;
}

std::string summary(const point& p) {
  const std::string who = p.creator_vanishes ? "creator" : "joiner";
  const std::string other = p.creator_vanishes ? "joiner" : "creator";
  std::string when;
  if (p.what != request::create) {
    switch (p.other) {
      case progress::idle:
        when = p.creator_vanishes ? " before the joiner did anything"
                                  : " when the creator has only created the room";
        break;
      case progress::recorded:
        when = " after the " + other + " recorded its address";
        break;
      case progress::waiting:
        when = " while the " + other + " waits after its ReadyToShare";
        break;
    }
  }
  return "The " + who + "'s connection vanishes with its " + request_name(p.what) + " in flight" +
         when + " (FIN, RST, half-close; at once or after 20 ms); the " + other +
         " carries on, a new " + who +
         " connection rejoins, and each side gets the replies and contacts the spec gives it";
}

std::vector<std::string> requirements(const point& p) {
  std::vector<std::string> out = {"F-6"};
  if (p.creator_vanishes) out.push_back("L-1");
  switch (p.what) {
    case request::create:
      out.push_back("M-1");
      break;
    case request::record:
      out.push_back("M-2");
      break;
    case request::ready:
      out.push_back("M-3");
      break;
  }
  out.push_back("M-4");
  return out;
}

// ---- the script -----------------------------------------------------------------

struct op {
  enum class kind { send, expect, close, wait, connect } what;
  std::string conn;
  request req = request::create;
  bool is_creator = false;
  close_kind how = close_kind::fin;
  bool vanishing = false;  ///< the request whose handling the worlds disagree on
};

struct script {
  std::vector<op> ops;
  std::string vanisher;  ///< its connection
  close_kind how = close_kind::fin;
};

struct names {
  std::string room, creator, joiner, rejoin;
};

names names_for(const point& p, const variant& v) {
  const std::string t = tag(v);
  return {"r_" + t, "c_" + t, "j_" + t, (p.creator_vanishes ? "c2_" : "j2_") + t};
}

script build(const point& p, const variant& v, const names& n) {
  script s;
  s.how = v.how;
  const std::string vanisher = p.creator_vanishes ? n.creator : n.joiner;
  const std::string other = p.creator_vanishes ? n.joiner : n.creator;
  const bool vanisher_creates = p.creator_vanishes && p.what == request::create;
  s.vanisher = vanisher;
  auto send = [&](const std::string& c, request r, bool is_creator) {
    s.ops.push_back({op::kind::send, c, r, is_creator});
  };
  auto exchange_step = [&](const std::string& c, request r, bool is_creator) {
    send(c, r, is_creator);
    s.ops.push_back({op::kind::expect, c});
  };
  const bool vanisher_is_creator = p.creator_vanishes;
  const bool other_is_creator = !p.creator_vanishes;

  // Up to the vanishing request, in the order upstream clients use.
  if (!vanisher_creates) exchange_step(n.creator, request::create, true);
  if (p.what == request::ready) exchange_step(vanisher, request::record, vanisher_is_creator);
  if (p.other != progress::idle) exchange_step(other, request::record, other_is_creator);
  if (p.other == progress::waiting) exchange_step(other, request::ready, other_is_creator);

  // The request in flight, and the connection gone.
  s.ops.push_back({op::kind::send, vanisher, p.what, vanisher_is_creator, close_kind::fin, true});
  if (v.later) s.ops.push_back({op::kind::wait, {}});
  s.ops.push_back({op::kind::close, vanisher, request::create, false, v.how});
  if (v.how == close_kind::half) s.ops.push_back({op::kind::expect, vanisher});

  // A room must exist before the other side can carry on.
  s.ops.push_back({op::kind::connect, n.rejoin});
  if (vanisher_creates) exchange_step(n.rejoin, request::create, true);
  if (p.other == progress::idle) exchange_step(other, request::record, other_is_creator);
  if (p.other != progress::waiting) exchange_step(other, request::ready, other_is_creator);
  exchange_step(n.rejoin, request::record, vanisher_is_creator);
  exchange_step(n.rejoin, request::ready, vanisher_is_creator);
  return s;
}

// ---- the model --------------------------------------------------------------------

/// One outcome the spec allows for the vanishing request.
struct world {
  bool handled;       ///< the server handled the request (an RST may discard it)
  bool keeps_waiter;  ///< a ReadyToShare that waits stays the side's waiter
  const char* note;   ///< shown when only outcomes like this one match
};

constexpr world worlds[] = {
    {true, true, nullptr},
    {true, false, "the server dropped the vanished side's waiting ReadyToShare"},
    {false, true, "the vanished request was never handled (an RST can discard it)"},
};

struct side {
  std::optional<std::string> v4, v6;  ///< connections whose address is recorded
  bool ready = false;
  std::optional<std::string> waiter;
};

struct model {
  std::map<std::string, int> family;
  bool room = false;
  side sides[2];  ///< [1] the creator
  std::set<std::string> gone;
  std::map<std::string, std::vector<json>> queue;

  void deliver(const std::string& conn, json reply) {
    if (!gone.count(conn)) queue[conn].push_back(std::move(reply));
  }

  static json address(const std::optional<std::string>& conn) {
    return conn ? json("@" + *conn) : json(nullptr);
  }

  json contact(const char* type, const side& s) const {
    json c;
    c["type"] = type;
    c["local"] = {{"v4", nullptr}, {"v6", nullptr}};
    c["public"] = {{"v4", address(s.v4)}, {"v6", address(s.v6)}};
    return c;
  }

  /// Handles a request; true when the connection now waits for its peer.
  bool handle(const std::string& conn, request r, bool is_creator) {
    side& me = sides[is_creator ? 1 : 0];
    side& other = sides[is_creator ? 0 : 1];
    switch (r) {
      case request::create:
        if (room) {
          deliver(conn, "ErrorRoomTaken");
        } else {
          room = true;
          sides[0] = side{};
          sides[1] = side{};
          deliver(conn, "RoomCreated");
        }
        return false;
      case request::record:
        if (!room) {
          deliver(conn, "ErrorNoSuchRoomCode");
          return false;
        }
        // M-5 (a side that already sent ReadyToShare) is a MAY: the matrix
        // never goes there.
        if (me.ready) throw std::logic_error("vanish matrix: RecordPublicAddr after ReadyToShare");
        (family.at(conn) == 4 ? me.v4 : me.v6) = conn;
        deliver(conn, "ReceivedAddr");
        return false;
      case request::ready:
        if (!room) {
          deliver(conn, "ErrorNoSuchRoomCode");
          return false;
        }
        if (me.ready) throw std::logic_error("vanish matrix: a second ReadyToShare for a side");
        me.ready = true;
        deliver(conn, contact("ClientContact", me));
        if (!other.ready) {
          me.waiter = conn;
          return true;
        }
        deliver(conn, contact("PeerContact", other));
        if (other.waiter) deliver(*other.waiter, contact("PeerContact", me));
        room = false;  // L-1: the exchange ends the room
        return false;
    }
    return false;
  }

  void drop_waiter(const std::string& conn) {
    for (side& s : sides) {
      if (s.waiter == conn) {
        s.waiter.reset();
        s.ready = false;
      }
    }
  }
};

// ---- the file ------------------------------------------------------------------------

json message(request r, const std::string& room, bool is_creator) {
  json m;
  m["type"] = request_name(r);
  m["room_code"] = "${" + room + "}";
  if (r != request::create) m["is_creator"] = is_creator;
  return m;
}

/// `reply` for one pattern, `replies` for several.
void put_replies(json& into, const std::vector<json>& replies) {
  if (replies.size() == 1) {
    into["reply"] = replies[0];
  } else {
    into["replies"] = replies;
  }
}

bool is_prefix(const std::vector<json>& a, const std::vector<json>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

/// The expect step for `conn`: what each world has queued for it. When one
/// world's replies are a prefix of another's (the peer's PeerContact comes
/// at once in one world and later in another), only the first reply is
/// expected now and the rest stays queued for a later step.
json expect_step(const std::string& conn, std::vector<model>& models,
                 const std::vector<world>& used, bool vanished_half) {
  struct outcome {
    std::vector<json> replies;  ///< empty: no reply at all (the connection closes)
    bool upstream = false;      ///< the first world's outcome
    std::vector<const char*> notes;
  };
  std::size_t take = SIZE_MAX;
  for (std::size_t a = 0; a < models.size(); ++a) {
    for (std::size_t b = 0; b < models.size(); ++b) {
      const auto& qa = models[a].queue[conn];
      const auto& qb = models[b].queue[conn];
      // No reply at all (a half-closed connection closed unanswered) is
      // told apart by the close, not by a prefix.
      if (qa.empty() && vanished_half) continue;
      if (qa != qb && is_prefix(qa, qb)) take = 1;
    }
  }
  std::vector<outcome> outcomes;
  for (std::size_t w = 0; w < models.size(); ++w) {
    auto& q = models[w].queue[conn];
    if (q.empty() && !vanished_half) {
      throw std::logic_error("vanish matrix: nothing to expect on " + conn);
    }
    const std::size_t n = std::min(take, q.size());
    std::vector<json> got(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
    q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
    auto it = std::find_if(outcomes.begin(), outcomes.end(),
                           [&](const outcome& o) { return o.replies == got; });
    if (it == outcomes.end()) {
      outcomes.push_back({got, false, {}});
      it = outcomes.end() - 1;
    }
    if (w == 0) it->upstream = true;
    if (used[w].note) it->notes.push_back(used[w].note);
  }
  json st;
  st["expect"] = conn;
  if (outcomes.size() == 1 && !outcomes[0].replies.empty()) {
    put_replies(st, outcomes[0].replies);
    return st;
  }
  json alternatives = json::array();
  for (const outcome& o : outcomes) {
    json alt;
    if (o.replies.empty()) {
      alt["closed"] = true;
      alt["grade"] = "SHOULD";
      alt["note"] =
          "the server closed the half-closed connection without answering its complete request";
    } else {
      put_replies(alt, o.replies);
      if (!o.upstream && !o.notes.empty()) {
        std::string note;
        for (const char* n : o.notes) note += (note.empty() ? "" : "; or ") + std::string(n);
        alt["note"] = note;
      }
    }
    alternatives.push_back(alt);
  }
  st["any_of"] = alternatives;
  return st;
}

std::vector<json> variant_steps(const point& p, const variant& v, json& connections) {
  const names n = names_for(p, v);
  const script s = build(p, v, n);
  const bool creator_vanishes = p.creator_vanishes;
  connections[n.creator] = {{"family", 4}};
  connections[n.joiner] = {{"family", 6}};
  connections[n.rejoin] = {{"family", creator_vanishes ? 4 : 6}, {"lazy", true}};

  // One model per world; Ready-only worlds apply only when the request can wait.
  std::vector<model> models;
  std::vector<world> used;
  for (const world& w : worlds) {
    if (!w.keeps_waiter && p.what != request::ready) continue;
    used.push_back(w);
    model m;
    m.family = {{n.creator, 4}, {n.joiner, 6}, {n.rejoin, creator_vanishes ? 4 : 6}};
    models.push_back(std::move(m));
  }

  std::vector<json> steps;
  std::set<std::string> half_closed;
  for (const op& o : s.ops) {
    switch (o.what) {
      case op::kind::send: {
        steps.push_back({{"send", o.conn}, {"message", message(o.req, n.room, o.is_creator)}});
        for (std::size_t w = 0; w < models.size(); ++w) {
          if (o.vanishing && !used[w].handled) continue;
          const bool waits = models[w].handle(o.conn, o.req, o.is_creator);
          if (o.vanishing && waits && !used[w].keeps_waiter) models[w].drop_waiter(o.conn);
        }
        break;
      }
      case op::kind::wait:
        steps.push_back({{"wait_ms", later_ms}});
        break;
      case op::kind::close:
        steps.push_back({{"close", o.conn}, {"how", how_name(o.how)}});
        for (model& m : models) {
          if (o.how == close_kind::half) {
            half_closed.insert(o.conn);
          } else {
            m.gone.insert(o.conn);
            m.queue.erase(o.conn);
          }
        }
        break;
      case op::kind::connect:
        steps.push_back({{"connect", o.conn}});
        break;
      case op::kind::expect:
        steps.push_back(expect_step(o.conn, models, used, half_closed.count(o.conn) > 0));
        break;
    }
  }
  // What is still on its way: the peer's PeerContact to a side that waited.
  for (const std::string& conn : {n.creator, n.joiner, n.rejoin}) {
    if (half_closed.count(conn) || models[0].gone.count(conn)) continue;
    std::size_t pending = 0;
    for (model& m : models) pending += m.queue[conn].empty() ? 0 : 1;
    if (pending == 0) continue;
    if (pending != models.size()) {
      throw std::logic_error("vanish matrix: " + conn + " gets a late reply in some worlds only");
    }
    steps.push_back(expect_step(conn, models, used, false));
  }
  return steps;
}

// Compact JSON with a space after ':' and ',' (the style of the hand-written
// scenarios).
std::string inline_json(const json& j) {
  if (j.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      out += (first ? "" : ", ") + json(k).dump() + ": " + inline_json(v);
      first = false;
    }
    return out + "}";
  }
  if (j.is_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& v : j) {
      out += (first ? "" : ", ") + inline_json(v);
      first = false;
    }
    return out + "]";
  }
  return j.dump();
}

std::string file_text(const point& p) {
  json connections = json::object();
  std::vector<json> rooms;
  std::vector<json> steps;
  for (const variant& v : variants) {
    rooms.push_back("r_" + tag(v));
    for (json& st : variant_steps(p, v, connections)) steps.push_back(std::move(st));
  }
  json reqs = json::array();
  for (const auto& r : requirements(p)) reqs.push_back(r);
  std::string out = "{\n";
  out += "  \"id\": " + json(file_id(p)).dump() + ",\n";
  out += "  \"summary\": " + json(summary(p)).dump() + ",\n";
  out += "  \"requirements\": " + inline_json(reqs) + ",\n";
  out += "  \"grade\": \"MUST\",\n";
  out += "  \"rooms\": " + inline_json(rooms) + ",\n";
  out += "  \"connections\": " + inline_json(connections) + ",\n";
  out += "  \"steps\": [\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    out += "    " + inline_json(steps[i]) + (i + 1 < steps.size() ? ",\n" : "\n");
  }
  out += "  ]\n}\n";
  return out;
}

}  // namespace

std::vector<std::string> generated_folders() { return {"vanish"}; }

std::vector<generated_file> generated_scenarios() {
  std::vector<generated_file> out;
  for (const point& p : points) out.push_back({file_id(p) + ".json", file_text(p)});
  return out;
}

}  // namespace gday::harness
