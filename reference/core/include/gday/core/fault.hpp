#pragma once
/// Deliberate deviations from the spec ("faults") that the reference server
/// core can be told to make, so the conformance harness can prove it notices
/// each one. All are off by default; each changes the server's output for at
/// least one request sequence.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gday::core {

/// One deliberate deviation. The comment names the spec requirement it breaks;
/// `name()` gives the kebab-case spelling used on command lines and in reports.
enum class fault : std::uint8_t {
  reply_wrong_version,                 ///< F-1: replies carry another version byte
  reply_length_off_by_one,             ///< F-1: reply length prefix is one too large
  reply_split_writes,                  ///< T-6: each reply is two sends (header, then body)
  accept_wrong_version,                ///< F-2: any version byte is accepted as the profile's
  keep_open_after_syntax_error,        ///< F-3: ErrorSyntax is sent but the connection stays open
  silent_close_on_syntax_error,        ///< F-3: a bad request closes without ErrorSyntax
  hang_on_unknown_variant,             ///< F-3: unknown variant: no reply, no close, stop reading
  split_frame_rejected,                ///< F-4: a frame arriving in several pieces is ErrorSyntax
  crash_on_empty_body,                 ///< F-6: a zero-length body stops the whole server
  wrong_error_for_taken_room,          ///< M-1: a taken code is answered ErrorUnexpectedMsg
  no_such_room_accepted,               ///< M-2/M-3: an unknown room is answered as if it existed
  public_addr_wrong_family,            ///< M-2: the public address lands in the other family
  local_contact_dropped,               ///< M-3: ReadyToShare's local_contact is ignored
  peer_contact_before_client_contact,  ///< M-4: completing side gets PeerContact first
  own_contact_in_peer_contact,         ///< M-4: PeerContact carries the receiver's own contact
  unexpected_msg_accepted,             ///< M-5: updates after ReadyToShare are accepted
  close_after_error_reply,             ///< M-6: every error reply closes the connection
  reads_while_waiting,                 ///< M-7: a waiting connection keeps being read
  room_never_expires,                  ///< L-1: rooms have no timeout
  room_expires_early,                  ///< L-1: rooms expire after half the timeout
  room_kept_after_exchange,            ///< L-1: the room survives a finished exchange
  no_peer_timed_out,                   ///< L-3/L-4: a dropped waiter is never told
  second_ready_not_replacing,          ///< L-4: a second ReadyToShare does not replace the waiter
  code_timer,                          ///< L-7: upstream's timer per CreateRoom, keyed by code
  rate_limit_off_by_one,               ///< R-1: one request more than the limit is allowed
  rate_limit_disabled,                 ///< R-1: nothing is ever limited
  keep_open_after_too_many_requests,   ///< R-1: ErrorTooManyRequests without closing
  rate_limit_global,                   ///< R-2: one counter shared by every source IP
  rate_limit_counts_successes,         ///< R-3: successful updates count against the limit
  omit_null_addresses,                 ///< J-9: absent addresses are left out, not null
  echo_local_as_sent,                  ///< J-5: local addresses come back as the client wrote them
  rate_window_never_resets,            ///< R-2: the per-IP request window never resets
  room_dies_with_creator_connection,   ///< L-1: a room goes when its creator's connection ends
  reset_leaves_room_locked,            ///< F-6: rooms a reset connection used never answer again
  resets_leak_connection_slots,        ///< F-6: after 3 resets no new connection is served
  eof_mid_frame_blocks_new_connections,  ///< F-6: an EOF inside a frame stops new connections
  dead_side_slot_kept,                   ///< F-6: a side stays bound to its first, gone connection
  // A new fault goes above this line, and `last_fault` below names it.
};

/// The last `fault` value, from which fault_count is derived (fault.cpp checks
/// that its table has an entry for every value up to it; core_fault_test
/// checks that no enumerator follows it).
inline constexpr fault last_fault = fault::dead_side_slot_kept;

/// Number of `fault` values.
inline constexpr std::size_t fault_count = static_cast<std::size_t>(last_fault) + 1;
static_assert(fault_count <= 64, "fault_set holds at most 64 faults");

/// Kebab-case name of a fault ("peer-contact-before-client-contact").
std::string_view name(fault f) noexcept;

/// One line saying what the server does wrong under this fault.
std::string_view description(fault f) noexcept;

/// The spec requirement the fault breaks ("M-4"); a conformance run against a
/// core with this fault should report a failure of that requirement.
std::string_view rule_of(fault f) noexcept;

/// Every fault, in declaration order.
std::span<const fault> all_faults() noexcept;

/// Looks a fault up by its kebab-case name; nullopt if none has it.
std::optional<fault> parse_fault(std::string_view text) noexcept;

/// A set of faults (a small bitset). Empty by default, meaning the core
/// follows the spec.
class fault_set {
 public:
  constexpr fault_set() noexcept = default;
  constexpr fault_set(std::initializer_list<fault> faults) noexcept {
    for (fault f : faults) set(f);
  }

  /// True if `f` is in the set.
  constexpr bool test(fault f) const noexcept { return (bits_ & bit(f)) != 0; }
  /// Adds `f`.
  constexpr fault_set& set(fault f) noexcept {
    bits_ |= bit(f);
    return *this;
  }
  /// Removes `f`.
  constexpr fault_set& reset(fault f) noexcept {
    bits_ &= ~bit(f);
    return *this;
  }
  /// True if the set holds at least one fault.
  constexpr bool any() const noexcept { return bits_ != 0; }
  /// True if the set is empty.
  constexpr bool none() const noexcept { return bits_ == 0; }
  /// Number of faults in the set.
  constexpr std::size_t count() const noexcept {
    std::size_t n = 0;
    for (std::uint64_t b = bits_; b != 0; b &= b - 1) ++n;
    return n;
  }

  friend constexpr bool operator==(const fault_set&, const fault_set&) = default;

 private:
  static constexpr std::uint64_t bit(fault f) noexcept {
    return std::uint64_t{1} << static_cast<unsigned>(f);
  }
  std::uint64_t bits_ = 0;
};

/// Parses a comma-separated list of fault names ("code-timer,room-never-expires";
/// spaces around names are ignored, the empty string is the empty set).
/// nullopt if any name is unknown.
std::optional<fault_set> parse_fault_set(std::string_view text);

/// The names in a set, comma-separated, in declaration order ("" if empty).
std::string to_string(const fault_set& faults);

}  // namespace gday::core
