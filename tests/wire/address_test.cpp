#include "gday/wire/address.hpp"

#include <gtest/gtest.h>

namespace {

using gday::wire::parse_socket_addr_v4;
using gday::wire::parse_socket_addr_v6;

std::string v6_round_trip(std::string_view text) {
  auto addr = parse_socket_addr_v6(text);
  return addr ? gday::wire::to_string(*addr) : std::string("<rejected>");
}

std::string v4_round_trip(std::string_view text) {
  auto addr = parse_socket_addr_v4(text);
  return addr ? gday::wire::to_string(*addr) : std::string("<rejected>");
}

TEST(address_test, v4_accepts_rust_forms) {
  EXPECT_EQ(v4_round_trip("1.2.3.4:5"), "1.2.3.4:5");
  EXPECT_EQ(v4_round_trip("1.2.3.4:05"), "1.2.3.4:5");
  EXPECT_EQ(v4_round_trip("255.255.255.255:65535"), "255.255.255.255:65535");
  EXPECT_EQ(v4_round_trip("0.0.0.0:0"), "0.0.0.0:0");
  EXPECT_EQ(v4_round_trip("1.2.3.4:0000000000080"), "1.2.3.4:80");
}

TEST(address_test, v4_rejects_what_rust_rejects) {
  for (const char* bad :
       {"01.2.3.4:5", "256.2.3.4:5", "1.2.3:5", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536",
        "1.2.3.4:+5", "1.2.3.4:-5", "0x1.2.3.4:5", "1.2.3.4%1:5", "1.2.3.4:5:6", " 1.2.3.4:5",
        "1.2.3.4:5 ", "[::1]:5", "1.2.3.4.5:6", "1234.2.3.4:5", "localhost:5", ""}) {
    EXPECT_FALSE(parse_socket_addr_v4(bad)) << bad;
  }
}

TEST(address_test, v6_display_follows_rfc5952_as_rust_does) {
  EXPECT_EQ(v6_round_trip("[::1]:5"), "[::1]:5");
  EXPECT_EQ(v6_round_trip("[0:0:0:0:0:0:0:1]:5"), "[::1]:5");
  EXPECT_EQ(v6_round_trip("[::]:1"), "[::]:1");
  EXPECT_EQ(v6_round_trip("[AB::CD]:1"), "[ab::cd]:1");
  EXPECT_EQ(v6_round_trip("[1:0:0:1:0:0:0:1]:1"), "[1:0:0:1::1]:1");
  EXPECT_EQ(v6_round_trip("[1:0:0:0:1:0:0:1]:1"), "[1::1:0:0:1]:1");
  EXPECT_EQ(v6_round_trip("[1:0:1:0:1:0:1:0]:1"), "[1:0:1:0:1:0:1:0]:1");
  EXPECT_EQ(v6_round_trip("[::2:3:4:5:6:7:8]:1"), "[0:2:3:4:5:6:7:8]:1");
  EXPECT_EQ(v6_round_trip("[0001::]:1"), "[1::]:1");
  EXPECT_EQ(v6_round_trip("[2001:DB8:0:0:8:800:200C:417A]:1"), "[2001:db8::8:800:200c:417a]:1");
}

TEST(address_test, v6_embedded_ipv4_only_mapped_is_dotted) {
  EXPECT_EQ(v6_round_trip("[::ffff:1.2.3.4]:5"), "[::ffff:1.2.3.4]:5");
  EXPECT_EQ(v6_round_trip("[::1.2.3.4]:5"), "[::102:304]:5");
  EXPECT_EQ(v6_round_trip("[64:ff9b::1.2.3.4]:5"), "[64:ff9b::102:304]:5");
  EXPECT_EQ(v6_round_trip("[1:2:3:4:5:6:1.2.3.4]:5"), "[1:2:3:4:5:6:102:304]:5");
  EXPECT_EQ(v6_round_trip("[::ffff:255.255.255.255]:65535"), "[::ffff:255.255.255.255]:65535");
}

TEST(address_test, v6_scope_is_numeric_and_shown_only_when_non_zero) {
  EXPECT_EQ(v6_round_trip("[fe80::1%2]:5"), "[fe80::1%2]:5");
  EXPECT_EQ(v6_round_trip("[fe80::1%02]:5"), "[fe80::1%2]:5");
  EXPECT_EQ(v6_round_trip("[fe80::1%0]:5"), "[fe80::1]:5");
  EXPECT_EQ(v6_round_trip("[fe80::1%4294967295]:5"), "[fe80::1%4294967295]:5");
  EXPECT_EQ(v6_round_trip("[::ffff:1.2.3.4%3]:5"), "[::ffff:1.2.3.4%3]:5");
}

TEST(address_test, v6_rejects_what_rust_rejects) {
  for (const char* bad : {"::1:5",
                          "[::1]",
                          "[::1]:",
                          "[]:1",
                          "[1:::2]:1",
                          "[1::2:]:1",
                          "[00001::]:1",
                          "[::1]:5%2",
                          "[fe80::1%eth0]:5",
                          "[fe80::1%4294967296]:5",
                          "[fe80::1%-1]:5",
                          "[::1.2.3.4.5]:1",
                          "[1:2:3:4:5:6:7:8:9]:1",
                          "[1.2.3.4::]:1",
                          "[::1]:65536",
                          "[::1]:+5",
                          "[1::2::3]:1",
                          "[::01.2.3.4]:1",
                          "1.2.3.4:5",
                          "[::1%]:5",
                          "[:1]:5",
                          "[1:2:3:4:5:6:7]:1"}) {
    EXPECT_FALSE(parse_socket_addr_v6(bad)) << bad;
  }
}

TEST(address_test, comparison_is_by_value) {
  EXPECT_EQ(parse_socket_addr_v6("[::1]:5"), parse_socket_addr_v6("[0::0:1]:005"));
  EXPECT_NE(parse_socket_addr_v6("[::1]:5"), parse_socket_addr_v6("[::1%1]:5"));
}

}  // namespace
