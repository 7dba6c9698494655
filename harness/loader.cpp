#include "gday/harness/loader.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "gday/base/utf8.hpp"
#include "gday/harness/scenario_keys.hpp"
#include "gday/wire/address.hpp"
#include "gday/wire/messages.hpp"
#include "loader_support.hpp"

namespace gday::harness {

std::string load_error::what() const {
  if (pointer.empty()) return file + ": " + message;
  return file + ": " + pointer + ": " + message;
}

namespace {

using nlohmann::json;
// The generic JSON readers (loader_support.hpp): the format below reads like
// the scenario format.
using namespace detail;

constexpr int max_nesting = 8;  // concurrent steps inside concurrent steps
constexpr std::uintmax_t max_file_size = 16u << 20;

// Rejects keys that an object of `kind` may not hold (scenario_keys.hpp),
// suggesting the closest allowed one.
void check_keys(const json::object_t& object, const std::string& pointer, object_kind kind) {
  detail::check_keys(object, pointer, accepted_keys(kind));
}

// --- the scenario format ------------------------------------------------------

constexpr auto grade_words = std::to_array<std::string_view>({"MUST", "SHOULD", "MAY"});
constexpr auto profile_words = std::to_array<std::string_view>({"v1", "v2", "v3"});
constexpr auto action_keys = std::to_array<std::string_view>(
    {"connect", "send", "send_body", "send_raw", "expect", "expect_closed", "expect_silence",
     "wait_ms", "close", "concurrent"});
constexpr auto message_types =
    std::to_array<std::string_view>({"CreateRoom", "RecordPublicAddr", "ReadyToShare"});
constexpr auto chunk_words = std::to_array<std::string_view>({"whole", "bytewise"});
constexpr auto then_words = std::to_array<std::string_view>({"closed", "open"});
constexpr auto close_words = std::to_array<std::string_view>({"fin", "rst", "half"});
constexpr auto contact_parts = std::to_array<std::string_view>({"local", "public"});

grade grade_of(std::string_view word) {
  if (word == "SHOULD") return grade::should;
  if (word == "MAY") return grade::may;
  return grade::must;
}

bool is_requirement_id(std::string_view text) {
  // ^[A-Z]-[0-9]+$
  if (text.size() < 3 || text[0] < 'A' || text[0] > 'Z' || text[1] != '-') return false;
  return std::all_of(text.begin() + 2, text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "lifecycle/room-expires": segments of [A-Za-z0-9._-], no empty, "." or "..".
bool is_scenario_id(std::string_view text) {
  if (text.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(text.find('/', start), text.size());
    const std::string_view segment = text.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    if (end == text.size()) return true;
    start = end + 1;
  }
}

std::vector<std::string_view> reply_type_names() {
  std::vector<std::string_view> names;
  for (int i = 0; i < wire::server_msg_type_count; ++i) {
    names.push_back(wire::variant_name(static_cast<wire::server_msg_type>(i)));
  }
  return names;
}

// Walks one scenario object, filling the model; throws `invalid`.
class scenario_reader {
 public:
  explicit scenario_reader(const std::string& expected_id) : expected_id_(expected_id) {}

  scenario read(const json& root) {
    const std::string top;
    const auto& object = as_object(root, top);
    check_keys(object, top, object_kind::scenario);
    read_id(require(object, top, "id"));
    read_summary(require(object, top, "summary"));
    read_requirements(require(object, top, "requirements"));
    out_.level = grade_of(as_word(require(object, top, "grade"), "/grade", "grade", grade_words));
    read_profiles(find(object, "profiles"));
    if (const json* settings = find(object, "settings")) read_settings(*settings);
    if (const json* tags = find(object, "tags")) read_tags(*tags);
    if (const json* rooms = find(object, "rooms")) read_rooms(*rooms);
    if (const json* client = find(object, "client")) {
      for (const char* key : {"connections", "steps", "rooms"}) {
        if (find(object, key)) {
          fail(child(top, key), std::string("a client scenario has no ") + key +
                                    ": the harness is the server, the clients under test act");
        }
      }
      out_.client = read_client(*client);
      return std::move(out_);
    }
    read_connections(require(object, top, "connections"));
    const auto& steps = as_array(require(object, top, "steps"), "/steps");
    if (steps.empty()) fail("/steps", "a scenario needs at least one step");
    std::set<std::string> used;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      out_.steps.push_back(read_step(steps[i], child("/steps", i), 0, used));
    }
    return std::move(out_);
  }

 private:
  // --- client scenarios ---------------------------------------------------------

  static std::vector<std::string> read_roles(const json& value, const std::string& pointer) {
    static constexpr auto words = std::to_array<std::string_view>({"creator", "joiner"});
    std::vector<std::string> out;
    const auto& items = as_array(value, pointer);
    if (items.empty()) fail(pointer, "name at least one role: \"creator\" or \"joiner\"");
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string role(as_word(items[i], child(pointer, i), "role", words));
      if (std::find(out.begin(), out.end(), role) != out.end()) {
        fail(child(pointer, i), "role " + in_quotes(role) + " is listed twice");
      }
      out.push_back(std::move(role));
    }
    return out;
  }

  client_spec read_client(const json& value) {
    const std::string pointer = "/client";
    const auto& object = as_object(value, pointer);
    check_keys(object, pointer, object_kind::client);
    client_spec c;
    c.roles = read_roles(require(object, pointer, "roles"), child(pointer, "roles"));
    c.judged = read_roles(require(object, pointer, "judged"), child(pointer, "judged"));
    for (std::size_t i = 0; i < c.judged.size(); ++i) {
      if (std::find(c.roles.begin(), c.roles.end(), c.judged[i]) == c.roles.end()) {
        fail(child(child(pointer, "judged"), i),
             "judged role " + in_quotes(c.judged[i]) + " is not in roles");
      }
    }
    if (const json* rules = find(object, "server")) {
      const std::string at = child(pointer, "server");
      const auto& items = as_array(*rules, at);
      for (std::size_t i = 0; i < items.size(); ++i) {
        c.server.push_back(read_rule(items[i], child(at, i)));
      }
    }
    if (const json* v = find(object, "exit")) {
      static constexpr auto words =
          std::to_array<std::string_view>({"success", "failure", "waiting"});
      const auto word = as_word(*v, child(pointer, "exit"), "exit", words);
      c.exit = word == "success"   ? client_exit::success
               : word == "failure" ? client_exit::failure
                                   : client_exit::waiting;
    }
    if (const json* v = find(object, "says")) {
      const std::string at = child(pointer, "says");
      const auto& items = as_array(*v, at);
      if (items.empty()) fail(at, "list at least one word, or leave says out");
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string& word = as_string(items[i], child(at, i));
        if (word.empty()) fail(child(at, i), "an empty word matches any output");
        c.says.push_back(word);
      }
      if (c.exit != client_exit::failure) {
        fail(at, "says is checked only when the exit is a failure");
      }
    }
    if (const json* v = find(object, "within_ms")) {
      c.within = as_ms(*v, child(pointer, "within_ms"), "within_ms");
    }
    if (const json* v = find(object, "order")) c.order = as_bool(*v, child(pointer, "order"));
    if (const json* v = find(object, "room_hash")) {
      c.room_hash = as_bool(*v, child(pointer, "room_hash"));
    }
    if (const json* v = find(object, "prints_peer_contact")) {
      c.prints_peer_contact = as_bool(*v, child(pointer, "prints_peer_contact"));
      if (c.prints_peer_contact && c.exit != client_exit::success) {
        fail(child(pointer, "prints_peer_contact"), "a client that fails prints no peer contact");
      }
    }
    return c;
  }

  core::script_rule read_rule(const json& value, const std::string& pointer) {
    using act = core::script_rule::action;
    const auto& object = as_object(value, pointer);
    check_keys(object, pointer, object_kind::client_rule);
    core::script_rule r;
    static constexpr auto requests =
        std::to_array<std::string_view>({"*", "CreateRoom", "RecordPublicAddr", "ReadyToShare"});
    r.on = std::string(
        as_word(require(object, pointer, "on"), child(pointer, "on"), "request", requests));
    if (const json* v = find(object, "role")) {
      static constexpr auto words = std::to_array<std::string_view>({"creator", "joiner"});
      r.role = std::string(as_word(*v, child(pointer, "role"), "role", words));
      if (r.on == "*") fail(child(pointer, "role"), "role needs a request in on, not \"*\"");
    }
    if (const json* v = find(object, "nth")) {
      r.nth = static_cast<unsigned>(as_integer(*v, child(pointer, "nth"), "nth", 1, 1000000));
    }
    static constexpr auto actions =
        std::to_array<std::string_view>({"answer", "reply", "stall", "close", "raw_hex"});
    const std::string_view action = one_of(object, pointer, actions, /*required=*/true);
    const std::string at = child(pointer, action);
    const json& v = object.at(std::string(action));
    auto reply_of = [&](const json& name, const std::string& where) {
      const std::string type = reply_type(name, where);
      if (type.empty()) fail(where, "name one reply type, not \"*\"");
      return *wire::server_msg_type_from_name(type);
    };
    if (action == "answer" || action == "stall") {
      if (!as_bool(v, at)) fail(at, std::string(action) + " takes only true");
      r.what = action == "answer" ? act::answer : act::stall;
    } else if (action == "reply") {
      r.what = act::reply;
      r.reply = reply_of(v, at);
    } else if (action == "close") {
      static constexpr auto hows = std::to_array<std::string_view>({"fin", "rst"});
      r.what = as_word(v, at, "close", hows) == "fin" ? act::close : act::reset;
    } else {
      r.what = act::raw;
      r.raw = hex_bytes(v, at);
      if (r.raw.empty()) fail(at, "raw_hex needs at least one byte");
    }
    if (const json* w = find(object, "writes")) {
      static constexpr auto shapes = std::to_array<std::string_view>(
          {"whole", "bytewise", "coalesced", "extra_field", "largest"});
      const auto shape = as_word(*w, child(pointer, "writes"), "writes", shapes);
      using sh = core::script_rule::shape;
      r.writes = shape == "whole"         ? sh::whole
                 : shape == "bytewise"    ? sh::bytewise
                 : shape == "coalesced"   ? sh::coalesced
                 : shape == "extra_field" ? sh::extra_field
                                          : sh::largest;
      if (r.what != act::answer) fail(child(pointer, "writes"), "writes applies to answer only");
    }
    if (const json* u = find(object, "unsolicited")) {
      r.unsolicited = reply_of(*u, child(pointer, "unsolicited"));
    }
    if (const json* t = find(object, "then")) {
      static constexpr auto thens = std::to_array<std::string_view>({"closed"});
      as_word(*t, child(pointer, "then"), "then", thens);
      if (r.what == act::stall || r.what == act::close || r.what == act::reset) {
        fail(child(pointer, "then"), "the connection is already stalled or closed");
      }
      r.then_close = true;
    }
    return r;
  }

  // --- header ---------------------------------------------------------------

  void read_id(const json& value) {
    const std::string& id = as_string(value, "/id");
    if (!is_scenario_id(id)) {
      fail("/id", "id " + in_quotes(id) +
                      " is not a scenario path: segments of letters, digits, '.', '_' or '-' "
                      "separated by '/' (\"messages/create-room-twice\")");
    }
    if (!expected_id_.empty() && id != expected_id_) {
      fail("/id", "id " + in_quotes(id) + " does not match the file path " +
                      in_quotes(expected_id_ + ".json"));
    }
    out_.id = id;
  }

  void read_summary(const json& value) {
    const std::string& summary = as_string(value, "/summary");
    if (summary.find_first_not_of(" \t") == std::string::npos) {
      fail("/summary", "the summary must not be empty");
    }
    if (summary.find_first_of("\r\n") != std::string::npos) {
      fail("/summary", "the summary must be one line");
    }
    out_.summary = summary;
  }

  void read_requirements(const json& value) {
    const auto& list = as_array(value, "/requirements");
    if (list.empty()) fail("/requirements", "name at least one requirement ID (\"M-1\")");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string pointer = child("/requirements", i);
      const std::string& id = as_string(list[i], pointer);
      if (!is_requirement_id(id)) {
        fail(pointer, "requirement ID " + in_quotes(id) +
                          " is not of the form LETTER-NUMBER (\"M-1\", \"L-7\")");
      }
      if (std::find(out_.requirements.begin(), out_.requirements.end(), id) !=
          out_.requirements.end()) {
        fail(pointer, "requirement " + in_quotes(id) + " is listed twice");
      }
      out_.requirements.push_back(id);
    }
  }

  void read_profiles(const json* value) {
    if (value == nullptr) {
      out_.profiles = {wire::profile::v1, wire::profile::v2, wire::profile::v3};
      return;
    }
    const auto& list = as_array(*value, "/profiles");
    if (list.empty()) fail("/profiles", "list at least one profile, or leave 'profiles' out");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string pointer = child("/profiles", i);
      const std::string_view word = as_word(list[i], pointer, "profile", profile_words);
      const auto p = static_cast<wire::profile>(word[1] - '0');
      if (std::find(out_.profiles.begin(), out_.profiles.end(), p) != out_.profiles.end()) {
        fail(pointer, "profile " + in_quotes(word) + " is listed twice");
      }
      out_.profiles.push_back(p);
    }
    std::sort(out_.profiles.begin(), out_.profiles.end());
  }

  bool runs_v1() const {
    return std::find(out_.profiles.begin(), out_.profiles.end(), wire::profile::v1) !=
           out_.profiles.end();
  }

  void read_settings(const json& value) {
    const std::string pointer = "/settings";
    const auto& object = as_object(value, pointer);
    check_keys(object, pointer, object_kind::settings);
    settings& needs = out_.needs;
    if (const json* v = find(object, "max_room_timeout")) {
      needs.max_room_timeout_s =
          as_seconds(*v, child(pointer, "max_room_timeout"), "max_room_timeout");
    }
    if (const json* v = find(object, "min_room_timeout")) {
      needs.min_room_timeout_s =
          as_seconds(*v, child(pointer, "min_room_timeout"), "min_room_timeout");
    }
    if (const json* v = find(object, "request_limit")) {
      needs.request_limit = static_cast<std::uint32_t>(
          as_integer(*v, child(pointer, "request_limit"), "request_limit", 1, UINT32_MAX));
    }
    if (const json* v = find(object, "fresh_server")) {
      needs.fresh_server = as_bool(*v, child(pointer, "fresh_server"));
    }
    if (needs.min_room_timeout_s && needs.max_room_timeout_s &&
        *needs.min_room_timeout_s > *needs.max_room_timeout_s) {
      fail(pointer,
           "min_room_timeout is greater than max_room_timeout: no server can satisfy both");
    }
  }

  void read_tags(const json& value) {
    const auto& list = as_array(value, "/tags");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string pointer = child("/tags", i);
      const std::string& tag = as_string(list[i], pointer);
      if (tag.empty()) fail(pointer, "a tag must not be empty");
      out_.tags.push_back(tag);
    }
  }

  void read_rooms(const json& value) {
    const auto& list = as_array(value, "/rooms");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string pointer = child("/rooms", i);
      const std::string& name = as_string(list[i], pointer);
      if (!detail::is_name(name)) {
        fail(pointer, "room name " + in_quotes(name) +
                          " must be lower case letters, digits and '_', starting with a letter");
      }
      if (!rooms_.insert(name).second)
        fail(pointer, "room " + in_quotes(name) + " is declared twice");
      out_.rooms.push_back(name);
    }
  }

  void read_connections(const json& value) {
    const std::string pointer = "/connections";
    const auto& object = as_object(value, pointer);
    if (object.empty()) fail(pointer, "declare at least one connection: {\"a\": {\"family\": 4}}");
    for (const auto& [name, spec_value] : object) {
      if (!detail::is_name(name)) {
        fail(pointer, "connection name " + in_quotes(name) +
                          " must be lower case letters, digits and '_', starting with a letter");
      }
      const std::string here = child(pointer, name);
      const auto& spec = as_object(spec_value, here);
      check_keys(spec, here, object_kind::connection);
      connection_spec conn;
      conn.name = name;
      conn.pointer = here;
      if (const json* family = find(spec, "family")) {
        const std::string at = child(here, "family");
        const double number = family->is_number() ? family->get<double>() : 0;
        if (number != 4 && number != 6) {
          fail(at, "family must be 4 or 6, got " +
                       (family->is_number() ? family->dump() : kind_of(*family)));
        }
        conn.family = number == 4 ? 4 : 6;
      }
      if (const json* tls = find(spec, "tls")) conn.tls = as_bool(*tls, child(here, "tls"));
      if (const json* lazy = find(spec, "lazy")) conn.lazy = as_bool(*lazy, child(here, "lazy"));
      connections_.emplace(name, conn);
      out_.connections.push_back(std::move(conn));
    }
    for (const auto& [name, conn] : connections_) names_.push_back(name);
  }

  // --- references -------------------------------------------------------------

  const connection_spec& declared_connection(const std::string& name, const std::string& pointer) {
    const auto it = connections_.find(name);
    if (it == connections_.end()) {
      std::vector<std::string_view> names(names_.begin(), names_.end());
      fail(pointer, "connection " + in_quotes(name) + " is not declared" +
                        detail::did_you_mean(name, names));
    }
    return it->second;
  }

  // What a step does with its connection.
  enum class use { write, read, close };

  // The connection a step acts on: declared, connected if lazy, and not
  // closed by an earlier step (a half-closed one can still be read).
  std::string step_connection(const json& value, const std::string& pointer,
                              std::set<std::string>& used, use how = use::read) {
    const std::string& name = as_string(value, pointer);
    const connection_spec& conn = declared_connection(name, pointer);
    if (conn.lazy && connected_.count(name) == 0) {
      fail(pointer, "connection " + in_quotes(name) +
                        " is lazy and not connected yet: add {\"connect\": \"" + name +
                        "\"} before this step");
    }
    if (auto it = closed_.find(name); it != closed_.end()) {
      const auto& [where, mode] = it->second;
      if (mode != step::close_mode::half) {
        fail(pointer, "connection " + in_quotes(name) + " was closed (" +
                          (mode == step::close_mode::rst ? "rst" : "fin") + ") by " + where +
                          ": no step can use it after that (to go on, declare another "
                          "connection with \"lazy\": true and connect it)");
      }
      if (how == use::write) {
        fail(pointer, "connection " + in_quotes(name) + " was half-closed by " + where +
                          ": it can still be read (expect, expect_closed, expect_silence, close) "
                          "but not written");
      }
    }
    used.insert(name);
    return name;
  }

  void check_room(const std::string& name, const std::string& pointer) {
    if (rooms_.count(name) != 0) return;
    std::vector<std::string_view> names(rooms_.begin(), rooms_.end());
    fail(pointer, "room " + in_quotes(name) + " is not declared" +
                      detail::did_you_mean(name, names) + "; list it in \"rooms\"");
  }

  // A body template: "${room}" names a declared room, "$$" is a '$'.
  void check_template(const std::string& text, const std::string& pointer) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '$') continue;
      if (i + 1 < text.size() && text[i + 1] == '$') {
        ++i;
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '{') {
        const std::size_t close = text.find('}', i + 2);
        if (close == std::string::npos) {
          fail(pointer, "'${' at offset " + std::to_string(i) + " has no closing '}'");
        }
        const std::string name = text.substr(i + 2, close - i - 2);
        if (!detail::is_name(name)) {
          fail(pointer, in_quotes(text.substr(i, close - i + 1)) + " at offset " +
                            std::to_string(i) +
                            " is not a room variable (names are lower case: \"${room}\")");
        }
        check_room(name, pointer);
        i = close;
        continue;
      }
      fail(pointer, "a lone '$' at offset " + std::to_string(i) +
                        ": write '$$' for a '$', or '${room}' for a room code");
    }
  }

  // --- steps --------------------------------------------------------------------

  step read_step(const json& value, const std::string& pointer, int depth,
                 std::set<std::string>& used) {
    const auto& object = as_object(value, pointer);
    std::string_view action;
    for (const auto& [key, v] : object) {
      if (std::find(action_keys.begin(), action_keys.end(), key) == action_keys.end()) continue;
      if (!action.empty()) {
        fail(pointer, "a step has exactly one action; this one has '" + std::string(action) +
                          "' and '" + key + "' (split it into two steps)");
      }
      action = *std::find(action_keys.begin(), action_keys.end(), key);
    }
    if (action.empty()) {
      for (const auto& [key, v] : object) {
        const std::string hint = detail::did_you_mean(key, action_keys);
        if (!hint.empty()) fail(pointer, "unknown key " + in_quotes(key) + hint);
      }
      fail(pointer, "a step needs one action key: " + join(action_keys));
    }
    step s;
    s.pointer = pointer;
    const json& arg = object.at(std::string(action));
    const std::string arg_pointer = child(pointer, action);
    if (action == "connect") {
      check_keys(object, pointer, object_kind::connect_step);
      read_connect(s, arg, arg_pointer, used);
    } else if (action == "send") {
      check_keys(object, pointer, object_kind::send_step);
      s.what = step::kind::send;
      s.conn = step_connection(arg, arg_pointer, used, use::write);
      read_message(s, require(object, pointer, "message"), child(pointer, "message"));
      read_chunks(s, object, pointer);
    } else if (action == "send_body") {
      check_keys(object, pointer, object_kind::send_body_step);
      s.what = step::kind::send_body;
      s.conn = step_connection(arg, arg_pointer, used, use::write);
      read_send_body(s, object, pointer);
      read_chunks(s, object, pointer);
    } else if (action == "send_raw") {
      check_keys(object, pointer, object_kind::send_raw_step);
      s.what = step::kind::send_raw;
      s.conn = step_connection(arg, arg_pointer, used, use::write);
      const std::string hex_pointer = child(pointer, "hex");
      s.raw = hex_bytes(require(object, pointer, "hex"), hex_pointer);
      if (s.raw.empty()) fail(hex_pointer, "send_raw needs at least one byte");
      read_chunks(s, object, pointer);
    } else if (action == "expect") {
      check_keys(object, pointer, object_kind::expect_step);
      s.what = step::kind::expect;
      s.conn = step_connection(arg, arg_pointer, used);
      read_expect(s, object, pointer);
    } else if (action == "expect_closed") {
      check_keys(object, pointer, object_kind::expect_closed_step);
      s.what = step::kind::expect_closed;
      s.conn = step_connection(arg, arg_pointer, used);
      if (const json* t = find(object, "timeout_ms")) {
        s.timeout = as_ms(*t, child(pointer, "timeout_ms"), "timeout_ms");
      }
    } else if (action == "expect_silence") {
      check_keys(object, pointer, object_kind::expect_silence_step);
      s.what = step::kind::expect_silence;
      s.conn = step_connection(arg, arg_pointer, used);
      s.duration = as_ms(require(object, pointer, "ms"), child(pointer, "ms"), "ms");
    } else if (action == "wait_ms") {
      check_keys(object, pointer, object_kind::wait_step);
      s.what = step::kind::wait;
      s.duration = as_ms(arg, arg_pointer, "wait_ms");
      if (const json* scaled = find(object, "scaled")) {
        s.scaled = as_bool(*scaled, child(pointer, "scaled"));
      }
    } else if (action == "close") {
      check_keys(object, pointer, object_kind::close_step);
      s.what = step::kind::close;
      s.conn = step_connection(arg, arg_pointer, used, use::close);
      if (const json* how = find(object, "how")) {
        const auto word = as_word(*how, child(pointer, "how"), "close mode", close_words);
        s.how = word == "rst"    ? step::close_mode::rst
                : word == "half" ? step::close_mode::half
                                 : step::close_mode::fin;
      }
      if (s.how == step::close_mode::half && closed_.count(s.conn)) {
        fail(pointer, "connection " + in_quotes(s.conn) + " is already half-closed by " +
                          closed_.at(s.conn).first);
      }
      closed_[s.conn] = {pointer, s.how};
    } else {
      check_keys(object, pointer, object_kind::concurrent_step);
      read_concurrent(s, arg, arg_pointer, depth, used);
    }
    return s;
  }

  void read_connect(step& s, const json& arg, const std::string& pointer,
                    std::set<std::string>& used) {
    s.what = step::kind::connect;
    const std::string& name = as_string(arg, pointer);
    const connection_spec& conn = declared_connection(name, pointer);
    if (!conn.lazy) {
      fail(pointer, "connection " + in_quotes(name) +
                        " is not lazy: it opens when the scenario starts (declare it with "
                        "\"lazy\": true to open it with a connect step)");
    }
    if (!connected_.insert(name).second) {
      fail(pointer, "connection " + in_quotes(name) + " is already connected by an earlier step");
    }
    used.insert(name);
    s.conn = name;
  }

  void read_chunks(step& s, const json::object_t& object, const std::string& pointer) {
    if (const json* chunks = find(object, "chunks")) {
      const std::string at = child(pointer, "chunks");
      if (chunks->is_array()) {
        const auto& sizes = chunks->get_ref<const json::array_t&>();
        if (sizes.empty()) fail(at, "list at least one chunk size, or use \"whole\"");
        s.chunks.how = chunking::mode::sizes;
        for (std::size_t i = 0; i < sizes.size(); ++i) {
          s.chunks.sizes.push_back(static_cast<std::size_t>(
              as_integer(sizes[i], child(at, i), "chunk size", 1, 1 << 24)));
        }
      } else if (chunks->is_string()) {
        const auto word = as_word(*chunks, at, "chunking", chunk_words);
        s.chunks.how = word == "bytewise" ? chunking::mode::bytewise : chunking::mode::whole;
      } else {
        fail(at, "expected \"whole\", \"bytewise\" or an array of sizes, got " + kind_of(*chunks));
      }
    }
    if (const json* pause = find(object, "pause_ms")) {
      s.chunks.pause = std::chrono::milliseconds(
          as_integer(*pause, child(pointer, "pause_ms"), "pause_ms", 0, max_ms));
    }
  }

  // A profile-neutral request; stored as given once valid.
  void read_message(step& s, const json& value, const std::string& pointer) {
    const auto& object = as_object(value, pointer);
    const std::string_view type = as_word(require(object, pointer, "type"), child(pointer, "type"),
                                          "message type", message_types);
    if (type == "CreateRoom") {
      check_keys(object, pointer, object_kind::create_room);
    } else if (type == "RecordPublicAddr") {
      check_keys(object, pointer, object_kind::record_public_addr);
    } else {
      check_keys(object, pointer, object_kind::ready_to_share);
    }
    read_room_code(require(object, pointer, "room_code"), child(pointer, "room_code"));
    if (type != "CreateRoom") {
      as_bool(require(object, pointer, "is_creator"), child(pointer, "is_creator"));
    }
    if (const json* local = find(object, "local_contact")) {
      const std::string at = child(pointer, "local_contact");
      const auto& contact = as_object(*local, at);
      check_keys(contact, at, object_kind::address_pair);
      for (const auto& [family, address] : contact) {
        const std::string field = child(at, family);
        if (address.is_null()) continue;
        check_address(as_string(address, field), family, field);
      }
    }
    s.message = value;
  }

  void read_room_code(const json& value, const std::string& pointer) {
    const std::string& code = as_string(value, pointer);
    if (const auto name = variable_reference(code)) {
      if (!detail::is_name(*name)) {
        fail(pointer,
             in_quotes(code) + " is not a room variable (names are lower case: \"${room}\")");
      }
      check_room(*name, pointer);
      return;
    }
    if (code.find("${") != std::string::npos) {
      fail(pointer,
           "room_code is either exactly \"${room}\" (a declared room) or a literal "
           "without '${', got " +
               in_quotes(code));
    }
    if (runs_v1()) {
      fail(pointer, "a literal room_code (" + in_quotes(code) +
                        ") cannot run on v1, whose room codes are 32 bytes: use a room "
                        "variable (\"${room}\") or set \"profiles\": [\"v2\", \"v3\"]");
    }
  }

  // An address literal in the field of its family ("v4" or "v6").
  static void check_address(const std::string& text, std::string_view family,
                            const std::string& pointer) {
    const bool v4 = family == "v4";
    const bool ok = v4 ? wire::parse_socket_addr_v4(text).has_value()
                       : wire::parse_socket_addr_v6(text).has_value();
    if (ok) return;
    const bool other = v4 ? wire::parse_socket_addr_v6(text).has_value()
                          : wire::parse_socket_addr_v4(text).has_value();
    if (other) {
      fail(pointer, in_quotes(text) + " is an " + (v4 ? "IPv6" : "IPv4") + " address in the \"" +
                        std::string(family) + "\" field");
    }
    fail(pointer,
         v4 ? "invalid IPv4 socket address " + in_quotes(text) + " (expected \"1.2.3.4:5\")"
            : "invalid IPv6 socket address " + in_quotes(text) + " (expected \"[::1]:5\")");
  }

  void read_send_body(step& s, const json::object_t& object, const std::string& pointer) {
    const std::string_view key = one_of(
        object, pointer, std::to_array<std::string_view>({"body", "body_hex"}), /*required=*/true);
    const bool hex = key == "body_hex";
    s.body_hex = hex;
    const std::string at = child(pointer, key);
    const json& value = object.at(std::string(key));
    auto read_one = [&](const json& text, const std::string& where) {
      if (hex) return hex_bytes(text, where);
      const std::string& body = as_string(text, where);
      check_template(body, where);
      return body;
    };
    if (value.is_object()) {
      const auto& per_profile = value.get_ref<const json::object_t&>();
      check_keys(per_profile, at, object_kind::per_profile_body);
      if (per_profile.empty()) fail(at, "give a body for \"*\" or for each profile");
      for (const auto& [profile, text] : per_profile) {
        s.bodies[profile] = read_one(text, child(at, profile));
      }
      if (s.bodies.count("*") == 0) {
        for (wire::profile p : out_.profiles) {
          const std::string name(wire::to_string(p));
          if (s.bodies.count(name) == 0) {
            fail(at, "no body for profile " + name + ", which this scenario runs on: add \"" +
                         name + "\" or \"*\"");
          }
        }
      }
    } else if (value.is_string()) {
      s.bodies["*"] = read_one(value, at);
    } else {
      fail(at, "expected a string or an object of bodies per profile, got " + kind_of(value));
    }
    if (const json* version = find(object, "version")) {
      s.version_byte =
          static_cast<int>(as_integer(*version, child(pointer, "version"), "version", 0, 255));
    }
    one_of(object, pointer, std::to_array<std::string_view>({"length", "length_delta"}),
           /*required=*/false);
    if (const json* delta = find(object, "length_delta")) {
      s.length_delta = static_cast<int>(
          as_integer(*delta, child(pointer, "length_delta"), "length_delta", -65535, 65535));
    }
    if (const json* length = find(object, "length")) {
      s.length = static_cast<std::size_t>(
          as_integer(*length, child(pointer, "length"), "length", 0, 65535));
    }
  }

  static std::string hex_bytes(const json& value, const std::string& pointer) {
    std::string why;
    auto bytes = detail::decode_hex(as_string(value, pointer), why);
    if (!bytes) fail(pointer, why);
    return std::move(*bytes);
  }

  // --- expectations -----------------------------------------------------------

  void read_expect(step& s, const json::object_t& object, const std::string& pointer) {
    const std::string_view form =
        one_of(object, pointer, std::to_array<std::string_view>({"reply", "replies", "any_of"}),
               /*required=*/true);
    if (const json* t = find(object, "timeout_ms")) {
      s.timeout = as_ms(*t, child(pointer, "timeout_ms"), "timeout_ms");
    }
    std::set<std::string> defined;  // captures of this step, from any alternative
    if (form == "any_of") {
      if (find(object, "then") != nullptr) {
        fail(pointer, "'then' goes inside each alternative of 'any_of', not beside it");
      }
      const std::string at = child(pointer, "any_of");
      const auto& list = as_array(object.at("any_of"), at);
      if (list.empty()) fail(at, "list at least one alternative");
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.alternatives.push_back(read_alternative(list[i], child(at, i), defined));
      }
    } else {
      s.alternatives.push_back(read_outcome(object, pointer, form, defined));
    }
    for (const std::string& name : defined) captures_.insert(name);
  }

  alternative read_alternative(const json& value, const std::string& pointer,
                               std::set<std::string>& defined) {
    const auto& object = as_object(value, pointer);
    check_keys(object, pointer, object_kind::alternative);
    const std::string_view form =
        one_of(object, pointer, std::to_array<std::string_view>({"reply", "replies", "closed"}),
               /*required=*/true);
    alternative alt;
    if (form == "closed") {
      const std::string at = child(pointer, "closed");
      if (!as_bool(object.at("closed"), at)) {
        fail(at, "\"closed\" can only be true (no reply, the server ends the connection)");
      }
      if (find(object, "then") != nullptr) {
        fail(pointer,
             "'then' does not apply to {\"closed\": true}: the connection is already "
             "closed");
      }
      alt.then_closed = true;
    } else {
      alt = read_outcome(object, pointer, form, defined);
    }
    if (const json* g = find(object, "grade")) {
      alt.grade = grade_of(as_word(*g, child(pointer, "grade"), "grade", grade_words));
    }
    if (const json* note = find(object, "note"))
      alt.note = as_string(*note, child(pointer, "note"));
    return alt;
  }

  // "reply"/"replies" and "then" of an object (a step or an alternative).
  alternative read_outcome(const json::object_t& object, const std::string& pointer,
                           std::string_view form, std::set<std::string>& defined) {
    alternative alt;
    std::set<std::string> mine;  // captures visible to later patterns of this alternative
    const std::string at = child(pointer, form);
    if (form == "reply") {
      alt.replies.push_back(read_pattern(object.at("reply"), at, mine));
    } else {
      const auto& list = as_array(object.at("replies"), at);
      if (list.empty()) fail(at, "list at least one reply");
      for (std::size_t i = 0; i < list.size(); ++i) {
        alt.replies.push_back(read_pattern(list[i], child(at, i), mine));
      }
    }
    if (const json* then = find(object, "then")) {
      const auto word = as_word(*then, child(pointer, "then"), "'then' value", then_words);
      alt.then_closed = word == "closed";
      alt.then_open = word == "open";
    }
    defined.insert(mine.begin(), mine.end());
    return alt;
  }

  std::string reply_type(const json& value, const std::string& pointer) {
    const std::string& name = as_string(value, pointer);
    if (name == "*") return {};
    if (!wire::server_msg_type_from_name(name)) {
      const auto names = reply_type_names();
      std::string hint = detail::did_you_mean(name, names);
      if (hint.empty()) hint = " (expected \"*\" or one of " + join(names) + ")";
      fail(pointer, "unknown reply type " + in_quotes(name) + hint);
    }
    return name;
  }

  reply_pattern read_pattern(const json& value, const std::string& pointer,
                             std::set<std::string>& mine) {
    reply_pattern pattern;
    if (value.is_string()) {
      pattern.type = reply_type(value, pointer);
      return pattern;
    }
    if (!value.is_object()) {
      fail(pointer, "expected a reply type (\"RoomCreated\") or a reply pattern object, got " +
                        kind_of(value));
    }
    const auto& object = value.get_ref<const json::object_t&>();
    check_keys(object, pointer, object_kind::reply_pattern);
    pattern.type = reply_type(require(object, pointer, "type"), child(pointer, "type"));
    const auto type = wire::server_msg_type_from_name(pattern.type);
    const bool has_contact = type && wire::carries_contact(*type);
    if (!has_contact) {
      for (std::string_view key : {"local", "public", "contact", "capture"}) {
        if (find(object, key) != nullptr) {
          fail(child(pointer, key),
               "'" + std::string(key) + "' is only allowed for ClientContact and PeerContact");
        }
      }
      return pattern;
    }
    json contact = json::object();
    if (const json* whole = find(object, "contact")) {
      const std::string at = child(pointer, "contact");
      if (find(object, "local") != nullptr || find(object, "public") != nullptr) {
        fail(pointer,
             "'contact' matches the whole contact; it cannot be combined with 'local' "
             "or 'public'");
      }
      const std::string& text = as_string(*whole, at);
      const auto name = variable_reference(text);
      if (!name) {
        fail(at, "expected \"${name}\" naming a contact captured earlier, got " + in_quotes(text));
      }
      if (captures_.count(*name) == 0 && mine.count(*name) == 0) {
        std::vector<std::string_view> known(captures_.begin(), captures_.end());
        known.insert(known.end(), mine.begin(), mine.end());
        fail(at, "capture " + in_quotes(*name) + " is not defined before this step" +
                     detail::did_you_mean(*name, known) +
                     " (define it with \"capture\" in an earlier expect)");
      }
      contact["contact"] = text;
    }
    for (std::string_view part : contact_parts) {
      if (const json* cpat = find(object, part)) {
        read_contact_pattern(*cpat, child(pointer, part));
        contact[std::string(part)] = *cpat;
      }
    }
    if (!contact.empty()) pattern.contact = std::move(contact);
    if (const json* capture = find(object, "capture")) {
      const std::string at = child(pointer, "capture");
      const std::string& name = as_string(*capture, at);
      if (!detail::is_name(name)) {
        fail(at, "capture name " + in_quotes(name) +
                     " must be lower case letters, digits and '_', starting with a letter");
      }
      if (captures_.count(name) != 0 || !mine.insert(name).second) {
        fail(at, "capture " + in_quotes(name) + " is already defined; pick another name");
      }
      pattern.capture = name;
    }
    return pattern;
  }

  // {"v4": X, "v6": X}, X = null | address | "@conn" | "*".
  void read_contact_pattern(const json& value, const std::string& pointer) {
    const auto& object = as_object(value, pointer);
    check_keys(object, pointer, object_kind::address_pair);
    for (const auto& [family, x] : object) {
      const std::string at = child(pointer, family);
      if (x.is_null()) continue;
      if (!x.is_string()) {
        fail(at, "expected null, an address, \"@connection\" or \"*\", got " + kind_of(x));
      }
      const std::string& text = x.get_ref<const std::string&>();
      if (text == "*") continue;
      if (text.starts_with("@")) {
        const std::string name = text.substr(1);
        const connection_spec& conn = declared_connection(name, at);
        const int wanted = family == "v4" ? 4 : 6;
        if (conn.family != wanted) {
          fail(at, "connection " + in_quotes(name) + " is IPv" + std::to_string(conn.family) +
                       ", so " + in_quotes(text) + " can only be used in the \"v" +
                       std::to_string(conn.family) + "\" field");
        }
        continue;
      }
      check_address(text, family, at);
    }
  }

  // --- concurrency --------------------------------------------------------------

  void read_concurrent(step& s, const json& arg, const std::string& pointer, int depth,
                       std::set<std::string>& used) {
    s.what = step::kind::concurrent;
    if (depth + 1 > max_nesting) {
      fail(pointer,
           "concurrent steps nest more than " + std::to_string(max_nesting) + " levels deep");
    }
    const auto& branches = as_array(arg, pointer);
    if (branches.size() < 2) fail(pointer, "list at least two branches (arrays of steps)");
    const std::set<std::string> captures_before = captures_;
    const std::set<std::string> connected_before = connected_;
    const auto closed_before = closed_;
    std::set<std::string> captures_after = captures_before;
    std::set<std::string> connected_after = connected_before;
    auto closed_after = closed_before;
    std::map<std::string, std::size_t> owner;  // connection -> branch that uses it
    for (std::size_t b = 0; b < branches.size(); ++b) {
      const std::string at = child(pointer, b);
      const auto& steps = as_array(branches[b], at);
      if (steps.empty()) fail(at, "a branch needs at least one step");
      // Each branch sees what was defined before the concurrent step, and
      // its own definitions in order; never a sibling's.
      captures_ = captures_before;
      connected_ = connected_before;
      closed_ = closed_before;
      std::set<std::string> branch_used;
      std::vector<step> branch;
      for (std::size_t i = 0; i < steps.size(); ++i) {
        branch.push_back(read_step(steps[i], child(at, i), depth + 1, branch_used));
      }
      for (const std::string& name : branch_used) {
        const auto [it, fresh] = owner.emplace(name, b);
        if (!fresh) {
          fail(pointer, "connection " + in_quotes(name) + " is used in branches " +
                            std::to_string(it->second) + " and " + std::to_string(b) +
                            "; each connection belongs to one branch");
        }
      }
      for (const std::string& name : captures_) {
        if (captures_before.count(name) == 0 && !captures_after.insert(name).second) {
          fail(at, "capture " + in_quotes(name) + " is defined in two branches; pick another name");
        }
      }
      connected_after.insert(connected_.begin(), connected_.end());
      for (const auto& [name, how] : closed_) closed_after[name] = how;
      used.insert(branch_used.begin(), branch_used.end());
      s.branches.push_back(std::move(branch));
    }
    captures_ = std::move(captures_after);
    connected_ = std::move(connected_after);
    closed_ = std::move(closed_after);
  }

  const std::string& expected_id_;
  scenario out_;
  std::set<std::string> rooms_;
  std::map<std::string, connection_spec> connections_;
  std::vector<std::string> names_;   // declared connection names, for suggestions
  std::set<std::string> captures_;   // defined by earlier steps
  std::set<std::string> connected_;  // lazy connections opened by earlier steps
  // Connections closed by earlier steps: where, and how.
  std::map<std::string, std::pair<std::string, step::close_mode>> closed_;
};

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

wire::basic_result<scenario, load_error> parse_scenario(std::string_view text,
                                                        const std::string& file,
                                                        const std::string& expected_id) {
  try {
    if (blank(text)) return load_error{file, "", "the file is empty (expected a JSON object)"};
    if (const auto bad = base::first_invalid_utf8(text)) {
      static constexpr char digits[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(text[*bad]);
      return load_error{file, "",
                        std::string("not UTF-8: byte 0x") + digits[byte >> 4] + digits[byte & 0xf] +
                            " at " + detail::line_column(text, *bad) +
                            " (scenario files are UTF-8 text; use body_hex or send_raw for "
                            "other bytes)"};
    }
    json root;
    try {
      root = parse_json(text);
    } catch (const json::exception& e) {
      return load_error{file, "", "invalid JSON: " + json_message(e)};
    }
    if (!root.is_object()) {
      return load_error{file, "", "a scenario file holds one JSON object, not " + kind_of(root)};
    }
    scenario result = scenario_reader(expected_id).read(root);
    result.file = file;
    return result;
  } catch (const invalid& e) {
    return load_error{file, e.pointer, e.message};
  } catch (const std::exception& e) {
    return load_error{file, "", std::string("internal error while loading: ") + e.what()};
  } catch (...) {
    return load_error{file, "", "internal error while loading"};
  }
}

wire::basic_result<std::vector<scenario>, std::vector<load_error>> load_scenarios(
    const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<scenario> loaded;
  std::vector<load_error> errors;
  try {
    const fs::path base(root);
    std::error_code ec;
    if (!fs::is_directory(base, ec)) {
      return std::vector<load_error>{
          load_error{root, "", "not a directory (expected the folder holding the scenarios)"}};
    }
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.ends_with(".json") || name.ends_with(".schema.json")) continue;
      std::error_code kind_ec;
      if (!it->is_regular_file(kind_ec)) continue;
      files.push_back(it->path());
    }
    if (ec) errors.push_back(load_error{root, "", "cannot list the folder: " + ec.message()});
    for (const fs::path& path : files) {
      const std::string shown = path.generic_string();
      std::string relative = path.lexically_relative(base).generic_string();
      const std::string id = relative.substr(0, relative.size() - std::string_view(".json").size());
      std::error_code size_ec;
      const auto size = fs::file_size(path, size_ec);
      if (!size_ec && size > max_file_size) {
        errors.push_back(load_error{shown, "", "the file is larger than 16 MiB"});
        continue;
      }
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      if (in) text << in.rdbuf();
      if (!in.is_open() || in.bad()) {
        errors.push_back(load_error{shown, "", "cannot read the file"});
        continue;
      }
      auto parsed = parse_scenario(text.str(), shown, id);
      if (parsed) {
        loaded.push_back(std::move(parsed).value());
      } else {
        errors.push_back(parsed.error());
      }
    }
  } catch (const std::exception& e) {
    errors.push_back(load_error{root, "", std::string("cannot load the scenarios: ") + e.what()});
  }
  if (!errors.empty()) {
    std::sort(errors.begin(), errors.end(), [](const load_error& a, const load_error& b) {
      return std::tie(a.file, a.pointer) < std::tie(b.file, b.pointer);
    });
    return errors;
  }
  std::sort(loaded.begin(), loaded.end(),
            [](const scenario& a, const scenario& b) { return a.id < b.id; });
  return loaded;
}

}  // namespace gday::harness
