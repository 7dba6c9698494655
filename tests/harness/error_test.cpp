#include "gday/harness/error.hpp"

#include <gtest/gtest.h>

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

}  // namespace
