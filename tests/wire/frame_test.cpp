#include "gday/wire/frame.hpp"

#include <gtest/gtest.h>

namespace {

using gday::wire::frame_decoder;
using gday::wire::profile;

std::string frame(std::uint8_t version, std::string_view body) {
  std::string out;
  out.push_back(static_cast<char>(version));
  out.push_back(static_cast<char>(body.size() >> 8));
  out.push_back(static_cast<char>(body.size() & 0xff));
  out.append(body);
  return out;
}

TEST(frame_decoder_test, splits_byte_by_byte) {
  const std::string stream = frame(1, "\"RoomCreated\"");
  frame_decoder decoder(profile::v1);
  for (std::size_t i = 0; i + 1 < stream.size(); ++i) {
    EXPECT_EQ(decoder.feed(std::string_view(&stream[i], 1)), 1u);
    EXPECT_EQ(decoder.status(), frame_decoder::state::need_more);
    EXPECT_TRUE(decoder.mid_frame());
  }
  EXPECT_EQ(decoder.feed(std::string_view(&stream.back(), 1)), 1u);
  ASSERT_EQ(decoder.status(), frame_decoder::state::frame_ready);
  EXPECT_EQ(decoder.take_body(), "\"RoomCreated\"");
  EXPECT_FALSE(decoder.mid_frame());
  EXPECT_TRUE(decoder.finish());
}

TEST(frame_decoder_test, never_consumes_past_a_frame) {
  const std::string stream = frame(1, "ab") + frame(1, "cde") + frame(1, "");
  frame_decoder decoder(profile::v1);
  std::string_view rest = stream;
  std::vector<std::string> bodies;
  while (!rest.empty()) {
    const std::size_t used = decoder.feed(rest);
    rest.remove_prefix(used);
    ASSERT_EQ(decoder.status(), frame_decoder::state::frame_ready);
    // While a frame is ready, nothing more is taken.
    EXPECT_EQ(decoder.feed(rest), 0u);
    bodies.push_back(decoder.take_body());
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"ab", "cde", ""}));
}

TEST(frame_decoder_test, rejects_wrong_version_after_three_header_bytes) {
  frame_decoder decoder(profile::v1);
  EXPECT_EQ(decoder.feed(std::string("\x02\x00", 2)), 2u);
  EXPECT_EQ(decoder.status(), frame_decoder::state::need_more);
  EXPECT_EQ(decoder.feed(std::string("\x05xyz", 4)), 1u);
  ASSERT_EQ(decoder.status(), frame_decoder::state::failed);
  EXPECT_EQ(decoder.error().code, gday::wire::error::wrong_version);
  EXPECT_EQ(decoder.error().message, "version byte 2, expected 1");
  EXPECT_EQ(decoder.feed("more"), 0u);
}

TEST(frame_decoder_test, v3_caps_length_at_1024_before_the_body) {
  frame_decoder ok(profile::v3);
  EXPECT_EQ(ok.feed(std::string("\x03\x04\x00", 3)), 3u);
  EXPECT_EQ(ok.status(), frame_decoder::state::need_more);
  frame_decoder too_long(profile::v3);
  EXPECT_EQ(too_long.feed(std::string("\x03\x04\x01zz", 5)), 3u);
  ASSERT_EQ(too_long.status(), frame_decoder::state::failed);
  EXPECT_EQ(too_long.error().code, gday::wire::error::body_too_long);
  frame_decoder v1(profile::v1);
  v1.feed(std::string("\x01\xff\xff", 3));
  EXPECT_EQ(v1.status(), frame_decoder::state::need_more);
}

TEST(frame_decoder_test, end_of_stream_inside_a_frame_is_truncated) {
  frame_decoder in_header(profile::v1);
  in_header.feed(std::string("\x01\x00", 2));
  EXPECT_FALSE(in_header.finish());
  EXPECT_EQ(in_header.error().code, gday::wire::error::truncated);
  frame_decoder in_body(profile::v1);
  in_body.feed(
      std::string("\x01\x00\x05"
                  "abc",
                  6));
  EXPECT_FALSE(in_body.finish());
  EXPECT_EQ(in_body.error().code, gday::wire::error::truncated);
  EXPECT_NE(in_body.error().what().find("F-5"), std::string::npos);
  frame_decoder clean(profile::v1);
  EXPECT_TRUE(clean.finish());
}

TEST(frame_decoder_test, decode_frames_reports_the_first_problem) {
  auto good = gday::wire::decode_frames(frame(3, "x") + frame(3, "yz"), profile::v3);
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, (std::vector<std::string>{"x", "yz"}));
  auto bad = gday::wire::decode_frames(frame(3, "x") + frame(1, "yz"), profile::v3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, gday::wire::error::wrong_version);
  EXPECT_EQ(bad.error().offset, 4u);
  auto cut = gday::wire::decode_frames(frame(3, "xyz").substr(0, 4), profile::v3);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, gday::wire::error::truncated);
}

TEST(encode_frame_test, writes_header_and_body_in_one_buffer) {
  auto f = gday::wire::encode_frame(std::string_view("\"RoomCreated\""), profile::v1);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, std::string("\x01\x00\x0d\"RoomCreated\"", 16));
  auto v3 = gday::wire::encode_frame(std::string(1024, ' '), profile::v3);
  ASSERT_TRUE(v3);
  EXPECT_EQ(v3->substr(0, 3), std::string("\x03\x04\x00", 3));
}

TEST(encode_frame_test, refuses_bodies_over_the_profile_cap) {
  auto v3 = gday::wire::encode_frame(std::string(1025, ' '), profile::v3);
  ASSERT_FALSE(v3);
  EXPECT_EQ(v3.error().code, gday::wire::error::body_too_long);
  EXPECT_TRUE(gday::wire::encode_frame(std::string(65535, ' '), profile::v1));
  EXPECT_FALSE(gday::wire::encode_frame(std::string(65536, ' '), profile::v1));
}

}  // namespace
