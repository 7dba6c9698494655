#pragma once
/// The keys a scenario file may hold, per kind of JSON object: the loader
/// checks every object against exactly these lists, and a test compares them
/// with scenarios/scenario.schema.json (both directions), so the format has
/// one source of truth that the schema cannot silently drift from.

#include <span>
#include <string_view>

namespace gday::harness {

/// A kind of JSON object in a scenario file.
enum class object_kind {
  scenario,             ///< the file's top level
  settings,             ///< "settings"
  connection,           ///< one entry of "connections"
  connect_step,         ///< {"connect": ...}
  send_step,            ///< {"send": ...}
  send_body_step,       ///< {"send_body": ...}
  send_raw_step,        ///< {"send_raw": ...}
  expect_step,          ///< {"expect": ...}
  expect_closed_step,   ///< {"expect_closed": ...}
  expect_silence_step,  ///< {"expect_silence": ...}
  wait_step,            ///< {"wait_ms": ...}
  close_step,           ///< {"close": ...}
  concurrent_step,      ///< {"concurrent": ...}
  create_room,          ///< a "message" of type CreateRoom
  record_public_addr,   ///< ... RecordPublicAddr
  ready_to_share,       ///< ... ReadyToShare
  per_profile_body,     ///< "body" or "body_hex" given per profile
  address_pair,         ///< {"v4", "v6"}: a local_contact or a contact pattern
  reply_pattern,        ///< a reply pattern given as an object
  alternative,          ///< one entry of "any_of"
  client,               ///< "client" (a client scenario)
  client_rule,          ///< one entry of "client"/"server"
};

/// Number of object kinds (for iterating over them).
inline constexpr int object_kind_count = static_cast<int>(object_kind::client_rule) + 1;

/// The keys the loader accepts in an object of `kind`.
std::span<const std::string_view> accepted_keys(object_kind kind) noexcept;

/// Where scenario.schema.json describes an object of some kind.
struct schema_object {
  object_kind kind;
  std::string_view pointer;  ///< JSON pointer of the (closed) object schema
};

/// Every object schema of scenario.schema.json and its kind; each kind
/// appears at least once.
std::span<const schema_object> schema_objects() noexcept;

}  // namespace gday::harness
