#include "gday/base/hex.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using gday::base::decode_hex;
using gday::base::encode_hex;
using gday::base::hex_digit_value;
using gday::base::hex_error;

TEST(hex_test, encodes_lower_case_two_digits_per_byte) {
  EXPECT_EQ(encode_hex(""), "");
  EXPECT_EQ(encode_hex(std::string("\x00\x0f\x7b\xff", 4)), "000f7bff");
  EXPECT_EQ(encode_hex("{}", " "), "7b 7d");
  EXPECT_EQ(encode_hex("A", " "), "41");
}

TEST(hex_test, every_byte_round_trips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string text = encode_hex(all);
  ASSERT_EQ(text.size(), 512u);
  const auto back = decode_hex(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

TEST(hex_test, decodes_either_case) {
  const auto bytes = decode_hex("aBcD09");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, std::string("\xab\xcd\x09"));
  const auto empty = decode_hex("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST(hex_test, rejects_an_odd_number_of_digits) {
  const auto bytes = decode_hex("abc");
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error(), hex_error::odd_length);
  // An odd length is reported before a bad digit.
  EXPECT_EQ(decode_hex("xyz").error(), hex_error::odd_length);
}

TEST(hex_test, rejects_characters_that_are_not_hex_digits) {
  for (const char* bad : {"0g", "g0", "7b 7", "0x00", "--", "\xff\xff"}) {
    const auto bytes = decode_hex(bad);
    ASSERT_FALSE(bytes) << bad;
    EXPECT_EQ(bytes.error(), hex_error::invalid_digit) << bad;
  }
}

TEST(hex_test, digit_values) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  for (const char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'}) {
    EXPECT_EQ(hex_digit_value(c), std::nullopt) << static_cast<int>(c);
  }
}

}  // namespace
