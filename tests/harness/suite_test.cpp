#include "gday/harness/suite.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "gday/harness/loader.hpp"
#include "test_targets.hpp"

namespace {

namespace h = gday::harness;
using gday::harness::testing::fixed_target;
using gday::harness::testing::raw_server;
using gday::wire::profile;

h::scenario named(const std::string& id) {
  auto s = h::parse_scenario(R"({"id": ")" + id + R"(", "summary": "s", "requirements": ["M-1"],
      "grade": "MUST", "rooms": ["room"], "connections": {"a": {}},
      "steps": [{"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
                {"expect": "a", "reply": "RoomCreated"}]})",
                             "inline.json");
  if (!s) throw std::runtime_error(s.error().what());
  return *s;
}

std::vector<std::string> ids(const std::vector<const h::scenario*>& picked) {
  std::vector<std::string> out;
  for (const auto* s : picked) out.push_back(s->id);
  return out;
}

TEST(suite_test, excluded_scenarios_are_left_out_of_an_inclusion) {
  const std::vector<h::scenario> all = {named("lifecycle/a"), named("lifecycle/b"),
                                        named("messages/c")};
  const auto picked = h::select_scenarios(all, {{"lifecycle"}, {"lifecycle/b"}});
  ASSERT_TRUE(picked) << picked.error().what();
  EXPECT_EQ(ids(*picked), (std::vector<std::string>{"lifecycle/a"}));
  const auto rest = h::select_scenarios(all, {{}, {"lifecycle/*"}});
  ASSERT_TRUE(rest) << rest.error().what();
  EXPECT_EQ(ids(*rest), (std::vector<std::string>{"messages/c"}));
}

TEST(suite_test, a_selection_left_empty_by_its_exclusions_is_a_usage_error) {
  const std::vector<h::scenario> all = {named("lifecycle/a"), named("messages/c")};
  const auto none = h::select_scenarios(all, {{"lifecycle/a"}, {"lifecycle/*"}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, h::error::usage);
  EXPECT_EQ(none.error().what(), "the selection matches no scenario");
  const auto unknown = h::select_scenarios(all, {{"lifecycle/a", "nothing/*"}, {}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, h::error::usage);
  EXPECT_EQ(unknown.error().what(), "'nothing/*' matches no scenario");
}

TEST(suite_test, probe_profile_asks_the_embedded_server_its_version) {
  auto tls = h::make_embedded_target(false, "");
  const auto over_tls = h::probe_profile(*tls);
  ASSERT_TRUE(over_tls) << over_tls.error().what();
  EXPECT_EQ(*over_tls, profile::v1);
  auto plain = h::make_embedded_target(true, "");
  const auto over_tcp = h::probe_profile(*plain);
  ASSERT_TRUE(over_tcp) << over_tcp.error().what();
  EXPECT_EQ(*over_tcp, profile::v1);
}

TEST(suite_test, probe_profile_reads_the_version_byte_of_any_answer) {
  // A frame of another version is what a v2 server answers a v1 header.
  raw_server server(raw_server::send(std::string("\x02\x00\x02{}", 5)));
  fixed_target t(fixed_target::plain_v4(server.port()));
  const auto got = h::probe_profile(t);
  ASSERT_TRUE(got) << got.error().what();
  EXPECT_EQ(*got, profile::v2);
}

TEST(suite_test, probe_profile_refuses_an_unknown_version_byte) {
  raw_server server(raw_server::send(std::string("\x09\x00\x02{}", 5)));
  fixed_target t(fixed_target::plain_v4(server.port()));
  const auto got = h::probe_profile(t);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_EQ(got.error().what(), "the server answered with version byte 9");
  // A byte over 127 is named as the byte it is, not as a negative char.
  raw_server high(raw_server::send(std::string("\xc8\x00\x02{}", 5)));
  fixed_target t2(fixed_target::plain_v4(high.port()));
  const auto got2 = h::probe_profile(t2);
  ASSERT_FALSE(got2);
  EXPECT_EQ(got2.error().what(), "the server answered with version byte 200");
}

TEST(suite_test, probe_profile_refuses_a_server_that_answers_nothing) {
  raw_server server(raw_server::close_at_once);
  fixed_target t(fixed_target::plain_v4(server.port()));
  const auto got = h::probe_profile(t);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_EQ(got.error().what(), "the server sent nothing back to a version-0 header");
}

TEST(suite_test, probe_profile_reports_a_target_that_cannot_connect) {
  h::endpoint_info v6_only;
  v6_only.port6 = 2311;
  fixed_target t(v6_only);
  const auto got = h::probe_profile(t);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_EQ(got.error().what(), "the target has no IPv4 listener");
}

TEST(suite_test, probe_profile_turns_a_target_refusal_into_unusable) {
  fixed_target t(h::failure{h::error::skip, "cannot meet the settings"});
  const auto got = h::probe_profile(t);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_EQ(got.error().what(), "cannot meet the settings");
}

}  // namespace
