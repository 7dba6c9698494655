// Property tests: decode(encode(m)) == m for generated messages of every
// profile, and encode(decode(x)) is a fixed point.
#include "gday/wire/codec.hpp"

#include <gtest/gtest.h>

#include <random>

#include "gday/wire/frame.hpp"

namespace {

namespace wire = gday::wire;

class generator {
 public:
  explicit generator(std::uint32_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  wire::contact contact() {
    wire::contact c;
    if (pick(3) > 0) {
      wire::socket_addr_v4 a;
      for (auto& o : a.octets) o = static_cast<std::uint8_t>(pick(256));
      a.port = static_cast<std::uint16_t>(pick(65536));
      c.v4 = a;
    }
    if (pick(3) > 0) {
      wire::socket_addr_v6 a;
      for (auto& s : a.segments) s = pick(3) == 0 ? 0 : static_cast<std::uint16_t>(pick(65536));
      if (pick(4) == 0) {
        a.segments = {0, 0, 0, 0, 0, 0xffff, static_cast<std::uint16_t>(pick(65536)), 1};
      }
      a.port = static_cast<std::uint16_t>(pick(65536));
      a.scope_id = pick(4) == 0 ? static_cast<std::uint32_t>(rng_()) : 0;
      c.v6 = a;
    }
    return c;
  }

  std::string room_code(wire::profile p) {
    std::string code;
    if (p == wire::profile::v1) {
      for (int i = 0; i < 32; ++i) code.push_back(static_cast<char>(pick(256)));
      return code;
    }
    static const char* pieces[] = {
        "a", "Z", "0", " ", "\"", "\\", "\n", "\x01", "\xc3\xa9", "\xf0\x9f\x98\x80", "/", "\x7f"};
    const int n = pick(20);
    for (int i = 0; i < n; ++i) code += pieces[pick(12)];
    return code;
  }

  wire::client_msg client(wire::profile p) {
    switch (pick(3)) {
      case 0:
        return wire::create_room{room_code(p)};
      case 1:
        return wire::record_public_addr{room_code(p), pick(2) == 1};
      default:
        return wire::ready_to_share{contact(), room_code(p), pick(2) == 1};
    }
  }

  wire::server_msg server(wire::profile p) {
    const int count =
        wire::has_error_internal(p) ? wire::server_msg_type_count : wire::server_msg_type_count - 1;
    wire::server_msg m{static_cast<wire::server_msg_type>(pick(count))};
    if (wire::carries_contact(m.type)) m.contact = {contact(), contact()};
    return m;
  }

 private:
  std::mt19937 rng_;
};

constexpr wire::profile profiles[] = {wire::profile::v1, wire::profile::v2, wire::profile::v3};

TEST(roundtrip_test, client_messages_survive_encode_then_decode) {
  generator gen(2311);
  for (auto p : profiles) {
    for (int i = 0; i < 2000; ++i) {
      const wire::client_msg m = gen.client(p);
      auto frame = wire::encode_frame(m, p);
      ASSERT_TRUE(frame) << frame.error().what();
      auto bodies = wire::decode_frames(*frame, p);
      ASSERT_TRUE(bodies);
      ASSERT_EQ(bodies->size(), 1u);
      auto back = wire::decode_client_msg(bodies->front(), p);
      ASSERT_TRUE(back) << back.error().what() << "\n" << bodies->front();
      EXPECT_EQ(*back, m) << bodies->front();
      auto again = wire::encode_body(*back, p);
      ASSERT_TRUE(again);
      EXPECT_EQ(*again, bodies->front());
    }
  }
}

TEST(roundtrip_test, server_messages_survive_encode_then_decode) {
  generator gen(42);
  for (auto p : profiles) {
    for (int i = 0; i < 2000; ++i) {
      const wire::server_msg m = gen.server(p);
      auto body = wire::encode_body(m, p);
      ASSERT_TRUE(body) << body.error().what();
      auto back = wire::decode_server_msg(*body, p);
      ASSERT_TRUE(back) << back.error().what() << "\n" << *body;
      EXPECT_EQ(*back, m) << *body;
      EXPECT_EQ(*wire::encode_body(*back, p), *body);
    }
  }
}

TEST(roundtrip_test, reencoding_a_lenient_body_is_a_fixed_point) {
  // Whitespace, reordered keys, unknown keys and array forms all normalise to
  // one canonical body, which then decodes and encodes to itself.
  std::string code = "[0";
  for (int i = 1; i < 32; ++i) code += "," + std::to_string(i * 8);
  code += "]";
  const std::string body =
      " {\"ReadyToShare\" : [ {\"v6\":\"[::1]:9\", \"zz\":[{}]} , " + code + " , true ] }\r\n";
  auto first = wire::decode_client_msg(body, wire::profile::v1);
  ASSERT_TRUE(first) << first.error().what();
  auto canonical = wire::encode_body(*first, wire::profile::v1);
  ASSERT_TRUE(canonical);
  auto second = wire::decode_client_msg(*canonical, wire::profile::v1);
  ASSERT_TRUE(second);
  EXPECT_EQ(*wire::encode_body(*second, wire::profile::v1), *canonical);
  EXPECT_EQ(*first, *second);
}

}  // namespace
