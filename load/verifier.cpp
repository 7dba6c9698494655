#include "gday/load/verifier.hpp"

namespace gday::load {

std::string_view to_string(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::connect_failed:
      return "connect_failed";
    case error_kind::connection_reset:
      return "connection_reset";
    case error_kind::handshake_failed:
      return "handshake_failed";
    case error_kind::closed:
      return "closed";
    case error_kind::timeout:
      return "timeout";
    case error_kind::write_failed:
      return "write_failed";
    case error_kind::undecodable_reply:
      return "undecodable_reply";
    case error_kind::unexpected_reply:
      return "unexpected_reply";
    case error_kind::error_reply:
      return "error_reply";
    case error_kind::wrong_own_contact:
      return "wrong_own_contact";
    case error_kind::peer_contact_is_own:
      return "peer_contact_is_own";
    case error_kind::peer_contact_from_other_room:
      return "peer_contact_from_other_room";
    case error_kind::peer_contact_wrong:
      return "peer_contact_wrong";
    case error_kind::not_served:
      return "not_served";
  }
  return "unknown";
}

bool is_wrong_reply(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::undecodable_reply:
    case error_kind::unexpected_reply:
    case error_kind::error_reply:
    case error_kind::wrong_own_contact:
    case error_kind::peer_contact_is_own:
    case error_kind::peer_contact_from_other_room:
    case error_kind::peer_contact_wrong:
      return true;
    default:
      return false;
  }
}

std::uint64_t error_counts::total() const noexcept {
  std::uint64_t n = 0;
  for (auto c : by_kind) n += c;
  return n;
}

void error_counts::merge(const error_counts& other) noexcept {
  for (std::size_t i = 0; i < error_kind_count; ++i) by_kind[i] += other.by_kind[i];
}

wire::full_contact expected_contact(const side_view& side) {
  wire::full_contact c;
  c.local = side.local_sent;
  c.public_.v4 = side.seen_address;
  return c;
}

std::optional<error_kind> check_reply_type(wire::server_msg_type expected,
                                           wire::server_msg_type got) noexcept {
  using t = wire::server_msg_type;
  if (got == expected) return std::nullopt;
  switch (got) {
    case t::room_created:
    case t::received_addr:
    case t::client_contact:
    case t::peer_contact:
      return error_kind::unexpected_reply;
    default:
      return error_kind::error_reply;
  }
}

std::optional<error_kind> check_client_contact(const side_view& self,
                                               const wire::full_contact& got) {
  if (got == expected_contact(self)) return std::nullopt;
  return error_kind::wrong_own_contact;
}

std::optional<error_kind> check_peer_contact(
    const side_view& self, const side_view& peer, const wire::full_contact& got,
    const std::function<bool(const wire::socket_addr_v4&)>& belongs_to_other_client) {
  if (got == expected_contact(peer)) return std::nullopt;
  if (got == expected_contact(self) || (got.public_.v4 && *got.public_.v4 == self.seen_address)) {
    return error_kind::peer_contact_is_own;
  }
  if (got.public_.v4 && *got.public_.v4 != peer.seen_address && belongs_to_other_client &&
      belongs_to_other_client(*got.public_.v4)) {
    return error_kind::peer_contact_from_other_room;
  }
  return error_kind::peer_contact_wrong;
}

}  // namespace gday::load
