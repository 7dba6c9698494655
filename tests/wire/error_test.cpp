#include "gday/wire/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using gday::wire::error;

// Every value of the enum, first to last: a test below fails when one is
// added without a name, rule and message.
constexpr int first_code = static_cast<int>(error::wrong_version);
constexpr int last_code = static_cast<int>(error::unencodable);

TEST(wire_error_test, every_code_has_a_distinct_name_message_and_rule) {
  std::set<std::string> names, messages;
  for (int v = first_code; v <= last_code; ++v) {
    const auto e = static_cast<error>(v);
    const std::string name(gday::wire::to_string(e));
    const std::string message = std::error_code(e).message();
    EXPECT_NE(name, "unknown") << v;
    EXPECT_FALSE(message.empty()) << name;
    EXPECT_NE(message, "unknown gday.wire error") << name;
    EXPECT_TRUE(names.insert(name).second) << "two codes are named " << name;
    EXPECT_TRUE(messages.insert(message).second) << "two codes say '" << message << "'";
    // Every decode error names the spec rule it enforces; only the encoder's
    // own refusal has none.
    const std::string rule(gday::wire::rule_of(e));
    if (e == error::unencodable) {
      EXPECT_TRUE(rule.empty());
    } else {
      EXPECT_TRUE(rule.size() >= 3 && (rule[0] == 'F' || rule[0] == 'J') && rule[1] == '-')
          << name << ": rule '" << rule << "'";
    }
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(last_code - first_code + 1));
}

TEST(wire_error_test, names_parse_back_and_unknown_names_do_not) {
  for (int v = first_code; v <= last_code; ++v) {
    const auto e = static_cast<error>(v);
    error parsed{};
    ASSERT_TRUE(gday::wire::from_string(gday::wire::to_string(e), parsed)) << v;
    EXPECT_EQ(parsed, e);
  }
  error untouched = error::eof;
  EXPECT_FALSE(gday::wire::from_string("no_such_error", untouched));
  EXPECT_FALSE(gday::wire::from_string("", untouched));
  EXPECT_EQ(untouched, error::eof);
}

TEST(wire_error_test, codes_outside_the_enum_say_so) {
  const auto outside = static_cast<error>(last_code + 1);
  EXPECT_EQ(gday::wire::to_string(outside), "unknown");
  EXPECT_EQ(gday::wire::rule_of(outside), "");
  EXPECT_EQ(std::error_code(outside).message(), "unknown gday.wire error");
}

TEST(wire_error_test, category_is_named_and_codes_compare_with_enum_values) {
  const std::error_code ec = error::truncated;
  EXPECT_STREQ(ec.category().name(), "gday.wire");
  EXPECT_EQ(ec, error::truncated);
  EXPECT_NE(ec, error::eof);
  EXPECT_EQ(&ec.category(), &gday::wire::wire_category());
}

TEST(wire_error_test, error_info_reads_rule_name_offset_and_detail) {
  EXPECT_EQ((gday::wire::error_info{error::invalid_length, "room_code has 31 elements", 98}.what()),
            "J-2 invalid_length at byte 98: room_code has 31 elements");
  EXPECT_EQ((gday::wire::error_info{error::wrong_version, "", 0}.what()),
            "F-2 wrong_version at byte 0");
  // No rule: no leading space.
  EXPECT_EQ((gday::wire::error_info{error::unencodable, "v1 room codes are 32 bytes", 5}.what()),
            "unencodable at byte 5: v1 room codes are 32 bytes");
}

}  // namespace
