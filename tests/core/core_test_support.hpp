#pragma once
// Helpers for the server core tests: a driver that owns a core and a virtual
// clock, builds request frames, and reads the replies back as messages.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "gday/core/server_core.hpp"
#include "gday/wire/address.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/frame.hpp"
#include "gday/wire/messages.hpp"

namespace gday::wire {

// Readable gtest failure messages for replies.
inline void PrintTo(const contact& c, std::ostream* os) {
  *os << "{v4: " << (c.v4 ? to_string(*c.v4) : "null")
      << ", v6: " << (c.v6 ? to_string(*c.v6) : "null") << "}";
}
inline void PrintTo(const full_contact& c, std::ostream* os) {
  *os << "{local: ";
  PrintTo(c.local, os);
  *os << ", public: ";
  PrintTo(c.public_, os);
  *os << "}";
}
inline void PrintTo(const server_msg& m, std::ostream* os) {
  *os << variant_name(m.type);
  if (carries_contact(m.type)) PrintTo(m.contact, os);
}

}  // namespace gday::wire

namespace gday::core::test {

using namespace std::chrono_literals;

using wire::server_msg;
using wire::server_msg_type;

/// The is_creator flag of the messages, by name.
constexpr bool creator = true;
constexpr bool joiner = false;

/// A distinct 32-byte room code per `n` (ASCII, so valid in every profile).
inline std::string code(int n) {
  std::string room = "room-" + std::to_string(n);
  room.resize(32, '.');
  return room;
}

inline endpoint v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                   std::uint16_t port) {
  return wire::socket_addr_v4{{a, b, c, d}, port};
}
inline endpoint v6_loopback(std::uint16_t port) {
  return wire::socket_addr_v6{{0, 0, 0, 0, 0, 0, 0, 1}, port, 0};
}
inline wire::socket_addr_v4 addr4(std::string_view text) {
  auto a = wire::parse_socket_addr_v4(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(wire::socket_addr_v4{});
}
inline wire::socket_addr_v6 addr6(std::string_view text) {
  auto a = wire::parse_socket_addr_v6(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(wire::socket_addr_v6{});
}

inline server_msg msg(server_msg_type type) { return server_msg{type, {}}; }
inline server_msg client_contact(const wire::full_contact& c) {
  return server_msg{server_msg_type::client_contact, c};
}
inline server_msg peer_contact(const wire::full_contact& c) {
  return server_msg{server_msg_type::peer_contact, c};
}
inline const server_msg room_created = msg(server_msg_type::room_created);
inline const server_msg received_addr = msg(server_msg_type::received_addr);
inline const server_msg error_room_taken = msg(server_msg_type::error_room_taken);
inline const server_msg error_peer_timed_out = msg(server_msg_type::error_peer_timed_out);
inline const server_msg error_no_such_room_code = msg(server_msg_type::error_no_such_room_code);
inline const server_msg error_unexpected_msg = msg(server_msg_type::error_unexpected_msg);
inline const server_msg error_too_many_requests = msg(server_msg_type::error_too_many_requests);
inline const server_msg error_syntax = msg(server_msg_type::error_syntax);

/// Frames one request in `p`; fails the test if it cannot be encoded.
inline std::string frame(const wire::client_msg& m, wire::profile p = wire::profile::v1) {
  auto bytes = wire::encode_frame(m, p);
  EXPECT_TRUE(bytes.has_value()) << (bytes ? "" : bytes.error().what());
  return bytes ? *bytes : std::string();
}
inline std::string create(const std::string& room, wire::profile p = wire::profile::v1) {
  return frame(wire::create_room{room}, p);
}
inline std::string record(const std::string& room, bool is_creator,
                          wire::profile p = wire::profile::v1) {
  return frame(wire::record_public_addr{room, is_creator}, p);
}
inline std::string ready(const std::string& room, bool is_creator, wire::contact local = {},
                         wire::profile p = wire::profile::v1) {
  return frame(wire::ready_to_share{local, room, is_creator}, p);
}
/// A raw frame with any version byte and body.
inline std::string raw_frame(std::uint8_t version, std::string_view body) {
  std::string out;
  out.push_back(static_cast<char>(version));
  out.push_back(static_cast<char>((body.size() >> 8) & 0xff));
  out.push_back(static_cast<char>(body.size() & 0xff));
  out.append(body);
  return out;
}

/// Drives a core on a virtual clock and records everything it outputs.
class driver {
 public:
  explicit driver(config cfg = {}, clock_time start = 1000s)
      : now(start), cfg_(cfg), core(cfg, start) {}

  clock_time now;
  config cfg_;
  server_core core;
  std::vector<output> all;        ///< every output, in order
  std::vector<clock_time> times;  ///< when each output of `all` was taken

  void collect() {
    for (output& o : core.take_outputs()) {
      all.push_back(std::move(o));
      times.push_back(now);
    }
  }
  void open(connection_id id, endpoint peer = v4(127, 0, 0, 1, 40000)) {
    core.open(id, peer, now);
    collect();
  }
  void send(connection_id id, std::string_view bytes) {
    core.receive(id, bytes, now);
    collect();
  }
  void eof(connection_id id) {
    core.end_of_input(id, now);
    collect();
  }
  void gone(connection_id id) {
    core.closed(id, now);
    collect();
  }
  /// Moves the clock forward and runs the timers.
  void wait(clock_time d) {
    now += d;
    core.advance(now);
    collect();
  }
  /// Moves the clock to the core's next deadline (fails if there is none).
  void wait_for_deadline() {
    auto next = core.next_deadline();
    ASSERT_TRUE(next.has_value());
    ASSERT_GE(*next, now);
    now = *next;
    core.advance(now);
    collect();
  }

  /// The bytes sent to `id` that were not taken yet, decoded as replies. Fails
  /// the test on a frame that is not a valid reply of the profile.
  std::vector<server_msg> replies(connection_id id) {
    std::string bytes;
    std::size_t& seen = taken_[id];
    std::size_t index = 0;
    for (const output& o : all) {
      if (o.conn != id || o.what != output::kind::send) continue;
      if (index++ < seen) continue;
      bytes += o.bytes;
      ++seen;
    }
    std::vector<server_msg> out;
    auto frames = wire::decode_frames(bytes, cfg_.profile);
    EXPECT_TRUE(frames.has_value()) << (frames ? "" : frames.error().what());
    if (!frames) return out;
    for (const std::string& body : *frames) {
      auto m = wire::decode_server_msg(body, cfg_.profile);
      EXPECT_TRUE(m.has_value()) << body;
      if (m) out.push_back(*m);
    }
    return out;
  }

  /// True if the core closed `id`.
  bool closed(connection_id id) const {
    for (const output& o : all) {
      if (o.conn == id && o.what == output::kind::close) return true;
    }
    return false;
  }

  /// Number of outputs (of any kind) for `id` after its close; must be zero.
  int outputs_after_close(connection_id id) const {
    bool was_closed = false;
    int after = 0;
    for (const output& o : all) {
      if (o.conn != id) continue;
      if (was_closed) ++after;
      if (o.what == output::kind::close) was_closed = true;
    }
    return after;
  }

 private:
  std::map<connection_id, std::size_t> taken_;
};

}  // namespace gday::core::test
