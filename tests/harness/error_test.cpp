#include "gday/harness/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace h = gday::harness;

TEST(error_test, categories_map_onto_the_documented_exit_codes) {
  EXPECT_EQ(h::exit_code(h::error::usage), 2);
  EXPECT_EQ(h::exit_code(h::error::scenario_file), 2);
  EXPECT_EQ(h::exit_code(h::error::target_unusable), 3);
  EXPECT_EQ(h::exit_code(h::error::skip), 0);
}

TEST(error_test, codes_carry_the_harness_category_and_a_stable_name) {
  const std::error_code ec = h::error::target_unusable;
  EXPECT_EQ(&ec.category(), &h::harness_category());
  EXPECT_STREQ(ec.category().name(), "gday.harness");
  EXPECT_EQ(ec.message(), "target_unusable");
  EXPECT_EQ(h::to_string(h::error::scenario_file), "scenario_file");
  EXPECT_NE(std::error_code(h::error::usage), std::error_code(h::error::skip));
}

TEST(error_test, a_failure_is_a_result_error_with_its_message) {
  const h::result<int> r = h::failure{h::error::skip, "needs request limit 3"};
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, h::error::skip);
  EXPECT_EQ(r.error().what(), "needs request limit 3");
}

TEST(error_test, every_code_has_a_distinct_non_empty_message_naming_it) {
  const std::vector<std::pair<h::error, std::string>> codes = {
      {h::error::usage, "usage"},
      {h::error::scenario_file, "scenario_file"},
      {h::error::target_unusable, "target_unusable"},
      {h::error::skip, "skip"}};
  std::set<std::string> seen;
  for (const auto& [code, name] : codes) {
    const std::error_code ec = code;
    EXPECT_EQ(h::to_string(code), name);
    EXPECT_EQ(ec.message(), name);
    EXPECT_FALSE(ec.message().empty());
    EXPECT_TRUE(seen.insert(ec.message()).second) << "twice: " << ec.message();
  }
}

TEST(error_test, a_value_outside_the_enum_is_unknown_and_a_usage_exit) {
  const auto stray = static_cast<h::error>(99);
  EXPECT_EQ(h::to_string(stray), "unknown");
  EXPECT_EQ(std::error_code(stray).message(), "unknown");
  EXPECT_EQ(h::exit_code(stray), 2);
}

}  // namespace
