#include "gday/base/utf8.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace {

using gday::base::append_utf8;
using gday::base::decode_utf8;
using gday::base::first_invalid_utf8;
using gday::base::is_valid_utf8;

TEST(utf8_test, accepts_every_length_up_to_the_limits) {
  for (const char* ok : {"", "plain ascii", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
                         "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
                         "\xf4\x8f\xbf\xbf", "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"}) {
    EXPECT_TRUE(is_valid_utf8(ok)) << ok;
    EXPECT_EQ(first_invalid_utf8(ok), std::nullopt) << ok;
  }
  EXPECT_TRUE(is_valid_utf8(std::string(1, '\0')));
}

TEST(utf8_test, rejects_overlong_forms) {
  for (const char* bad : {"\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf",
                          "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
}

TEST(utf8_test, rejects_surrogates) {
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));              // U+D800
  EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));              // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\xbd\xed\xb8\x80"));  // a pair, CESU-8 style
}

TEST(utf8_test, rejects_values_above_u10ffff) {
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf7\xbf\xbf\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xfe"));
}

TEST(utf8_test, rejects_truncated_sequences_and_stray_continuations) {
  for (const char* bad : {"\xc3", "\xe2\x82", "\xf0\x9f\x98", "\x80", "\xbf", "\xc3(",
                          "\xe2\x28\xa1", "\xf0\x9f\x98("}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
}

TEST(utf8_test, first_invalid_points_at_the_lead_byte_of_the_bad_sequence) {
  EXPECT_EQ(first_invalid_utf8("ab\xff"), std::optional<std::size_t>(2));
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), std::optional<std::size_t>(0));
  EXPECT_EQ(first_invalid_utf8("x\xc0\xaf"), std::optional<std::size_t>(1));
  EXPECT_EQ(first_invalid_utf8("\xc3\xa9\xe2\x82"), std::optional<std::size_t>(2));
  EXPECT_EQ(first_invalid_utf8("\xe2\x82\xac\x80"), std::optional<std::size_t>(3));
}

TEST(utf8_test, decodes_code_points_and_their_lengths) {
  const std::string text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  const char32_t want[] = {U'a', U'\u00e9', U'\u20ac', U'\U0001F600'};
  std::size_t at = 0;
  for (const char32_t cp : want) {
    const auto c = decode_utf8(text, at);
    ASSERT_TRUE(c) << at;
    EXPECT_EQ(c->code_point, cp) << at;
    at += c->length;
  }
  EXPECT_EQ(at, text.size());
  EXPECT_EQ(decode_utf8("\xe2\x82", 0), std::nullopt);
  EXPECT_EQ(decode_utf8("\xc3\xa9", 1), std::nullopt);  // inside a sequence
}

TEST(utf8_test, every_scalar_value_encodes_and_decodes_back) {
  for (char32_t cp = 0; cp <= 0x10ffff; cp += (cp < 0x1000 ? 1 : 97)) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    std::string text;
    append_utf8(text, cp);
    const std::size_t want_length = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    ASSERT_EQ(text.size(), want_length) << static_cast<unsigned long>(cp);
    const auto back = decode_utf8(text, 0);
    ASSERT_TRUE(back) << static_cast<unsigned long>(cp);
    EXPECT_EQ(back->code_point, cp);
    EXPECT_EQ(back->length, want_length);
  }
  for (const char32_t edge :
       {U'\u007f', U'\u0080', U'\u07ff', U'\u0800', U'\uffff', U'\U00010000', U'\U0010ffff'}) {
    std::string text;
    append_utf8(text, edge);
    EXPECT_TRUE(is_valid_utf8(text)) << static_cast<unsigned long>(edge);
  }
}

}  // namespace
