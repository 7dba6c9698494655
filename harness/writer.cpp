#include "gday/harness/writer.hpp"

#include "gday/base/hex.hpp"
#include "gday/harness/scenario_keys.hpp"

namespace gday::harness {
namespace {

using json = nlohmann::ordered_json;

void write_chunks(json& out, const chunking& c) {
  switch (c.how) {
    case chunking::mode::whole:
      break;
    case chunking::mode::bytewise:
      out["chunks"] = "bytewise";
      break;
    case chunking::mode::sizes:
      out["chunks"] = c.sizes;
      break;
  }
  if (c.pause.count() != 0) out["pause_ms"] = c.pause.count();
}

void write_timeout(json& out, const step& s) {
  if (s.timeout != step{}.timeout) out["timeout_ms"] = s.timeout.count();
}

// The message with its keys in the format's order ("type" first).
json message_of(const nlohmann::json& message) {
  json out = json::object();
  for (std::string_view key : accepted_keys(object_kind::ready_to_share)) {
    const auto it = message.find(std::string(key));
    if (it != message.end()) out[std::string(key)] = json::parse(it->dump());
  }
  return out;
}

json pattern_of(const reply_pattern& p) {
  const std::string type = p.type.empty() ? "*" : p.type;
  if (!p.contact && p.capture.empty()) return type;
  json out = {{"type", type}};
  if (p.contact) {
    for (std::string_view key : accepted_keys(object_kind::reply_pattern)) {
      const auto it = p.contact->find(std::string(key));
      if (it != p.contact->end()) out[std::string(key)] = json::parse(it->dump());
    }
  }
  if (!p.capture.empty()) out["capture"] = p.capture;
  return out;
}

// "reply"/"replies" and "then" of one outcome.
void write_outcome(json& out, const alternative& a) {
  if (a.replies.size() == 1) {
    out["reply"] = pattern_of(a.replies.front());
  } else {
    json list = json::array();
    for (const auto& p : a.replies) list.push_back(pattern_of(p));
    out["replies"] = std::move(list);
  }
  if (a.then_closed) out["then"] = "closed";
  if (a.then_open) out["then"] = "open";
}

json alternative_of(const alternative& a) {
  json out = json::object();
  if (a.replies.empty()) {
    out["closed"] = true;
  } else {
    write_outcome(out, a);
  }
  if (a.grade) out["grade"] = std::string(to_string(*a.grade));
  if (!a.note.empty()) out["note"] = a.note;
  return out;
}

json bodies_of(const step& s) {
  auto one = [&](const std::string& body) {
    return s.body_hex ? base::encode_hex(body, " ") : body;
  };
  if (s.bodies.size() == 1 && s.bodies.count("*") == 1) return one(s.bodies.at("*"));
  json out = json::object();
  for (std::string_view profile : accepted_keys(object_kind::per_profile_body)) {
    const auto it = s.bodies.find(std::string(profile));
    if (it != s.bodies.end()) out[it->first] = one(it->second);
  }
  return out;
}

json settings_of(const settings& needs) {
  json out = json::object();
  if (needs.max_room_timeout_s) out["max_room_timeout"] = *needs.max_room_timeout_s;
  if (needs.min_room_timeout_s) out["min_room_timeout"] = *needs.min_room_timeout_s;
  if (needs.request_limit) out["request_limit"] = *needs.request_limit;
  if (needs.fresh_server) out["fresh_server"] = true;
  return out;
}

}  // namespace

json to_json(const step& s) {
  json out = json::object();
  switch (s.what) {
    case step::kind::connect:
      out["connect"] = s.conn;
      break;
    case step::kind::send:
      out["send"] = s.conn;
      out["message"] = message_of(s.message);
      write_chunks(out, s.chunks);
      break;
    case step::kind::send_body:
      out["send_body"] = s.conn;
      out[s.body_hex ? "body_hex" : "body"] = bodies_of(s);
      if (s.version_byte) out["version"] = *s.version_byte;
      if (s.length_delta != 0) out["length_delta"] = s.length_delta;
      if (s.length) out["length"] = *s.length;
      write_chunks(out, s.chunks);
      break;
    case step::kind::send_raw:
      out["send_raw"] = s.conn;
      out["hex"] = base::encode_hex(s.raw, " ");
      write_chunks(out, s.chunks);
      break;
    case step::kind::expect: {
      out["expect"] = s.conn;
      const bool inline_form = s.alternatives.size() == 1 && !s.alternatives.front().grade &&
                               s.alternatives.front().note.empty() &&
                               !s.alternatives.front().replies.empty();
      if (inline_form) {
        write_outcome(out, s.alternatives.front());
      } else {
        json list = json::array();
        for (const auto& a : s.alternatives) list.push_back(alternative_of(a));
        out["any_of"] = std::move(list);
      }
      write_timeout(out, s);
      break;
    }
    case step::kind::expect_closed:
      out["expect_closed"] = s.conn;
      write_timeout(out, s);
      break;
    case step::kind::expect_silence:
      out["expect_silence"] = s.conn;
      out["ms"] = s.duration.count();
      break;
    case step::kind::wait:
      out["wait_ms"] = s.duration.count();
      if (!s.scaled) out["scaled"] = false;
      break;
    case step::kind::close:
      out["close"] = s.conn;
      if (s.how == step::close_mode::rst) out["how"] = "rst";
      if (s.how == step::close_mode::half) out["how"] = "half";
      break;
    case step::kind::concurrent: {
      json branches = json::array();
      for (const auto& branch : s.branches) {
        json steps = json::array();
        for (const auto& st : branch) steps.push_back(to_json(st));
        branches.push_back(std::move(steps));
      }
      out["concurrent"] = std::move(branches);
      break;
    }
  }
  return out;
}

json to_json(const core::script_rule& r) {
  using act = core::script_rule::action;
  using sh = core::script_rule::shape;
  json out = {{"on", r.on}};
  if (!r.role.empty()) out["role"] = r.role;
  if (r.nth) out["nth"] = r.nth;
  switch (r.what) {
    case act::answer:
      out["answer"] = true;
      break;
    case act::reply:
      out["reply"] = std::string(wire::variant_name(r.reply));
      break;
    case act::stall:
      out["stall"] = true;
      break;
    case act::close:
      out["close"] = "fin";
      break;
    case act::reset:
      out["close"] = "rst";
      break;
    case act::raw:
      out["raw_hex"] = base::encode_hex(r.raw);
      break;
  }
  if (r.writes != sh::whole) {
    out["writes"] = r.writes == sh::bytewise      ? "bytewise"
                    : r.writes == sh::coalesced   ? "coalesced"
                    : r.writes == sh::extra_field ? "extra_field"
                                                  : "largest";
  }
  if (r.unsolicited) out["unsolicited"] = std::string(wire::variant_name(*r.unsolicited));
  if (r.then_close) out["then"] = "closed";
  return out;
}

json to_json(const client_spec& c) {
  json out = {{"roles", c.roles}, {"judged", c.judged}};
  if (!c.server.empty()) {
    json rules = json::array();
    for (const auto& r : c.server) rules.push_back(to_json(r));
    out["server"] = std::move(rules);
  }
  if (c.exit != client_exit::success) {
    out["exit"] = c.exit == client_exit::failure ? "failure" : "waiting";
  }
  if (!c.says.empty()) out["says"] = c.says;
  if (c.within != client_spec{}.within) out["within_ms"] = c.within.count();
  if (!c.order) out["order"] = false;
  if (c.room_hash) out["room_hash"] = true;
  if (c.prints_peer_contact) out["prints_peer_contact"] = true;
  return out;
}

json to_json(const scenario& s) {
  json out = {{"id", s.id},
              {"summary", s.summary},
              {"requirements", s.requirements},
              {"grade", std::string(to_string(s.level))}};
  if (s.profiles != std::vector{wire::profile::v1, wire::profile::v2, wire::profile::v3}) {
    json profiles = json::array();
    for (wire::profile p : s.profiles) profiles.push_back(std::string(wire::to_string(p)));
    out["profiles"] = std::move(profiles);
  }
  if (json needs = settings_of(s.needs); !needs.empty()) out["settings"] = std::move(needs);
  if (!s.tags.empty()) out["tags"] = s.tags;
  if (!s.rooms.empty()) out["rooms"] = s.rooms;
  if (s.client) {
    out["client"] = to_json(*s.client);
    return out;
  }
  json connections = json::object();
  for (const auto& c : s.connections) {
    json spec = {{"family", c.family}};
    if (c.tls) spec["tls"] = *c.tls;
    if (c.lazy) spec["lazy"] = true;
    connections[c.name] = std::move(spec);
  }
  out["connections"] = std::move(connections);
  json steps = json::array();
  for (const auto& st : s.steps) steps.push_back(to_json(st));
  out["steps"] = std::move(steps);
  return out;
}

std::string write_scenario(const scenario& s) { return to_json(s).dump(2) + "\n"; }

}  // namespace gday::harness
