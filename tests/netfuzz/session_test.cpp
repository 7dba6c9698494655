#include "gday/netfuzz/session.hpp"

#include <gtest/gtest.h>

#include <set>

#include "gday/harness/loader.hpp"
#include "gday/harness/writer.hpp"
#include "gday/netfuzz/oracle.hpp"

namespace {

namespace nf = gday::netfuzz;
using gday::wire::profile;

nf::generator_options options_for(profile p, bool ipv6 = true) {
  nf::generator_options o;
  o.profile = p;
  o.ipv6 = ipv6;
  return o;
}

TEST(session_test, same_seed_gives_the_same_session) {
  for (std::uint64_t seed = 1; seed < 50; ++seed) {
    const auto a = nf::generate_session(seed, options_for(profile::v1));
    const auto b = nf::generate_session(seed, options_for(profile::v1));
    EXPECT_EQ(a.actions, b.actions) << "seed " << seed;
    EXPECT_EQ(a.connections, b.connections);
  }
}

TEST(session_test, seeds_give_many_different_sessions) {
  std::set<std::string> distinct;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto s = nf::generate_session(seed, options_for(profile::v2));
    std::string text;
    for (const auto& a : s.actions) text += gday::harness::to_json(a).dump();
    distinct.insert(text);
  }
  EXPECT_GT(distinct.size(), 150u);
}

TEST(session_test, without_ipv6_every_connection_is_ipv4) {
  for (std::uint64_t seed = 1; seed < 100; ++seed) {
    for (const auto& c : nf::generate_session(seed, options_for(profile::v3, false)).connections) {
      EXPECT_EQ(c.family, 4) << c.name;
    }
  }
}

TEST(session_test, base_exchange_is_the_upstream_client_pairs) {
  nf::generator_options o = options_for(profile::v1);
  o.max_mutations = 0;
  const auto s = nf::generate_session(3, o);
  ASSERT_EQ(s.actions.size(), 7u);
  EXPECT_EQ(s.actions[0].message["type"], "CreateRoom");
  EXPECT_EQ(s.actions[5].message["type"], "ReadyToShare");
  EXPECT_EQ(s.actions[5].message["is_creator"], true);
  EXPECT_EQ(s.actions[6].what, gday::harness::step::kind::send);
  EXPECT_EQ(s.actions[6].conn, "b");
  EXPECT_EQ(s.actions[6].message["is_creator"], false);
}

// Every mutation writes steps the scenario loader accepts, on every profile:
// a generator defect would otherwise show up as "internal error" mid-run.
TEST(session_test, every_generated_session_builds_a_valid_scenario) {
  std::set<std::string> kinds;
  for (profile p : {profile::v1, profile::v2, profile::v3}) {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
      const auto s = nf::generate_session(seed, options_for(p));
      for (const auto& a : s.actions) kinds.insert(gday::harness::to_json(a).begin().key());
      nf::build_options b;
      b.id = "fuzz-test";
      auto built = nf::build_scenario(s, b);
      ASSERT_TRUE(built) << "seed " << seed << ": " << built.error();
      const std::string text = gday::harness::write_scenario(built->scenario);
      auto loaded = gday::harness::parse_scenario(text, "fuzz-test.json", "fuzz-test");
      ASSERT_TRUE(loaded) << "seed " << seed << ": " << loaded.error().what();
      EXPECT_EQ(loaded->profiles, std::vector<profile>{p});
      EXPECT_EQ(gday::harness::to_json(*loaded), gday::harness::to_json(built->scenario))
          << "seed " << seed << ": the file does not load as the model it was written from";
    }
  }
  // Every kind of action turns up.
  for (const char* kind : {"send", "send_body", "send_raw", "close", "wait_ms"}) {
    EXPECT_TRUE(kinds.count(kind)) << kind;
  }
}

TEST(session_test, rng_helpers_stay_in_range) {
  nf::rng r(42);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.below(7), 7u);
  EXPECT_EQ(r.below(0), 0u);
  const std::vector<int> v = {5};
  EXPECT_EQ(r.pick(v), 5);
}

}  // namespace
