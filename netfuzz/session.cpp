#include "gday/netfuzz/session.hpp"

#include <algorithm>

#include "gday/base/hex.hpp"
#include "gday/base/utf8.hpp"
#include "gday/harness/encode.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/messages.hpp"

namespace gday::netfuzz {
namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;
using harness::step;

// Rooms: "room" is the base exchange's, "other" one that mutations move
// requests to (created or not, depending on the mutations).
const std::vector<std::string> room_names = {"room", "other"};

const std::vector<std::string> v4_addresses = {"10.0.0.2:5000", "192.168.1.20:49152", "0.0.0.0:0",
                                               "255.255.255.255:65535", "127.0.0.1:1"};
const std::vector<std::string> v6_addresses = {"[fe80::1%2]:5000", "[::1]:1", "[2001:db8::5]:443",
                                               "[::ffff:1.2.3.4]:9", "[::]:0"};
const std::vector<std::string> types = {"CreateRoom", "RecordPublicAddr", "ReadyToShare"};

json message(const std::string& type, const std::string& room, bool is_creator) {
  json m = {{"type", type}, {"room_code", "${" + room + "}"}};
  if (type != "CreateRoom") m["is_creator"] = is_creator;
  if (type == "ReadyToShare") m["local_contact"] = {{"v4", nullptr}, {"v6", nullptr}};
  return m;
}

step send(const std::string& conn, json msg) {
  step st;
  st.what = step::kind::send;
  st.conn = conn;
  st.message = std::move(msg);
  return st;
}

// The steps that act on a connection (all but wait).
bool on_connection(const step& st) { return st.what != step::kind::wait; }

bool sends_request(const step& st) {
  return st.what == step::kind::send || st.what == step::kind::send_body ||
         st.what == step::kind::send_raw;
}

json random_local_contact(rng& r) {
  json c = {{"v4", nullptr}, {"v6", nullptr}};
  if (r.chance(60)) c["v4"] = r.pick(v4_addresses);
  if (r.chance(40)) c["v6"] = r.pick(v6_addresses);
  return c;
}

std::vector<std::string> names_of(const session& s) {
  std::vector<std::string> out;
  for (const auto& c : s.connections) out.push_back(c.name);
  return out;
}

// ---- bodies -----------------------------------------------------------------
//
// A body is mutated as JSON where the room code is a marker string, then
// written as a send_body template in which the marker becomes "${room}": the
// room code stays fresh per run however the body around it is changed.

std::string marker(const std::string& room) { return "\x01" + room + "\x01"; }

// The message's body for the profile, as JSON with the room code replaced by
// the marker (the encoder's own output otherwise, so key order is upstream's).
ordered body_json(const json& msg, wire::profile p, std::string& room) {
  const std::string code_var = msg.value("room_code", "${room}");
  room = code_var.size() > 3 ? code_var.substr(2, code_var.size() - 3) : "room";
  const std::string placeholder =
      p == wire::profile::v1 ? std::string(32, '\xee') : std::string("ROOM-MARKER");
  step st = send("", msg);
  st.message["room_code"] = "${" + room + "}";
  const std::string frame = harness::step_bytes(st, p, {{room, placeholder}});
  std::string body = frame.size() > 3 ? frame.substr(3) : std::string("{}");
  const std::string code_json = harness::room_code_json(placeholder, p);
  const auto at = body.find(code_json);
  if (at != std::string::npos) body.replace(at, code_json.size(), json(marker(room)).dump());
  return ordered::parse(body, nullptr, false);
}

// A value of another JSON type than `v` (for the room code: never a string
// on v2/v3, where any string is a valid code that would outlive the run).
ordered other_value(const ordered& v, rng& r, bool is_room, wire::profile p) {
  std::vector<ordered> choices = {ordered(nullptr),
                                  ordered(true),
                                  ordered(0),
                                  ordered(-1),
                                  ordered(1e300),
                                  ordered(256),
                                  ordered::array(),
                                  ordered::object(),
                                  ordered(3.5),
                                  ordered({1, 2}),
                                  ordered(18446744073709551615ULL)};
  if (!is_room || p == wire::profile::v1) {
    choices.push_back(ordered("x"));
    choices.push_back(ordered(""));
    choices.push_back(ordered("true"));
  }
  if (is_room && p == wire::profile::v1) {
    ordered short_code = ordered::array();
    for (int i = 0; i < 31; ++i) short_code.push_back(i);
    choices.push_back(short_code);
    ordered long_code = short_code;
    long_code.push_back(1);
    long_code.push_back(2);
    choices.push_back(long_code);
    ordered big = long_code;
    big.erase(big.size() - 1);
    big[0] = 256;
    choices.push_back(big);
  }
  ordered out = r.pick(choices);
  if (out == v) out = ordered("changed");
  return out;
}

// The objects inside `v` (itself included), for picking one to change.
void objects_in(ordered& v, std::vector<ordered*>& out) {
  if (!v.is_object()) return;
  out.push_back(&v);
  for (auto& [key, value] : v.items()) objects_in(value, out);
}

// A valid address text that is not in Rust's display form: a server must
// answer it in display form (spec J-5), byte for byte (J-9).
std::string odd_address(bool v4, rng& r) {
  static const std::vector<std::string> odd_v4 = {"1.2.3.4:05", "10.0.0.1:00080"};
  static const std::vector<std::string> odd_v6 = {"[::0:1]:05", "[::1.2.3.4]:5", "[fe80::1%0]:5",
                                                  "[AB::CD]:1", "[0:0:0:0:0:0:0:1]:7"};
  return r.pick(v4 ? odd_v4 : odd_v6);
}

void mutate_structure(ordered& body, rng& r, wire::profile p, const std::string& room) {
  std::vector<ordered*> objects;
  objects_in(body, objects);
  if (objects.empty()) {
    body = ordered::object();
    return;
  }
  ordered& obj = *objects[r.below(objects.size())];
  std::vector<std::string> keys;
  for (auto& [key, value] : obj.items()) keys.push_back(key);
  switch (r.below(7)) {
    case 0:  // drop a field
      if (!keys.empty()) obj.erase(r.pick(keys));
      break;
    case 1:  // an unknown field
      obj[r.chance(50) ? "extra" : "Type"] = other_value(ordered(nullptr), r, false, p);
      break;
    case 2:  // retype a field
      if (!keys.empty()) {
        const std::string key = r.pick(keys);
        const bool is_room = obj[key] == ordered(marker(room));
        obj[key] = other_value(obj[key], r, is_room, p);
      }
      break;
    case 3: {  // rename a field or variant
      if (keys.empty()) break;
      const std::string key = r.pick(keys);
      static const std::vector<std::string> suffixes = {"s", "_", " "};
      std::string renamed = key + r.pick(suffixes);
      if (r.chance(30) && !key.empty()) renamed = key.substr(0, key.size() - 1);
      ordered value = obj[key];
      obj.erase(key);
      obj[renamed] = value;
      break;
    }
    case 4: {  // change the "type" tag's value (v2/v3) or the variant (v1)
      if (obj.contains("type") && obj["type"].is_string()) {
        static const std::vector<std::string> tags = {
            "CreateRoom", "RecordPublicAddr", "ReadyToShare", "createRoom", "RoomCreated", ""};
        obj["type"] = r.pick(tags);
      } else if (!keys.empty()) {
        obj[r.pick(types)] = obj[keys.front()];
      }
      break;
    }
    case 5: {  // deep nesting under a new key (J-8)
      ordered deep = ordered::array();
      const int depth = r.chance(50) ? 126 : 130;
      for (int i = 0; i < depth; ++i) deep = ordered::array({deep});
      obj["deep"] = deep;
      break;
    }
    default:  // an address field holding something else
      if (obj.contains("v4") || obj.contains("v6")) {
        static const std::vector<std::string> bad = {"1.2.3.4",       "[::1]:5", "01.2.3.4:5",
                                                     "1.2.3.4:65536", "::1:5",   "[fe80::1%x]:5",
                                                     "1.2.3.4:5 ",    "[::1]:0"};
        const bool v4 = r.chance(50);
        obj[v4 ? "v4" : "v6"] = r.chance(50) ? r.pick(bad) : odd_address(v4, r);
      } else if (!keys.empty()) {
        obj.erase(r.pick(keys));
      }
      break;
  }
}

// Positions of `text` outside the room markers, which byte changes leave whole.
bool inside_marker(const std::string& text, const std::string& quoted, std::size_t pos) {
  for (auto at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1)) {
    if (pos > at && pos < at + quoted.size()) return true;
  }
  return false;
}

void mutate_bytes(std::string& text, rng& r, const std::string& quoted_marker) {
  auto position = [&] {
    std::size_t pos = r.below(text.size() + 1);
    for (int tries = 0; tries < 8 && inside_marker(text, quoted_marker, pos); ++tries) {
      pos = r.below(text.size() + 1);
    }
    return inside_marker(text, quoted_marker, pos) ? text.size() : pos;
  };
  switch (r.below(7)) {
    case 0:  // cut short
      text.resize(position());
      break;
    case 1: {  // trailing bytes
      static const std::vector<std::string> tails = {" ", "\n", "x", "}", "{}", "\t", ",", "0"};
      text += r.pick(tails);
      break;
    }
    case 2: {  // whitespace between tokens (or inside one)
      static const std::vector<std::string> spaces = {" ", "\t", "\r\n", "\f", "\v"};
      text.insert(position(), r.pick(spaces));
      break;
    }
    case 3: {  // one byte replaced
      const std::size_t pos = position();
      if (pos < text.size()) text[pos] = static_cast<char>(r.below(256));
      break;
    }
    case 4:  // nothing at all (spec F-3: an empty body)
      text.clear();
      break;
    case 5:  // the body twice
      text += text;
      break;
    default: {  // a letter written as a \u escape: the same JSON text to a decoder
      for (int tries = 0; tries < 16; ++tries) {
        const std::size_t pos = position();
        if (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos])) && pos > 0 &&
            text[pos - 1] != '\\') {
          text.replace(pos, 1, "\\u00" + base::encode_hex(text.substr(pos, 1)));
          break;
        }
      }
      break;
    }
  }
}

// The send_body step for a mutated body: a template, or bytes (body_hex)
// when they are not text a template can hold.
step body_step(const std::string& conn, const std::string& text, const std::string& room,
               wire::profile p, rng& r) {
  const std::string quoted = json(marker(room)).dump();
  std::string tmpl;
  for (char c : text) tmpl += c == '$' ? std::string("$$") : std::string(1, c);
  for (auto at = tmpl.find(quoted); at != std::string::npos; at = tmpl.find(quoted, at)) {
    tmpl.replace(at, quoted.size(), "${" + room + "}");
  }
  step st;
  st.what = step::kind::send_body;
  st.conn = conn;
  if (!base::first_invalid_utf8(tmpl) && tmpl.find('\0') == std::string::npos) {
    st.bodies["*"] = tmpl;
    return st;
  }
  // Not text: the code is written out, a fresh one per session so that runs
  // never meet in a room.
  std::string code;
  if (p == wire::profile::v1) {
    for (int i = 0; i < 32; ++i) code += static_cast<char>(r.below(256));
  } else {
    for (int i = 0; i < 16; ++i) code += static_cast<char>('a' + r.below(26));
  }
  std::string bytes = text;
  for (auto at = bytes.find(quoted); at != std::string::npos; at = bytes.find(quoted, at)) {
    const std::string code_json = harness::room_code_json(code, p);
    bytes.replace(at, quoted.size(), code_json);
    at += code_json.size();
  }
  st.bodies["*"] = bytes;
  st.body_hex = true;
  return st;
}

// ---- actions ----------------------------------------------------------------

json random_message(rng& r) {
  json m = message(r.pick(types), r.chance(80) ? "room" : "other", r.chance(50));
  if (m["type"] == "ReadyToShare") m["local_contact"] = random_local_contact(r);
  return m;
}

std::string random_raw(rng& r, wire::profile p) {
  const auto v = static_cast<char>(wire::version_byte(p));
  switch (r.below(4)) {
    case 0:
      return std::string(1, v);  // a header cut after the version byte
    case 1:
      return std::string{v, '\0'};  // ... after one length byte
    case 2:
      return std::string{v, '\0', '\0'};  // a frame with an empty body
    default: {
      std::string bytes(1 + r.below(8), '\0');
      for (auto& b : bytes) b = static_cast<char>(r.below(256));
      return bytes;
    }
  }
}

void set_chunks(step& st, rng& r) {
  if (r.chance(40)) {
    st.chunks.how = harness::chunking::mode::bytewise;
    st.chunks.sizes.clear();
  } else {
    st.chunks.how = harness::chunking::mode::sizes;
    st.chunks.sizes.clear();
    const std::size_t n = 1 + r.below(3);
    for (std::size_t i = 0; i < n; ++i) st.chunks.sizes.push_back(1 + r.below(7));
  }
  if (r.chance(50)) st.chunks.pause = std::chrono::milliseconds(1 + r.below(3));
}

// The base: an upstream client pair's exchange. Each side records its public
// address on IPv4 and, when allowed, IPv6, then both send ReadyToShare.
session base_exchange(rng& r, const generator_options& options) {
  session s;
  s.profile = options.profile;
  s.rooms = room_names;
  s.connections = {{"a", 4}, {"b", 4}};
  if (options.ipv6) {
    s.connections.push_back({"a6", 6});
    s.connections.push_back({"b6", 6});
  }
  s.actions.push_back(send("a", message("CreateRoom", "room", true)));
  s.actions.push_back(send("a", message("RecordPublicAddr", "room", true)));
  if (options.ipv6) s.actions.push_back(send("a6", message("RecordPublicAddr", "room", true)));
  s.actions.push_back(send("b", message("RecordPublicAddr", "room", false)));
  if (options.ipv6) s.actions.push_back(send("b6", message("RecordPublicAddr", "room", false)));
  json ready_a = message("ReadyToShare", "room", true);
  ready_a["local_contact"] = random_local_contact(r);
  json ready_b = message("ReadyToShare", "room", false);
  ready_b["local_contact"] = random_local_contact(r);
  s.actions.push_back(send("a", ready_a));
  s.actions.push_back(send("b", ready_b));
  return s;
}

// ---- races --------------------------------------------------------------------

const std::vector<step::close_mode> close_modes = {step::close_mode::fin, step::close_mode::rst,
                                                   step::close_mode::half};

step close_step(const std::string& conn, step::close_mode how) {
  step st;
  st.what = step::kind::close;
  st.conn = conn;
  st.how = how;
  return st;
}

// A connection name not used yet: `base` with "r", "rr", ... appended.
std::string fresh_name(const session& s, std::string base) {
  auto taken = [&](const std::string& n) {
    return std::any_of(s.connections.begin(), s.connections.end(),
                       [&](const connection& c) { return c.name == n; });
  };
  do base += "r";
  while (taken(base));
  return base;
}

// The mutations that act while requests are in flight: two connections'
// requests sent at once; a frame cut by a close; a vanished side rejoining
// on a new connection; a client killed (every connection of a side reset).
// False when the session has nothing they apply to.
bool race(session& s, rng& r, unsigned which) {
  auto& acts = s.actions;
  switch (which) {
    case 0: {  // two sends on different connections, in flight at once
      std::vector<std::size_t> pairs;
      for (std::size_t i = 0; i + 1 < acts.size(); ++i) {
        if (sends_request(acts[i]) && sends_request(acts[i + 1]) &&
            acts[i].conn != acts[i + 1].conn) {
          pairs.push_back(i);
        }
      }
      if (pairs.empty()) return false;
      const std::size_t i = r.pick(pairs);
      step both;
      both.what = step::kind::concurrent;
      both.branches = {{acts[i]}, {acts[i + 1]}};
      if (r.chance(50)) std::swap(both.branches[0], both.branches[1]);
      acts[i] = std::move(both);
      acts.erase(acts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return true;
    }
    case 1: {  // a frame whose rest never comes: the connection closes in between
      std::vector<std::size_t> sends;
      for (std::size_t i = 0; i < acts.size(); ++i) {
        if (acts[i].what == step::kind::send) sends.push_back(i);
      }
      if (sends.empty()) return false;
      const std::size_t i = r.pick(sends);
      std::string room;
      const std::string text = body_json(acts[i].message, s.profile, room).dump();
      step cut = body_step(acts[i].conn, text, room, s.profile, r);
      cut.length_delta = static_cast<int>(1 + r.below(text.size()));
      if (r.chance(50)) set_chunks(cut, r);
      const std::string conn = cut.conn;
      acts[i] = std::move(cut);
      acts.insert(acts.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  close_step(conn, r.pick(close_modes)));
      return true;
    }
    case 2: {  // a side vanishes and rejoins: its requests again, on a new connection
      std::vector<std::size_t> sends;
      for (std::size_t i = 0; i < acts.size(); ++i) {
        if (acts[i].what == step::kind::send && acts[i].message.contains("is_creator")) {
          sends.push_back(i);
        }
      }
      if (sends.empty()) return false;
      const std::size_t i = r.pick(sends);
      const std::string old = acts[i].conn;
      const bool is_creator = acts[i].message["is_creator"].get<bool>();
      int family = 4;
      for (const auto& c : s.connections) {
        if (c.name == old) family = c.family;
      }
      const std::string fresh = fresh_name(s, old);
      s.connections.push_back({fresh, family});
      // The old connection vanishes with this request in flight; the same
      // side's requests from here on go to the new one, and those it had
      // sent before are sent again there (a client restarted).
      std::vector<step> again;
      for (std::size_t k = 0; k <= i; ++k) {
        if (acts[k].what != step::kind::send || acts[k].conn != old) continue;
        const json& m = acts[k].message;
        if (m.contains("is_creator") ? m["is_creator"] == is_creator
                                     : is_creator && m.value("type", "") == "CreateRoom") {
          again.push_back(acts[k]);
          again.back().conn = fresh;
        }
      }
      for (std::size_t k = i + 1; k < acts.size(); ++k) {
        if (acts[k].conn == old) acts[k].conn = fresh;
      }
      const auto at = acts.begin() + static_cast<std::ptrdiff_t>(i) + 1;
      const auto after = acts.insert(at, close_step(old, r.pick(close_modes))) + 1;
      acts.insert(after, again.begin(), again.end());
      return true;
    }
    default: {  // client processes killed: every connection of one side, or both, reset
      const unsigned sides = static_cast<unsigned>(r.below(3));  // creator, joiner, both
      bool any = false;
      for (const auto& c : s.connections) {
        const bool creator = c.name[0] == 'a';
        if (sides == 2 || creator == (sides == 0)) {
          acts.push_back(close_step(c.name, step::close_mode::rst));
          any = true;
        }
      }
      return any;
    }
  }
}

}  // namespace

void mutate(session& s, rng& r, const generator_options& /*options*/) {
  const auto conns = names_of(s);
  auto& acts = s.actions;
  auto insert_at = [&](step st) {
    acts.insert(acts.begin() + static_cast<std::ptrdiff_t>(r.below(acts.size() + 1)),
                std::move(st));
  };
  const unsigned op = static_cast<unsigned>(r.below(19));
  if (op >= 15 && race(s, r, op - 15)) return;
  if (op >= 14 && !acts.empty()) {  // send and vanish: FIN or half-close right after a send
    std::vector<std::size_t> sends;
    for (std::size_t i = 0; i < acts.size(); ++i) {
      if (sends_request(acts[i])) sends.push_back(i);
    }
    if (!sends.empty()) {
      const std::size_t i = r.pick(sends);
      step st;
      st.what = step::kind::close;
      st.conn = acts[i].conn;
      st.how = r.chance(50) ? step::close_mode::fin : step::close_mode::half;
      acts.insert(acts.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(st));
      return;
    }
  }
  if (acts.empty() || op >= 10) {
    switch (acts.empty() ? 0 : op - 10) {
      case 0:
        insert_at(send(r.pick(conns), random_message(r)));
        return;
      case 1: {
        step st;
        st.what = step::kind::send_raw;
        st.conn = r.pick(conns);
        st.raw = random_raw(r, s.profile);
        if (r.chance(20)) set_chunks(st, r);
        insert_at(std::move(st));
        return;
      }
      case 2: {
        static const std::vector<step::close_mode> hows = {
            step::close_mode::fin, step::close_mode::rst, step::close_mode::half};
        step st;
        st.what = step::kind::close;
        st.conn = r.pick(conns);
        st.how = r.pick(hows);
        insert_at(std::move(st));
        return;
      }
      default: {  // a pause between two steps (far below any server deadline)
        step st;
        st.what = step::kind::wait;
        st.duration = std::chrono::milliseconds(1 + r.below(40));
        insert_at(std::move(st));
        return;
      }
    }
  }
  const std::size_t i = r.below(acts.size());
  step& st = acts[i];
  const bool has_message = st.what == step::kind::send;
  switch (op) {
    case 0:
      acts.erase(acts.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    case 1: {  // repeated, half the time from another connection (a second device)
      step copy = st;
      if (r.chance(50) && on_connection(copy)) copy.conn = r.pick(conns);
      acts.insert(acts.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(copy));
      return;
    }
    case 2: {
      step moved = st;
      acts.erase(acts.begin() + static_cast<std::ptrdiff_t>(i));
      insert_at(std::move(moved));
      return;
    }
    case 3: {  // another connection
      if (on_connection(st)) st.conn = r.pick(conns);
      return;
    }
    case 4:
      if (has_message) {
        st.message["room_code"] = "${" + r.pick(room_names) + "}";
        return;
      }
      break;
    case 5:
      if (has_message && st.message.contains("is_creator")) {
        st.message["is_creator"] = !st.message["is_creator"].get<bool>();
        return;
      }
      break;
    case 6:
      if (has_message) {
        const json old = st.message;
        json m = message(r.pick(types), "room", old.value("is_creator", r.chance(50)));
        m["room_code"] = old["room_code"];
        if (m["type"] == "ReadyToShare") m["local_contact"] = random_local_contact(r);
        st.message = m;
        return;
      }
      break;
    case 7:
      if (has_message && st.message["type"] == "ReadyToShare") {
        st.message["local_contact"] = random_local_contact(r);
        if (r.chance(50)) {  // the same addresses, written as no display form writes them
          std::string room;
          ordered body = body_json(st.message, s.profile, room);
          std::vector<ordered*> objects;
          objects_in(body, objects);
          for (ordered* obj : objects) {
            if (!obj->contains("v4") || !obj->contains("v6")) continue;
            const bool v4 = r.chance(50);
            (*obj)[v4 ? "v4" : "v6"] = odd_address(v4, r);
          }
          st = body_step(st.conn, body.dump(), room, s.profile, r);
        }
        return;
      }
      break;
    case 8:
      if (has_message) {  // rewrite the body
        std::string room;
        ordered body = body_json(st.message, s.profile, room);
        if (r.chance(70)) mutate_structure(body, r, s.profile, room);
        std::string text = body.dump();
        if (r.chance(50)) mutate_bytes(text, r, json(marker(room)).dump());
        st = body_step(st.conn, text, room, s.profile, r);
        return;
      }
      break;
    case 9:
      if (has_message) {  // change the header
        std::string room;
        const std::string text = body_json(st.message, s.profile, room).dump();
        step changed = body_step(st.conn, text, room, s.profile, r);
        switch (r.below(3)) {
          case 0: {
            static const std::vector<int> versions = {0, 1, 2, 3, 4, 255};
            int v = r.pick(versions);
            if (v == wire::version_byte(s.profile)) v = 0;
            changed.version_byte = v;
            break;
          }
          case 1: {
            static const std::vector<int> deltas = {-3, -1, 1, 2, 40};
            changed.length_delta = r.pick(deltas);
            break;
          }
          default: {
            static const std::vector<int> lengths = {0, 1, 2, 65535};
            changed.length = static_cast<std::size_t>(r.pick(lengths));
            break;
          }
        }
        st = changed;
        return;
      }
      break;
    default:
      break;
  }
  // The chosen mutation did not apply to this step: split its writes instead.
  if (sends_request(st)) {
    set_chunks(st, r);
  } else {
    insert_at(send(r.pick(conns), random_message(r)));
  }
}

session generate_session(std::uint64_t seed, const generator_options& options) {
  rng r(seed);
  session s = base_exchange(r, options);
  const std::size_t n = r.below(options.max_mutations + 1);
  for (std::size_t k = 0; k < n; ++k) mutate(s, r, options);
  return s;
}

}  // namespace gday::netfuzz
