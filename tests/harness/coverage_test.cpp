#include "gday/harness/coverage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <utility>

#include "gday/harness/loader.hpp"
#include "gday/test/support.hpp"

namespace {

namespace h = gday::harness;

h::scenario named(const std::string& id, std::vector<std::string> reqs) {
  h::scenario s;
  s.id = id;
  s.summary = "s";
  s.requirements = std::move(reqs);
  return s;
}

// "- F-2 (MUST) ..." lines of the spec's server sections (§1-§6): each id
// with its level ("MUST" for J-*, which refine F-3 and carry none).
std::vector<std::pair<std::string, std::string>> spec_server_requirements() {
  std::istringstream spec(
      gday::test::read_file(gday::test::data_path("../docs/gday-contact-exchange.md")));
  const std::regex requirement(R"(^- ([TFJMLR]-[0-9]+)(?: \((MUST|SHOULD|MAY)\b)?)");
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string line; std::getline(spec, line);) {
    if (std::smatch m; std::regex_search(line, m, requirement)) {
      out.emplace_back(m[1].str(), m[2].matched ? m[2].str() : "MUST");
    }
  }
  return out;
}

TEST(coverage_test, knows_every_server_requirement_of_the_spec_with_its_level) {
  const auto in_spec = spec_server_requirements();
  ASSERT_FALSE(in_spec.empty());
  std::vector<std::pair<std::string, std::string>> known;
  for (const auto& r : h::server_requirements()) {
    known.emplace_back(std::string(r.id), std::string(h::to_string(r.level)));
    EXPECT_FALSE(r.title.empty()) << r.id;
  }
  EXPECT_EQ(known, in_spec);  // same ids, same levels, in spec order
}

TEST(coverage_test, uncovered_must_or_should_is_not_fully_covered) {
  std::vector<h::scenario> all;
  for (const auto& r : h::server_requirements()) {
    if (r.level != h::grade::may && r.id != "L-7")
      all.push_back(named("x/" + std::string(r.id), {std::string(r.id)}));
  }
  for (const auto& r : h::client_requirements()) {
    if (r.level != h::grade::may)
      all.push_back(named("x/" + std::string(r.id), {std::string(r.id)}));
  }
  auto rows = h::compute_coverage(all);
  EXPECT_FALSE(h::fully_covered(rows));
  EXPECT_NE(h::coverage_text(rows).find("L-7  MUST     UNCOVERED"), std::string::npos);
  all.push_back(named("lifecycle/l7", {"L-7"}));
  rows = h::compute_coverage(all);
  EXPECT_TRUE(h::fully_covered(rows));  // MAY requirements may stay uncovered
  // Client requirements (spec §8) count like the server's.
  all.erase(
      std::remove_if(all.begin(), all.end(), [](const h::scenario& s) { return s.id == "x/C-3"; }),
      all.end());
  EXPECT_FALSE(h::fully_covered(h::compute_coverage(all)));
  all.push_back(named("client/c3", {"C-3"}));
  all.push_back(named("x/typo", {"Q-9"}));
  EXPECT_EQ(h::unknown_requirements(all), std::vector<std::string>{"x/typo: Q-9"});
}

TEST(coverage_test, the_suite_covers_every_must_and_should_requirement) {
  auto loaded = h::load_scenarios(gday::test::data_path("../scenarios"));
  ASSERT_TRUE(loaded) << loaded.error().front().what();
  const auto rows = h::compute_coverage(*loaded);
  EXPECT_TRUE(h::fully_covered(rows)) << h::coverage_text(rows);
  EXPECT_TRUE(h::unknown_requirements(*loaded).empty());
}

TEST(coverage_test, docs_conformance_md_is_current) {
  auto loaded = h::load_scenarios(gday::test::data_path("../scenarios"));
  ASSERT_TRUE(loaded);
  const std::string expected = h::coverage_markdown(h::compute_coverage(*loaded), *loaded);
  const std::string actual = gday::test::read_file(gday::test::data_path("../docs/conformance.md"));
  EXPECT_EQ(actual, expected)
      << "docs/conformance.md is stale: run build/bin/run-scenarios --coverage-markdown "
         "docs/conformance.md";
}

}  // namespace
