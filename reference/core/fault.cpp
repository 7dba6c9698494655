#include "gday/core/fault.hpp"

#include <array>
#include <cassert>

namespace gday::core {
namespace {

struct fault_info {
  fault value;
  std::string_view name;
  std::string_view rule;
  std::string_view description;
};

constexpr auto fault_table = std::to_array<fault_info>({
    {fault::reply_wrong_version, "reply-wrong-version", "F-1",
     "replies carry another protocol version byte than the profile's"},
    {fault::reply_length_off_by_one, "reply-length-off-by-one", "F-1",
     "reply length prefixes are one larger than the body"},
    {fault::reply_split_writes, "reply-split-writes", "T-6",
     "each reply is written in two pieces, header then body (upstream 0.3.0's pattern)"},
    {fault::accept_wrong_version, "accept-wrong-version", "F-2",
     "a request with another version byte is read as if it carried the profile's"},
    {fault::keep_open_after_syntax_error, "keep-open-after-syntax-error", "F-3",
     "ErrorSyntax is sent but the connection is not closed"},
    {fault::silent_close_on_syntax_error, "silent-close-on-syntax-error", "F-3",
     "a bad request closes the connection without an ErrorSyntax reply"},
    {fault::hang_on_unknown_variant, "hang-on-unknown-variant", "F-3",
     "an unknown message variant gets no reply and no close; the connection is no longer read"},
    {fault::split_frame_rejected, "split-frame-rejected", "F-4",
     "a frame that arrives in several pieces is answered ErrorSyntax"},
    {fault::crash_on_empty_body, "crash-on-empty-body", "F-6",
     "a zero-length body stops the whole server: every connection is closed"},
    {fault::wrong_error_for_taken_room, "wrong-error-for-taken-room", "M-1",
     "CreateRoom with a taken code is answered ErrorUnexpectedMsg instead of ErrorRoomTaken"},
    {fault::no_such_room_accepted, "no-such-room-accepted", "M-2",
     "requests naming an unknown room are answered as if it existed"},
    {fault::public_addr_wrong_family, "public-addr-wrong-family", "M-2",
     "RecordPublicAddr files an IPv4 peer under public.v6 (as ::ffff:a.b.c.d) and the reverse"},
    {fault::local_contact_dropped, "local-contact-dropped", "M-3",
     "ReadyToShare's local_contact is not recorded"},
    {fault::peer_contact_before_client_contact, "peer-contact-before-client-contact", "M-4",
     "the side completing an exchange gets PeerContact before its ClientContact"},
    {fault::own_contact_in_peer_contact, "own-contact-in-peer-contact", "M-4",
     "PeerContact carries the receiver's own contact instead of the other side's"},
    {fault::unexpected_msg_accepted, "unexpected-msg-accepted", "M-5",
     "updates for a side that already sent ReadyToShare are accepted"},
    {fault::close_after_error_reply, "close-after-error-reply", "M-6",
     "every error reply (ErrorRoomTaken, ErrorNoSuchRoomCode, ...) closes the connection"},
    {fault::reads_while_waiting, "reads-while-waiting", "M-7",
     "a connection waiting after ReadyToShare keeps having its requests processed"},
    {fault::room_never_expires, "room-never-expires", "L-1", "rooms never time out"},
    {fault::room_expires_early, "room-expires-early", "L-1",
     "rooms time out after half the configured timeout"},
    {fault::room_kept_after_exchange, "room-kept-after-exchange", "L-1",
     "a room is not removed when its contact exchange has finished"},
    {fault::no_peer_timed_out, "no-peer-timed-out", "L-3",
     "a waiting side whose room expires or who is replaced is never told ErrorPeerTimedOut"},
    {fault::second_ready_not_replacing, "second-ready-not-replacing", "L-4",
     "a second ReadyToShare from the same side leaves the first waiter in place"},
    {fault::code_timer, "code-timer", "L-7",
     "each CreateRoom starts a timer that deletes whatever room then has that code "
     "(upstream's defect)"},
    {fault::rate_limit_off_by_one, "rate-limit-off-by-one", "R-1",
     "one request more than the limit is allowed per window"},
    {fault::rate_limit_disabled, "rate-limit-disabled", "R-1", "requests are never rate limited"},
    {fault::keep_open_after_too_many_requests, "keep-open-after-too-many-requests", "R-1",
     "ErrorTooManyRequests is sent but the connection is not closed"},
    {fault::rate_limit_global, "rate-limit-global", "R-2",
     "one request counter is shared by every source IP"},
    {fault::rate_limit_counts_successes, "rate-limit-counts-successes", "R-3",
     "successful RecordPublicAddr and ReadyToShare requests count against the limit"},
    {fault::omit_null_addresses, "omit-null-addresses", "J-9",
     "replies leave absent addresses out ({\"v4\":\"1.2.3.4:5\"}) instead of writing null"},
    {fault::echo_local_as_sent, "echo-local-as-sent", "J-5",
     "local addresses come back as the client wrote them ([::0:1]:05), not in display form"},
    {fault::rate_window_never_resets, "rate-window-never-resets", "R-2",
     "the per-IP request count never resets: once limited, an address stays limited"},
    {fault::room_dies_with_creator_connection, "room-dies-with-creator-connection", "L-1",
     "when the connection that created a room ends (EOF or reset), the room is deleted"},
    {fault::reset_leaves_room_locked, "reset-leaves-room-locked", "F-6",
     "a connection reset by its peer leaves every room it used locked: later requests naming "
     "them are never answered (a handler stuck on a lock)"},
    {fault::resets_leak_connection_slots, "resets-leak-connection-slots", "F-6",
     "each connection reset by its peer leaks a slot; after 3, every new connection is closed "
     "at once"},
    {fault::eof_mid_frame_blocks_new_connections, "eof-mid-frame-blocks-new-connections", "F-6",
     "a connection that ends inside a frame blocks the accept loop: new connections are closed "
     "at once"},
    {fault::dead_side_slot_kept, "dead-side-slot-kept", "F-6",
     "a room's side stays bound to the first connection that used it: once that one is gone, "
     "other connections of that side get ErrorUnexpectedMsg"},
});
static_assert(fault_table.size() == fault_count, "fault_table needs one entry per fault");

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < fault_table.size(); ++i) {
    if (static_cast<std::size_t>(fault_table[i].value) != i) return false;
  }
  return true;
}
static_assert(table_in_order(), "fault_table must list every fault in declaration order");

constexpr std::array<fault, fault_count> make_all() {
  std::array<fault, fault_count> all{};
  for (std::size_t i = 0; i < fault_count; ++i) all[i] = fault_table[i].value;
  return all;
}
constexpr std::array<fault, fault_count> all_fault_values = make_all();

const fault_info& info(fault f) noexcept {
  assert(static_cast<std::size_t>(f) < fault_table.size());
  return fault_table[static_cast<std::size_t>(f)];
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view name(fault f) noexcept { return info(f).name; }

std::string_view description(fault f) noexcept { return info(f).description; }

std::string_view rule_of(fault f) noexcept { return info(f).rule; }

std::span<const fault> all_faults() noexcept { return all_fault_values; }

std::optional<fault> parse_fault(std::string_view text) noexcept {
  for (const fault_info& entry : fault_table) {
    if (entry.name == text) return entry.value;
  }
  return std::nullopt;
}

std::optional<fault_set> parse_fault_set(std::string_view text) {
  fault_set faults;
  if (trim(text).empty()) return faults;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::optional<fault> f = parse_fault(trim(text.substr(0, comma)));
    if (!f) return std::nullopt;
    faults.set(*f);
    if (comma == std::string_view::npos) return faults;
    text.remove_prefix(comma + 1);
  }
}

std::string to_string(const fault_set& faults) {
  std::string out;
  for (fault f : all_faults()) {
    if (!faults.test(f)) continue;
    if (!out.empty()) out += ',';
    out += name(f);
  }
  return out;
}

}  // namespace gday::core
