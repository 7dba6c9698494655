#pragma once
/// The messages of the gday contact exchange protocol (spec §3, §4), one set
/// of types for every profile.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gday/wire/address.hpp"

namespace gday::wire {

/// The addresses of one endpoint of a client; either may be unknown (null).
struct contact {
  std::optional<socket_addr_v4> v4;
  std::optional<socket_addr_v6> v6;
  friend bool operator==(const contact&, const contact&) = default;
};

/// A client's local contact (what it told the server) and public contact
/// (what the server saw).
struct full_contact {
  contact local;
  contact public_;  ///< `public` on the wire (a C++ keyword, hence the underscore)
  friend bool operator==(const full_contact&, const full_contact&) = default;
};

/// `CreateRoom{room_code}`.
struct create_room {
  std::string room_code;  ///< v1: exactly 32 bytes; v2/v3: any UTF-8 string
  friend bool operator==(const create_room&, const create_room&) = default;
};

/// `RecordPublicAddr{room_code, is_creator}`.
struct record_public_addr {
  std::string room_code;  ///< v1: exactly 32 bytes; v2/v3: any UTF-8 string
  bool is_creator = false;
  friend bool operator==(const record_public_addr&, const record_public_addr&) = default;
};

/// `ReadyToShare{local_contact, room_code, is_creator}`.
struct ready_to_share {
  contact local_contact;
  std::string room_code;  ///< v1: exactly 32 bytes; v2/v3: any UTF-8 string
  bool is_creator = false;
  friend bool operator==(const ready_to_share&, const ready_to_share&) = default;
};

/// A request, client to server.
using client_msg = std::variant<create_room, record_public_addr, ready_to_share>;

/// The variant name of a request as on the wire ("CreateRoom").
std::string_view variant_name(const client_msg& msg) noexcept;

/// The replies, server to client, in upstream's declaration order.
enum class server_msg_type {
  room_created,
  received_addr,
  client_contact,
  peer_contact,
  error_room_taken,
  error_peer_timed_out,
  error_no_such_room_code,
  error_unexpected_msg,
  error_too_many_requests,
  error_syntax,
  error_internal,  ///< v1 only
};

/// Number of reply types.
inline constexpr int server_msg_type_count = 11;

/// The variant name as on the wire ("ErrorNoSuchRoomCode").
std::string_view variant_name(server_msg_type type) noexcept;

/// Looks a reply type up by its wire name; nullopt if none has it.
std::optional<server_msg_type> server_msg_type_from_name(std::string_view name) noexcept;

/// True for `ClientContact` and `PeerContact`, which carry a full_contact.
constexpr bool carries_contact(server_msg_type type) noexcept {
  return type == server_msg_type::client_contact || type == server_msg_type::peer_contact;
}

/// A reply. `contact` is meaningful only when `carries_contact(type)`; it is
/// ignored by equality otherwise.
struct server_msg {
  server_msg_type type = server_msg_type::room_created;
  full_contact contact{};

  friend bool operator==(const server_msg& a, const server_msg& b) noexcept {
    return a.type == b.type && (!carries_contact(a.type) || a.contact == b.contact);
  }
};

/// The text upstream prints for a reply (its `Display`), e.g. "No room with
/// this code currently exists on the server."
std::string describe(const server_msg& msg);

/// Upstream's `Display` of a contact: "IPv4: 1.2.3.4:5, IPv6: None".
std::string describe(const contact& c);

/// Upstream's `Display` of a full contact (two lines: Private / Public).
std::string describe(const full_contact& c);

}  // namespace gday::wire
