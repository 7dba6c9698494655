#include "gday/harness/canonical.hpp"

#include <gtest/gtest.h>

#include "gday/wire/codec.hpp"

namespace {

using gday::harness::compare_canonical;
namespace wire = gday::wire;

wire::server_msg decoded(std::string_view body, wire::profile p) {
  auto m = wire::decode_server_msg(body, p);
  EXPECT_TRUE(m.has_value()) << body;
  return m ? *m : wire::server_msg{};
}

TEST(canonical_test, upstream_bytes_are_canonical_in_every_profile) {
  const std::string v1 =
      R"({"ClientContact":{"local":{"v4":"1.2.3.4:5","v6":null},"public":{"v4":null,"v6":"[::1]:7"}}})";
  EXPECT_FALSE(compare_canonical(v1, decoded(v1, wire::profile::v1), wire::profile::v1));
  EXPECT_FALSE(compare_canonical(R"("RoomCreated")", decoded(R"("RoomCreated")", wire::profile::v1),
                                 wire::profile::v1));
  const std::string v3 = R"({"type":"ErrorRoomTaken"})";
  EXPECT_FALSE(compare_canonical(v3, decoded(v3, wire::profile::v3), wire::profile::v3));
}

TEST(canonical_test, omitted_nulls_are_a_j9_difference_with_the_offset) {
  const std::string body = R"({"ClientContact":{"local":{"v4":"1.2.3.4:5"},"public":{}}})";
  const auto d = compare_canonical(body, decoded(body, wire::profile::v1), wire::profile::v1);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->requirements, (std::vector<std::string>{"J-9"}));
  const std::string canonical =
      R"({"ClientContact":{"local":{"v4":"1.2.3.4:5","v6":null},"public":{"v4":null,"v6":null}}})";
  EXPECT_EQ(d->expected, canonical);
  EXPECT_EQ(d->received, body);
  const std::string same_prefix = R"({"ClientContact":{"local":{"v4":"1.2.3.4:5")";
  EXPECT_EQ(d->offset, same_prefix.size());
  const std::string line = d->describe();
  EXPECT_NE(line.find("(J-9)"), std::string::npos) << line;
  EXPECT_NE(line.find("expected " + d->expected), std::string::npos) << line;
  EXPECT_NE(line.find("received " + body), std::string::npos) << line;
  EXPECT_NE(line.find("byte " + std::to_string(d->offset)), std::string::npos) << line;
}

TEST(canonical_test, an_address_not_in_display_form_also_breaks_j5) {
  for (const std::string address : {"[::0:1]:05", "[::1.2.3.4]:5", "[fe80::1%0]:5", "[AB::CD]:1"}) {
    const std::string body = R"({"type":"PeerContact","local":{"v4":null,"v6":")" + address +
                             R"("},"public":{"v4":null,"v6":null}})";
    const auto d = compare_canonical(body, decoded(body, wire::profile::v3), wire::profile::v3);
    ASSERT_TRUE(d) << address;
    EXPECT_EQ(d->requirements, (std::vector<std::string>{"J-9", "J-5"})) << address;
  }
  const std::string v4 =
      R"({"ClientContact":{"local":{"v4":"1.2.3.4:05","v6":null},"public":{"v4":null,"v6":null}}})";
  const auto d = compare_canonical(v4, decoded(v4, wire::profile::v1), wire::profile::v1);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->requirements, (std::vector<std::string>{"J-9", "J-5"}));
}

TEST(canonical_test, whitespace_key_order_and_escapes_are_j9_only) {
  for (
      const std::string& body :
      {std::string(R"({ "type" : "RoomCreated" })"), std::string(R"({"type":"Room\u0043reated"})"),
       std::string(
           R"({"type":"ClientContact","public":{"v6":null,"v4":null},"local":{"v4":null,"v6":null}})")}) {
    const auto d = compare_canonical(body, decoded(body, wire::profile::v3), wire::profile::v3);
    ASSERT_TRUE(d) << body;
    EXPECT_EQ(d->requirements, (std::vector<std::string>{"J-9"})) << body;
  }
}

TEST(canonical_test, control_bytes_are_shown_escaped_in_one_line) {
  const std::string body = "\"RoomCreated\"\n";
  const auto d = compare_canonical(body, decoded(body, wire::profile::v1), wire::profile::v1);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->offset, 13u);
  EXPECT_EQ(d->describe().find('\n'), std::string::npos);
  EXPECT_NE(d->describe().find("\\x0a"), std::string::npos) << d->describe();
}

}  // namespace
