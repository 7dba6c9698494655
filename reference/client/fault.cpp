#include "gday/client/fault.hpp"

#include <array>

namespace gday::client {
namespace {

struct fault_info {
  fault value;
  std::string_view name;
  std::string_view rule;
  std::string_view description;
};

constexpr auto fault_table = std::to_array<fault_info>({
    {fault::skips_room_created_wait, "skips-room-created-wait", "C-1",
     "the creator sends RecordPublicAddr right after CreateRoom, before RoomCreated arrived"},
    {fault::sends_after_ready, "sends-after-ready", "C-2",
     "after ClientContact it sends RecordPublicAddr again on the connection waiting for "
     "PeerContact"},
    {fault::waits_forever_on_error, "waits-forever-on-error", "C-3",
     "an error reply is ignored: the client waits for another reply, with no deadline"},
    {fault::exits_zero_on_error, "exits-zero-on-error", "C-3",
     "a failed exchange is reported on stderr but the exit status is 0"},
    {fault::no_deadline, "no-deadline", "C-3",
     "every wait for a reply has no deadline: a server that stops answering hangs the client"},
    {fault::wrong_room_hash, "wrong-room-hash", "C-4",
     "the v1 room_code is the SHA-256 of the room text followed by a newline"},
    {fault::records_one_connection, "records-one-connection", "C-2",
     "RecordPublicAddr on the IPv4 connection only, then ReadyToShare on the IPv6 one"},
    {fault::ready_twice, "ready-twice", "C-2",
     "after ClientContact it sends ReadyToShare a second time"},
});

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < fault_table.size(); ++i) {
    if (static_cast<std::size_t>(fault_table[i].value) != i) return false;
  }
  return fault_table.back().value == fault::ready_twice;
}
static_assert(table_in_order(), "one entry per fault, in declaration order");

constexpr auto values = [] {
  std::array<fault, fault_table.size()> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = fault_table[i].value;
  return out;
}();

const fault_info& info(fault f) { return fault_table[static_cast<std::size_t>(f)]; }

}  // namespace

std::string_view name(fault f) noexcept { return info(f).name; }
std::string_view description(fault f) noexcept { return info(f).description; }
std::string_view rule_of(fault f) noexcept { return info(f).rule; }
std::span<const fault> all_faults() noexcept { return values; }

std::optional<fault> parse_fault(std::string_view text) noexcept {
  for (const auto& i : fault_table) {
    if (i.name == text) return i.value;
  }
  return std::nullopt;
}

}  // namespace gday::client
