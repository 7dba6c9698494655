#include "gday/wire/codec.hpp"

#include <gtest/gtest.h>

namespace {

using gday::wire::error;
using gday::wire::profile;
namespace wire = gday::wire;

std::string ints(int count, int value = 7) {
  std::string out = "[";
  for (int i = 0; i < count; ++i) out += (i ? "," : "") + std::to_string(value);
  return out + "]";
}

wire::error_info reject(std::string_view body, profile p = profile::v1) {
  auto msg = wire::decode_client_msg(body, p);
  EXPECT_FALSE(msg) << body;
  return msg ? wire::error_info{} : msg.error();
}

TEST(codec_test, room_code_length_error_says_what_is_wrong) {
  auto e = reject(R"({"CreateRoom":{"room_code":)" + ints(31) + "}}");
  EXPECT_EQ(e.code, error::invalid_length);
  EXPECT_EQ(e.message, "room_code has 31 elements, expected 32");
  EXPECT_EQ(std::string(wire::rule_of(e.code)), "J-2");
  auto more = reject(R"({"CreateRoom":{"room_code":)" + ints(33) + "}}");
  EXPECT_EQ(more.message, "room_code has 33 elements, expected 32");
}

TEST(codec_test, room_code_elements_are_plain_integers_0_to_255) {
  for (const char* bad : {"-1", "256", "-0", "1.0", "1e2", "18446744073709551616"}) {
    std::string codes = ints(31) + "";
    codes.insert(1, std::string(bad) + ",");
    EXPECT_EQ(reject(R"({"CreateRoom":{"room_code":)" + codes + "}}").code, error::invalid_value)
        << bad;
  }
  for (const char* bad : {"00", "07", "+1"}) {
    std::string codes = ints(31);
    codes.insert(1, std::string(bad) + ",");
    EXPECT_EQ(reject(R"({"CreateRoom":{"room_code":)" + codes + "}}").code, error::invalid_json)
        << bad;
  }
  auto ok =
      wire::decode_client_msg(R"({"CreateRoom":{"room_code":[ 255 ,0)" + std::string(30 * 2, ' ') +
                                  ints(30).replace(0, 1, ",") + "}}",
                              profile::v1);
  ASSERT_TRUE(ok) << ok.error().what();
  const auto& code = std::get<wire::create_room>(*ok).room_code;
  EXPECT_EQ(static_cast<unsigned char>(code[0]), 255);
  EXPECT_EQ(code[1], 0);
}

TEST(codec_test, v1_duplicates_rejected_only_for_known_fields) {
  const std::string code = ints(32);
  EXPECT_EQ(reject(R"({"RecordPublicAddr":{"room_code":)" + code + R"(,"room_code":)" + code +
                   R"(,"is_creator":true}})")
                .code,
            error::duplicate_field);
  EXPECT_TRUE(wire::decode_client_msg(
      R"({"RecordPublicAddr":{"x":1,"x":[],"room_code":)" + code + R"(,"is_creator":true}})",
      profile::v1));
}

TEST(codec_test, v1_skips_unknown_values_without_validating_their_strings) {
  const std::string code = ints(32);
  // Invalid UTF-8 and a lone surrogate under an unknown key: accepted in v1 ...
  const std::string body = "{\"CreateRoom\":{\"u\":\"\xff\\ud800\",\"room_code\":" + code + "}}";
  EXPECT_TRUE(wire::decode_client_msg(body, profile::v1));
  // ... but not as a key, and never in v3.
  EXPECT_EQ(reject("{\"CreateRoom\":{\"\\ud800\":1,\"room_code\":" + code + "}}").code,
            error::lone_surrogate);
  EXPECT_EQ(
      reject("{\"type\":\"CreateRoom\",\"u\":\"\xff\",\"room_code\":\"r\"}", profile::v3).code,
      error::invalid_utf8);
}

TEST(codec_test, depth_limit_applies_to_v3_only) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  const std::string code = ints(32);
  EXPECT_TRUE(wire::decode_client_msg(
      R"({"CreateRoom":{"u":)" + nested(1000) + R"(,"room_code":)" + code + "}}", profile::v1));
  EXPECT_TRUE(wire::decode_client_msg(
      R"({"type":"CreateRoom","room_code":"r","u":)" + nested(126) + "}", profile::v3));
  EXPECT_EQ(
      reject(R"({"type":"CreateRoom","room_code":"r","u":)" + nested(127) + "}", profile::v3).code,
      error::depth_limit);
}

TEST(codec_test, numbers_out_of_f64_range_are_rejected_in_v3_only) {
  EXPECT_TRUE(wire::decode_client_msg(R"({"CreateRoom":{"u":1e400,"room_code":)" + ints(32) + "}}",
                                      profile::v1));
  EXPECT_EQ(reject(R"({"type":"CreateRoom","room_code":"r","u":-1e400})", profile::v3).code,
            error::number_out_of_range);
  EXPECT_TRUE(wire::decode_client_msg(
      R"({"type":"CreateRoom","room_code":"r","u":1e-400,"w":123456789012345678901234567890})",
      profile::v3));
}

TEST(codec_test, v1_top_level_object_has_exactly_one_key) {
  const std::string inner = R"({"room_code":)" + ints(32) + "}";
  EXPECT_EQ(reject(R"({"CreateRoom":)" + inner + R"(,"x":1})").code, error::unexpected_key);
  EXPECT_EQ(reject(R"({"x":1,"CreateRoom":)" + inner + "}").code, error::unknown_variant);
  EXPECT_EQ(reject("{}").code, error::invalid_type);
  EXPECT_EQ(reject(R"("CreateRoom")").code, error::invalid_type);
  EXPECT_EQ(reject("").code, error::eof);
  EXPECT_EQ(reject(R"({"CreateRoom":)" + inner + "} x").code, error::trailing_characters);
}

TEST(codec_test, v3_tag_may_be_anywhere_and_array_form_puts_it_first) {
  auto a = wire::decode_client_msg(
      R"({"is_creator":true,"room_code":"r","type":"RecordPublicAddr"})", profile::v3);
  ASSERT_TRUE(a) << a.error().what();
  EXPECT_EQ(std::get<wire::record_public_addr>(*a), (wire::record_public_addr{"r", true}));
  auto b = wire::decode_client_msg(R"(["RecordPublicAddr","r",true])", profile::v2);
  ASSERT_TRUE(b) << b.error().what();
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(reject(R"(["RecordPublicAddr","r"])", profile::v3).code, error::invalid_length);
  EXPECT_EQ(
      reject(R"({"type":"CreateRoom","type":"CreateRoom","room_code":"r"})", profile::v3).code,
      error::duplicate_field);
  EXPECT_EQ(reject(R"({"room_code":"r"})", profile::v3).code, error::missing_field);
}

TEST(codec_test, addresses_follow_rust_socket_addr_rules) {
  auto ready = [](std::string_view contact) {
    return R"({"ReadyToShare":{"local_contact":)" + std::string(contact) + R"(,"room_code":)" +
           ints(32) + R"(,"is_creator":false}})";
  };
  auto ok =
      wire::decode_client_msg(ready(R"({"v4":"1.2.3.4:05","v6":"[fe80::1%02]:5"})"), profile::v1);
  ASSERT_TRUE(ok) << ok.error().what();
  auto body = wire::encode_body(*ok, profile::v1);
  ASSERT_TRUE(body);
  EXPECT_NE(body->find(R"("local_contact":{"v4":"1.2.3.4:5","v6":"[fe80::1%2]:5"})"),
            std::string::npos);
  auto bad = reject(ready(R"({"v4":"01.2.3.4:5"})"));
  EXPECT_EQ(bad.code, error::invalid_address);
  EXPECT_NE(bad.message.find("01.2.3.4:5"), std::string::npos);
  EXPECT_EQ(reject(ready(R"({"v4":"[::1]:5"})")).code, error::invalid_address);
  EXPECT_EQ(reject(ready(R"({"v6":null,"v6":"[::1]:5"})")).code, error::duplicate_field);
  EXPECT_EQ(reject(ready(R"([null])")).code, error::invalid_length);
  EXPECT_TRUE(wire::decode_client_msg(ready("[null,null]"), profile::v1));
}

TEST(codec_test, encodes_upstream_bytes) {
  wire::ready_to_share r;
  r.room_code = std::string(32, '\x01');
  r.is_creator = true;
  r.local_contact.v4 = wire::parse_socket_addr_v4("1.8.3.1:2304");
  auto v3 = wire::encode_body(
      wire::client_msg{wire::ready_to_share{r.local_contact, "a\"b", false}}, profile::v3);
  ASSERT_TRUE(v3);
  EXPECT_EQ(
      *v3,
      R"({"type":"ReadyToShare","local_contact":{"v4":"1.8.3.1:2304","v6":null},"room_code":"a\"b","is_creator":false})");
  auto v1 = wire::encode_body(wire::client_msg{r}, profile::v1);
  ASSERT_TRUE(v1);
  EXPECT_EQ(*v1,
            R"({"ReadyToShare":{"local_contact":{"v4":"1.8.3.1:2304","v6":null},"room_code":)" +
                ints(32, 1) + R"(,"is_creator":true}})");
  EXPECT_EQ(*wire::encode_body(wire::server_msg{wire::server_msg_type::error_syntax}, profile::v1),
            R"("ErrorSyntax")");
  EXPECT_EQ(*wire::encode_body(wire::server_msg{wire::server_msg_type::error_syntax}, profile::v2),
            R"({"type":"ErrorSyntax"})");
}

TEST(codec_test, refuses_messages_a_profile_cannot_carry) {
  auto short_code = wire::encode_body(wire::client_msg{wire::create_room{"abc"}}, profile::v1);
  ASSERT_FALSE(short_code);
  EXPECT_EQ(short_code.error().code, error::unencodable);
  EXPECT_FALSE(wire::encode_body(wire::client_msg{wire::create_room{"\xff"}}, profile::v3));
  EXPECT_FALSE(
      wire::encode_body(wire::server_msg{wire::server_msg_type::error_internal}, profile::v3));
  EXPECT_TRUE(
      wire::encode_body(wire::server_msg{wire::server_msg_type::error_internal}, profile::v1));
  auto internal = wire::decode_server_msg(R"({"type":"ErrorInternal"})", profile::v3);
  ASSERT_FALSE(internal);
  EXPECT_EQ(internal.error().code, error::unknown_variant);
}

TEST(codec_test, server_unit_variants_accept_string_or_null_value_in_v1) {
  auto a = wire::decode_server_msg(R"("RoomCreated")", profile::v1);
  auto b = wire::decode_server_msg(R"({"RoomCreated":null})", profile::v1);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(wire::decode_server_msg(R"({"RoomCreated":{}})", profile::v1));
  EXPECT_FALSE(wire::decode_server_msg(R"("ClientContact")", profile::v1));
}

// A decode failure as a user reads it: rule, code, offset and sentence.
std::string client_failure(std::string_view body, profile p) {
  auto msg = wire::decode_client_msg(body, p);
  EXPECT_FALSE(msg) << body;
  return msg ? "accepted" : msg.error().what();
}
std::string server_failure(std::string_view body, profile p) {
  auto msg = wire::decode_server_msg(body, p);
  EXPECT_FALSE(msg) << body;
  return msg ? "accepted" : msg.error().what();
}
std::string at(std::size_t offset) { return " at byte " + std::to_string(offset) + ": "; }

TEST(codec_test, v1_message_object_must_close_after_its_one_key) {
  const std::string request = R"({"CreateRoom":{"room_code":)" + ints(32) + "}]";
  EXPECT_EQ(client_failure(request, profile::v1),
            "J-6 invalid_json" + at(request.size() - 1) + "expected '}', found ']'");
  EXPECT_EQ(server_failure(R"({"RoomCreated":null])", profile::v1),
            "J-6 invalid_json" + at(19) + "expected '}', found ']'");
}

TEST(codec_test, v1_unit_reply_value_must_be_the_null_literal) {
  const std::string cut = R"({"RoomCreated":nul)";
  EXPECT_EQ(server_failure(cut, profile::v1),
            "F-3 eof" + at(cut.size()) + "body ends inside a literal");
  EXPECT_EQ(server_failure(R"({"RoomCreated":nope})", profile::v1),
            "J-6 invalid_json" + at(15) + "invalid literal, expected 'null'");
  EXPECT_TRUE(wire::decode_server_msg(R"({"RoomCreated":null})", profile::v1));
}

TEST(codec_test, array_form_unit_reply_takes_no_fields) {
  for (const auto p : {profile::v2, profile::v3}) {
    EXPECT_EQ(server_failure(R"(["RoomCreated",1])", p),
              "J-2 invalid_length" + at(0) + "\"RoomCreated\" takes no fields in array form");
    EXPECT_TRUE(wire::decode_server_msg(R"(["RoomCreated"])", p));
  }
}

TEST(codec_test, a_body_cut_after_a_comma_inside_an_ignored_value_is_eof) {
  // v1 skips unknown values (serde's ignore_value); v3 validates the whole
  // document first. Both name the same cause.
  const std::string v1 = R"({"CreateRoom":{"u":[1,)";
  EXPECT_EQ(client_failure(v1, profile::v1),
            "F-3 eof" + at(v1.size()) + "body ends where a value was expected");
  const std::string v3 = R"({"type":"CreateRoom","u":[1,)";
  EXPECT_EQ(client_failure(v3, profile::v3),
            "F-3 eof" + at(v3.size()) + "body ends where a value was expected");
}

TEST(codec_test, array_form_elements_need_commas) {
  for (const auto p : {profile::v2, profile::v3}) {
    EXPECT_EQ(client_failure(R"(["CreateRoom" "r"])", p),
              "J-6 invalid_json" + at(14) + "expected ',' or ']', found '\"'");
  }
  // v1 takes a struct as an array of its fields too.
  const std::string v1 = R"({"RecordPublicAddr":[)" + ints(32) + " true]}";
  EXPECT_EQ(client_failure(v1, profile::v1),
            "J-6 invalid_json" + at(v1.find(" true") + 1) + "expected ',' or ']', found 't'");
}

TEST(codec_test, json_strings_are_escaped_as_serde_json_does) {
  EXPECT_EQ(wire::encode_json_string(std::string("a\"\\\b\f\n\r\t\x01\x1f\x7f\xc3\xa9", 13)),
            "\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xc3\xa9\"");
}

TEST(messages_test, describe_matches_upstream_display) {
  wire::server_msg m{wire::server_msg_type::error_no_such_room_code};
  EXPECT_EQ(wire::describe(m), "No room with this code currently exists on the server.");
  wire::server_msg c{wire::server_msg_type::peer_contact};
  c.contact.local.v4 = wire::parse_socket_addr_v4("1.2.3.4:5");
  c.contact.public_.v6 = wire::parse_socket_addr_v6("[::1]:7");
  EXPECT_EQ(wire::describe(c),
            "The server says your peer's contact is Private: (IPv4: 1.2.3.4:5, IPv6: None)\n"
            "Public:  (IPv4: None, IPv6: [::1]:7).");
  for (int i = 0; i < wire::server_msg_type_count; ++i) {
    const auto type = static_cast<wire::server_msg_type>(i);
    EXPECT_EQ(wire::server_msg_type_from_name(wire::variant_name(type)), type);
    EXPECT_FALSE(wire::describe(wire::server_msg{type}).empty());
  }
}

}  // namespace
