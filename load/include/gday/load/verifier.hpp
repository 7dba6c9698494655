#pragma once
/// What a load run counts as wrong, and the checks that decide it: every
/// reply of an exchange has the type the protocol says, each side's
/// ClientContact is what it sent and what the server saw, and each side's
/// PeerContact is the other side's contact (not its own, not another
/// room's).

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "gday/wire/messages.hpp"

namespace gday::load {

/// The kinds of failure a load run reports, each counted on its own.
enum class error_kind {
  connect_failed,       ///< TCP connect failed or timed out
  connection_reset,     ///< the server reset the connection (RST), in the handshake or later
  handshake_failed,     ///< the TLS handshake failed otherwise
  closed,               ///< the server ended the connection while a reply was due
  timeout,              ///< a reply did not come within --timeout
  write_failed,         ///< a request could not be written
  undecodable_reply,    ///< a reply frame or body that does not decode
  unexpected_reply,     ///< a reply of the wrong type (or one nobody asked for)
  error_reply,          ///< an Error* reply (ErrorTooManyRequests, ErrorNoSuchRoomCode, ...)
  wrong_own_contact,    ///< ClientContact is not what this side sent and the server saw
  peer_contact_is_own,  ///< PeerContact carries the receiver's own contact
  peer_contact_from_other_room,  ///< PeerContact carries a contact of another room's client
  peer_contact_wrong,            ///< PeerContact is neither the peer's nor any known client's
  not_served,                    ///< idle mode: a held connection no longer answered at the end
};

/// Number of error kinds.
inline constexpr std::size_t error_kind_count = 14;

/// Stable snake_case name ("connection_reset").
std::string_view to_string(error_kind kind) noexcept;

/// True for the kinds that mean the server answered wrongly (exit 1 even on
/// a run without transport trouble); false for transport failures.
bool is_wrong_reply(error_kind kind) noexcept;

/// Counts per kind.
struct error_counts {
  std::array<std::uint64_t, error_kind_count> by_kind{};
  void add(error_kind kind, std::uint64_t n = 1) noexcept {
    by_kind[static_cast<std::size_t>(kind)] += n;
  }
  std::uint64_t total() const noexcept;
  std::uint64_t of(error_kind kind) const noexcept {
    return by_kind[static_cast<std::size_t>(kind)];
  }
  void merge(const error_counts& other) noexcept;
};

/// One side of an exchange as its client knows it.
struct side_view {
  wire::contact local_sent;           ///< the local_contact its ReadyToShare carried
  wire::socket_addr_v4 seen_address;  ///< its socket's local address: what the server sees
};

/// The full contact the server must record for `side`: its local contact as
/// sent, its public IPv4 address as seen, no public IPv6 address.
wire::full_contact expected_contact(const side_view& side);

/// Checks that `got` has the type `expected`: nullopt when it has, else
/// error_reply for an Error* reply and unexpected_reply for any other.
std::optional<error_kind> check_reply_type(wire::server_msg_type expected,
                                           wire::server_msg_type got) noexcept;

/// Checks a side's ClientContact: nullopt or wrong_own_contact.
std::optional<error_kind> check_client_contact(const side_view& self,
                                               const wire::full_contact& got);

/// Checks the PeerContact `self` received from a room shared with `peer`.
/// `belongs_to_other_client` (may be empty) says whether a public address is
/// that of another connection of the run; it is asked only on a mismatch.
std::optional<error_kind> check_peer_contact(
    const side_view& self, const side_view& peer, const wire::full_contact& got,
    const std::function<bool(const wire::socket_addr_v4&)>& belongs_to_other_client = {});

}  // namespace gday::load
