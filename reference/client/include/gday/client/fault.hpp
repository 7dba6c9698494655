#pragma once
/// Deliberate client bugs ("faults") the reference client can be told to
/// have, so that the client suite (run-scenarios --client) can prove it
/// notices each one. All are off by default.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace gday::client {

/// One deliberate client bug; the comment names the spec requirement it breaks.
enum class fault : std::uint8_t {
  skips_room_created_wait,  ///< C-1: RecordPublicAddr goes out before RoomCreated arrived
  sends_after_ready,        ///< C-2: RecordPublicAddr again while waiting for PeerContact
  waits_forever_on_error,   ///< C-3: an error reply is ignored; waits for another reply forever
  exits_zero_on_error,      ///< C-3: reports a failure but exits with status 0
  no_deadline,              ///< C-3: waits for every reply without a deadline
  wrong_room_hash,          ///< C-4: the v1 room_code is SHA-256 of the room text plus a newline
  records_one_connection,   ///< C-2: records on the IPv4 connection only, ReadyToShare on IPv6
  ready_twice,              ///< C-2: sends ReadyToShare a second time after ClientContact
};

/// Kebab-case name ("skips-room-created-wait").
std::string_view name(fault f) noexcept;

/// One line saying what the client does wrong.
std::string_view description(fault f) noexcept;

/// The requirement it breaks ("C-2").
std::string_view rule_of(fault f) noexcept;

/// Every fault, in declaration order.
std::span<const fault> all_faults() noexcept;

/// The fault with this name, if any.
std::optional<fault> parse_fault(std::string_view text) noexcept;

}  // namespace gday::client
