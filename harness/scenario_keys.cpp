#include "gday/harness/scenario_keys.hpp"

#include <array>

namespace gday::harness {
namespace {
// The key lists, in a namespace of their own: several are named like the
// scenario types they describe (settings, reply_pattern...).
namespace lists {

constexpr auto top = std::to_array<std::string_view>({"id", "summary", "requirements", "grade",
                                                      "profiles", "settings", "tags", "rooms",
                                                      "connections", "steps", "client"});
constexpr auto settings = std::to_array<std::string_view>(
    {"max_room_timeout", "min_room_timeout", "request_limit", "fresh_server"});
constexpr auto connection = std::to_array<std::string_view>({"family", "tls", "lazy"});
constexpr auto connect = std::to_array<std::string_view>({"connect"});
constexpr auto send = std::to_array<std::string_view>({"send", "message", "chunks", "pause_ms"});
constexpr auto send_body = std::to_array<std::string_view>(
    {"send_body", "body", "body_hex", "version", "length_delta", "length", "chunks", "pause_ms"});
constexpr auto send_raw =
    std::to_array<std::string_view>({"send_raw", "hex", "chunks", "pause_ms"});
constexpr auto expect =
    std::to_array<std::string_view>({"expect", "reply", "replies", "any_of", "then", "timeout_ms"});
constexpr auto expect_closed = std::to_array<std::string_view>({"expect_closed", "timeout_ms"});
constexpr auto expect_silence = std::to_array<std::string_view>({"expect_silence", "ms"});
constexpr auto wait = std::to_array<std::string_view>({"wait_ms", "scaled"});
constexpr auto close = std::to_array<std::string_view>({"close", "how"});
constexpr auto concurrent = std::to_array<std::string_view>({"concurrent"});
constexpr auto create_room = std::to_array<std::string_view>({"type", "room_code"});
constexpr auto record_public_addr =
    std::to_array<std::string_view>({"type", "room_code", "is_creator"});
constexpr auto ready_to_share =
    std::to_array<std::string_view>({"type", "room_code", "is_creator", "local_contact"});
constexpr auto per_profile = std::to_array<std::string_view>({"v1", "v2", "v3", "*"});
constexpr auto address_pair = std::to_array<std::string_view>({"v4", "v6"});
constexpr auto reply_pattern =
    std::to_array<std::string_view>({"type", "local", "public", "contact", "capture"});
constexpr auto alternative =
    std::to_array<std::string_view>({"reply", "replies", "closed", "then", "grade", "note"});

constexpr auto client =
    std::to_array<std::string_view>({"roles", "judged", "server", "exit", "says", "within_ms",
                                     "order", "room_hash", "prints_peer_contact"});
constexpr auto client_rule =
    std::to_array<std::string_view>({"on", "role", "nth", "answer", "reply", "stall", "close",
                                     "raw_hex", "writes", "unsolicited", "then"});

constexpr auto objects = std::to_array<schema_object>({
    {object_kind::scenario, ""},
    {object_kind::settings, "/properties/settings"},
    {object_kind::connection, "/properties/connections/additionalProperties"},
    {object_kind::connect_step, "/$defs/connect_step"},
    {object_kind::send_step, "/$defs/send_step"},
    {object_kind::send_body_step, "/$defs/send_body_step"},
    {object_kind::send_raw_step, "/$defs/send_raw_step"},
    {object_kind::expect_step, "/$defs/expect_step"},
    {object_kind::expect_closed_step, "/$defs/expect_closed_step"},
    {object_kind::expect_silence_step, "/$defs/expect_silence_step"},
    {object_kind::wait_step, "/$defs/wait_step"},
    {object_kind::close_step, "/$defs/close_step"},
    {object_kind::concurrent_step, "/$defs/concurrent_step"},
    {object_kind::create_room, "/$defs/message/oneOf/0"},
    {object_kind::record_public_addr, "/$defs/message/oneOf/1"},
    {object_kind::ready_to_share, "/$defs/message/oneOf/2"},
    {object_kind::per_profile_body, "/$defs/per_profile_templates"},
    {object_kind::per_profile_body, "/$defs/per_profile_hex"},
    {object_kind::address_pair, "/$defs/local_contact"},
    {object_kind::address_pair, "/$defs/contact_pattern"},
    {object_kind::reply_pattern, "/$defs/reply_pattern/oneOf/1"},
    {object_kind::alternative, "/$defs/alternative"},
    {object_kind::client, "/properties/client"},
    {object_kind::client_rule, "/$defs/client_rule"},
});

}  // namespace lists
}  // namespace

std::span<const std::string_view> accepted_keys(object_kind kind) noexcept {
  switch (kind) {
    case object_kind::scenario:
      return lists::top;
    case object_kind::settings:
      return lists::settings;
    case object_kind::connection:
      return lists::connection;
    case object_kind::connect_step:
      return lists::connect;
    case object_kind::send_step:
      return lists::send;
    case object_kind::send_body_step:
      return lists::send_body;
    case object_kind::send_raw_step:
      return lists::send_raw;
    case object_kind::expect_step:
      return lists::expect;
    case object_kind::expect_closed_step:
      return lists::expect_closed;
    case object_kind::expect_silence_step:
      return lists::expect_silence;
    case object_kind::wait_step:
      return lists::wait;
    case object_kind::close_step:
      return lists::close;
    case object_kind::concurrent_step:
      return lists::concurrent;
    case object_kind::create_room:
      return lists::create_room;
    case object_kind::record_public_addr:
      return lists::record_public_addr;
    case object_kind::ready_to_share:
      return lists::ready_to_share;
    case object_kind::per_profile_body:
      return lists::per_profile;
    case object_kind::address_pair:
      return lists::address_pair;
    case object_kind::reply_pattern:
      return lists::reply_pattern;
    case object_kind::alternative:
      return lists::alternative;
    case object_kind::client:
      return lists::client;
    case object_kind::client_rule:
      return lists::client_rule;
  }
  return {};
}

std::span<const schema_object> schema_objects() noexcept { return lists::objects; }

}  // namespace gday::harness
