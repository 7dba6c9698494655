// Fuzzes core::server_core (no faults) with a byte-coded script of transport
// events, checking after every step what must hold whatever the clients do:
//  - every `send` is one well-formed frame of the profile whose body
//    decode_server_msg accepts and that is already in canonical form;
//  - nothing is output to a connection that is closed or was never opened,
//    and open_connections() counts exactly the open ones;
//  - a connection never gets more PeerContacts than ClientContacts (so never
//    a PeerContact before its ClientContact);
//  - live_rooms() grows only by RoomCreated replies, and is 0 once the clock
//    is room_timeout past the last RoomCreated;
//  - no timer is left due after a step, and the core never crashes;
//  - the same script run twice gives the same outputs (determinism).
//
// Script: 3 header bytes, then steps. Header: profile (1 v1, 2 v2, 3 v3, 0
// v3; modulo 3), request limit (0: 100000), room timeout in seconds (0: 600).
// Steps, opcode modulo 8 (C = connection byte, id C % 8):
//   0 C A       open C from address A: bit 0 family (0 v4, 1 v6), bits 1-2
//               host, bits 3-7 port offset (v6 host 3 is ::ffff:127.0.0.1)
//   1 C LL LL B send the next LLLL (big-endian) bytes on C
//   2 C K R     send a request made of fields: K bits 0-1 variant
//               (CreateRoom, RecordPublicAddr, ReadyToShare, CreateRoom), bit 2
//               is_creator, bit 3 local v4, bit 4 local v6; R % 4 room
//   3 C         end_of_input on C (the client half-closed)
//   4 C         closed(C) (the transport lost C)
//   5 TT TT     advance the clock by TTTT (big-endian) x 100 ms
//   6           advance the clock to next_deadline(), if any
//   7 C L B     send the next L bytes on C
// Bytes past the end of the input read as 0.
#include "gday/core/server_core.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gday/base/hex.hpp"
#include "gday/core/config.hpp"
#include "gday/wire/address.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/frame.hpp"
#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"
#include "support/common.hpp"

namespace {

namespace core = gday::core;
namespace wire = gday::wire;
using namespace std::chrono_literals;
using core::clock_time;
using core::connection_id;
using core::output;
using gday::base::encode_hex;
using gday::fuzz::profile_of;

constexpr std::size_t max_steps = 1024;
constexpr std::uint8_t connection_count = 8;
constexpr clock_time start_time = 1000s;

std::string step_text;  // the step being checked, for failure messages

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "server_core_fuzzer: %s\nat %s\n%s\n", what, step_text.c_str(),
               detail.c_str());
  std::abort();
}

void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

/// Reads the script; past its end every byte is 0.
class script_reader {
 public:
  script_reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint16_t u16() {
    const auto high = byte();
    return static_cast<std::uint16_t>((high << 8) | byte());
  }
  std::string_view bytes(std::size_t n) {
    const std::size_t take = std::min(n, size_ - std::min(pos_, size_));
    std::string_view out(reinterpret_cast<const char*>(data_) + pos_, take);
    pos_ += take;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

core::endpoint endpoint_of(connection_id conn, std::uint8_t address) {
  const auto host = static_cast<std::uint8_t>((address >> 1) & 3);
  const auto port = static_cast<std::uint16_t>(40000 + 32 * conn + (address >> 3));
  if ((address & 1) == 0) {
    return wire::socket_addr_v4{{127, 0, 0, static_cast<std::uint8_t>(1 + host)}, port};
  }
  wire::socket_addr_v6 v6{{0, 0, 0, 0, 0, 0, 0, 1}, port, 0};
  if (host == 1) v6.segments = {0x2001, 0xdb8, 0, 0, 0, 0, 0, 1};
  if (host == 2) {
    v6.segments = {0xfe80, 0, 0, 0, 0, 0, 0, 2};
    v6.scope_id = 3;
  }
  if (host == 3) v6.segments = {0, 0, 0, 0, 0, 0xffff, 0x7f00, 1};
  return v6;
}

/// A 32-byte ASCII room code, valid in every profile.
std::string room_code(std::uint8_t room) {
  std::string code = "room-" + std::to_string(room % 4);
  code.resize(32, '.');
  return code;
}

std::string request_frame(std::uint8_t kind, std::uint8_t room, wire::profile p) {
  const bool is_creator = (kind & 4) != 0;
  const std::string code = room_code(room);
  wire::client_msg msg;
  switch (kind % 4) {
    case 0:
    case 3:
      msg = wire::create_room{code};
      break;
    case 1:
      msg = wire::record_public_addr{code, is_creator};
      break;
    default: {
      wire::contact local;
      if ((kind & 8) != 0) local.v4 = wire::socket_addr_v4{{192, 168, 0, 2}, 5000};
      if ((kind & 16) != 0) local.v6 = wire::socket_addr_v6{{0xfd00, 0, 0, 0, 0, 0, 0, 2}, 5000, 0};
      msg = wire::ready_to_share{local, code, is_creator};
      break;
    }
  }
  auto frame = wire::encode_frame(msg, p);
  check(frame.has_value(), "a scripted request does not encode");
  return *frame;
}

enum class conn_state { open, closed_by_core };

struct conn_model {
  conn_state state = conn_state::open;
  std::size_t client_contacts = 0;
  std::size_t peer_contacts = 0;
};

/// Runs one script, checks the invariants after every step and returns the
/// transcript (every output and counter), for the determinism check.
std::string run(const std::uint8_t* data, std::size_t size) {
  script_reader in(data, size);
  core::config cfg;
  cfg.profile = profile_of(in.byte());
  const std::uint8_t limit = in.byte();
  cfg.request_limit = limit == 0 ? 100000 : limit;
  const std::uint8_t timeout = in.byte();
  cfg.room_timeout = timeout == 0 ? clock_time(600s) : clock_time(std::chrono::seconds(timeout));
  check(cfg.faults.none(), "faults are on");

  clock_time now = start_time;
  core::server_core server(cfg, now);
  std::map<connection_id, conn_model> conns;
  std::optional<clock_time> last_room_created;
  std::string transcript;

  for (std::size_t step = 0; step < max_steps && !in.done(); ++step) {
    const std::size_t rooms_before = server.live_rooms();
    const std::uint8_t op = in.byte() % 8;
    step_text = "step " + std::to_string(step) + " op " + std::to_string(op);
    // Checks and records the outputs taken so far in this step.
    std::size_t rooms_created = 0;
    auto take_outputs = [&] {
      for (const output& o : server.take_outputs()) {
        transcript += std::to_string(o.conn) +
                      (o.what == output::kind::send ? " send " : " close ") + encode_hex(o.bytes) +
                      "\n";
        auto it = conns.find(o.conn);
        check(it != conns.end() && it->second.state == conn_state::open,
              "output to a closed or unknown connection", "connection " + std::to_string(o.conn));
        conn_model& model = it->second;
        if (o.what == output::kind::close) {
          check(o.bytes.empty(), "a close output carries bytes");
          model.state = conn_state::closed_by_core;
          continue;
        }
        // One whole frame of the profile.
        const std::string& bytes = o.bytes;
        check(bytes.size() >= wire::header_size, "a send shorter than a frame header",
              encode_hex(bytes));
        check(static_cast<std::uint8_t>(bytes[0]) == wire::version_byte(cfg.profile),
              "a reply with the wrong version byte", encode_hex(bytes));
        const std::size_t length =
            (static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[1])) << 8) |
            static_cast<std::uint8_t>(bytes[2]);
        check(length == bytes.size() - wire::header_size, "a reply whose length prefix is wrong",
              encode_hex(bytes));
        check(length <= wire::max_body_length(cfg.profile), "a reply over the profile's cap");
        const std::string_view body = std::string_view(bytes).substr(wire::header_size);
        auto reply = wire::decode_server_msg(body, cfg.profile);
        if (!reply) fail("a reply that decode_server_msg rejects", std::string(body));
        auto canonical = wire::encode_body(*reply, cfg.profile);
        check(canonical && *canonical == body, "a reply not in canonical form", std::string(body));
        check(reply->type != wire::server_msg_type::error_internal, "ErrorInternal was sent");
        switch (reply->type) {
          case wire::server_msg_type::client_contact:
            ++model.client_contacts;
            break;
          case wire::server_msg_type::peer_contact:
            ++model.peer_contacts;
            check(model.peer_contacts <= model.client_contacts,
                  "PeerContact before that connection's ClientContact",
                  "connection " + std::to_string(o.conn));
            break;
          case wire::server_msg_type::room_created:
            ++rooms_created;
            break;
          default:
            break;
        }
      }
    };

    switch (op) {
      case 0: {
        const connection_id c = in.byte() % connection_count;
        const std::uint8_t address = in.byte();
        server.open(c, endpoint_of(c, address), now);
        auto it = conns.find(c);
        if (it == conns.end() || it->second.state != conn_state::open) conns[c] = conn_model{};
        break;
      }
      case 1:
      case 7: {
        const connection_id c = in.byte() % connection_count;
        const std::size_t length = op == 1 ? in.u16() : in.byte();
        server.receive(c, in.bytes(length), now);
        break;
      }
      case 2: {
        const connection_id c = in.byte() % connection_count;
        const std::uint8_t kind = in.byte();
        const std::uint8_t room = in.byte();
        server.receive(c, request_frame(kind, room, cfg.profile), now);
        break;
      }
      case 3:
        server.end_of_input(in.byte() % connection_count, now);
        break;
      case 4: {
        const connection_id c = in.byte() % connection_count;
        // Timers due now fire first, so that their outputs are seen (and
        // checked) before closed() drops what is queued for c.
        server.advance(now);
        take_outputs();
        server.closed(c, now);
        conns.erase(c);
        break;
      }
      case 5:
        now += in.u16() * clock_time(100ms);
        server.advance(now);
        break;
      case 6:
        if (auto deadline = server.next_deadline()) now = std::max(now, *deadline);
        server.advance(now);
        break;
    }

    take_outputs();

    check(!server.crashed(), "the core crashed without faults");
    const std::size_t open =
        static_cast<std::size_t>(std::count_if(conns.begin(), conns.end(), [](const auto& entry) {
          return entry.second.state == conn_state::open;
        }));
    check(server.open_connections() == open, "open_connections() disagrees with the outputs",
          std::to_string(server.open_connections()) + " vs " + std::to_string(open));
    const std::size_t rooms = server.live_rooms();
    check(rooms <= rooms_before + rooms_created, "live_rooms() grew without RoomCreated",
          std::to_string(rooms_before) + " -> " + std::to_string(rooms));
    if (rooms_created > 0) last_room_created = now;
    if (last_room_created && now - *last_room_created >= cfg.room_timeout) {
      check(rooms == 0, "rooms outlived room_timeout", std::to_string(rooms));
    }
    if (auto deadline = server.next_deadline()) {
      check(*deadline > now, "a timer is still due after the step");
    }
    transcript += "rooms " + std::to_string(rooms) + " open " + std::to_string(open) + " in " +
                  std::to_string(server.frames_in()) + " out " +
                  std::to_string(server.frames_out()) + "\n";
  }
  return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string first = run(data, size);
  const std::string second = run(data, size);
  if (first != second) {
    step_text = "the end";
    fail("two runs of one script differ", first + "\n----\n" + second);
  }
  return 0;
}
