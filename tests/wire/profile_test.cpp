// Profile names as a user types them (--profile 3, --profile v3) and as
// reports print them.
#include "gday/wire/profile.hpp"

#include <gtest/gtest.h>

namespace {

using gday::wire::profile;
namespace wire = gday::wire;

TEST(profile_test, parses_numbers_with_or_without_a_v) {
  EXPECT_EQ(wire::parse_profile("1"), profile::v1);
  EXPECT_EQ(wire::parse_profile("v2"), profile::v2);
  EXPECT_EQ(wire::parse_profile("V3"), profile::v3);
  for (const char* bad : {"", "v", "4", "v0", "vv1", "1 ", "x1", "v12", "01"}) {
    EXPECT_EQ(wire::parse_profile(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(profile_test, names_parse_back_and_a_value_outside_the_enum_is_named_as_such) {
  for (const auto p : {profile::v1, profile::v2, profile::v3}) {
    EXPECT_EQ(wire::parse_profile(wire::to_string(p)), p);
    EXPECT_EQ(wire::to_string(p), "v" + std::to_string(wire::version_byte(p)));
  }
  // A version byte that is no profile (e.g. cast from a frame header).
  EXPECT_EQ(wire::to_string(static_cast<profile>(9)), "v?");
}

}  // namespace
