#include "gday/wire/messages.hpp"

#include <array>

namespace gday::wire {
namespace {

struct reply_entry {
  server_msg_type type;
  std::string_view name;
  std::string_view text;  // upstream's Display, for replies without a contact
};

constexpr std::array<reply_entry, server_msg_type_count> replies{{
    {server_msg_type::room_created, "RoomCreated", "Room in server created successfully."},
    {server_msg_type::received_addr, "ReceivedAddr", "Server recorded your public address."},
    {server_msg_type::client_contact, "ClientContact", ""},
    {server_msg_type::peer_contact, "PeerContact", ""},
    {server_msg_type::error_room_taken, "ErrorRoomTaken",
     "Can't create a room with this room code, because it's already taken."},
    {server_msg_type::error_peer_timed_out, "ErrorPeerTimedOut",
     "Timed out while waiting for peer to finish sending their addresses to the server."},
    {server_msg_type::error_no_such_room_code, "ErrorNoSuchRoomCode",
     "No room with this code currently exists on the server."},
    {server_msg_type::error_unexpected_msg, "ErrorUnexpectedMsg",
     "Server received RecordPublicAddr message after a ReadyToShare message. Maybe someone else "
     "tried to join this room with your identity?"},
    {server_msg_type::error_too_many_requests, "ErrorTooManyRequests",
     "Exceeded request limit from this IP address. Try again in a minute."},
    {server_msg_type::error_syntax, "ErrorSyntax",
     "Server couldn't parse message syntax from client."},
    {server_msg_type::error_internal, "ErrorInternal", "Server had an internal error."},
}};

}  // namespace

std::string_view variant_name(const client_msg& msg) noexcept {
  switch (msg.index()) {
    case 0:
      return "CreateRoom";
    case 1:
      return "RecordPublicAddr";
    default:
      return "ReadyToShare";
  }
}

std::string_view variant_name(server_msg_type type) noexcept {
  return replies[static_cast<std::size_t>(type)].name;
}

std::optional<server_msg_type> server_msg_type_from_name(std::string_view name) noexcept {
  for (const auto& entry : replies) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

std::string describe(const contact& c) {
  std::string out = "IPv4: ";
  out += c.v4 ? to_string(*c.v4) : std::string("None");
  out += ", IPv6: ";
  out += c.v6 ? to_string(*c.v6) : std::string("None");
  return out;
}

std::string describe(const full_contact& c) {
  return "Private: (" + describe(c.local) + ")\nPublic:  (" + describe(c.public_) + ")";
}

std::string describe(const server_msg& msg) {
  switch (msg.type) {
    case server_msg_type::client_contact:
      return "The server says your contact is " + describe(msg.contact) + ".";
    case server_msg_type::peer_contact:
      return "The server says your peer's contact is " + describe(msg.contact) + ".";
    default:
      return std::string(replies[static_cast<std::size_t>(msg.type)].text);
  }
}

}  // namespace gday::wire
