#include "gday/netfuzz/oracle.hpp"

#include <gtest/gtest.h>

#include "gday/harness/loader.hpp"
#include "gday/harness/runner.hpp"
#include "gday/harness/writer.hpp"

namespace {

namespace nf = gday::netfuzz;
namespace h = gday::harness;
using json = nlohmann::ordered_json;
using gday::wire::profile;

h::step on(h::step::kind what, const std::string& conn) {
  h::step st;
  st.what = what;
  st.conn = conn;
  return st;
}

h::step send(const std::string& conn, const std::string& type, bool is_creator = true) {
  h::step st = on(h::step::kind::send, conn);
  st.message = {{"type", type}, {"room_code", "${room}"}};
  if (type != "CreateRoom") st.message["is_creator"] = is_creator;
  return st;
}

nf::session session_of(std::vector<h::step> actions, profile p = profile::v1) {
  return nf::session{p, {{"a", 4}, {"b", 4}, {"c", 6}}, {"room", "other"}, std::move(actions)};
}

// A built scenario as the file the fuzzer writes.
struct built_file {
  json file;
  std::size_t liveness_from = 0;
  std::size_t actions_used = 0;
};

built_file build(const nf::session& s, bool liveness = false) {
  nf::build_options o;
  o.liveness = liveness;
  auto built = nf::build_scenario(s, o);
  if (!built) throw std::runtime_error(built.error());
  return {json::parse(h::write_scenario(built->scenario)), built->liveness_from,
          built->actions_used};
}

TEST(oracle_test, pipelined_requests_are_expected_together) {
  const auto b = build(session_of({send("a", "CreateRoom"), send("a", "CreateRoom")}));
  const auto& steps = b.file["steps"];
  ASSERT_GE(steps.size(), 3u);
  EXPECT_EQ(steps[2]["expect"], "a");
  EXPECT_EQ(steps[2]["replies"], json({"RoomCreated", "ErrorRoomTaken"}));
  EXPECT_EQ(steps[3]["expect_silence"], "a");
}

TEST(oracle_test, other_connections_replies_are_awaited_before_acting) {
  const auto b = build(session_of({send("a", "CreateRoom"), send("b", "CreateRoom")}));
  const auto& steps = b.file["steps"];
  EXPECT_EQ(steps[1]["expect"], "a");
  EXPECT_EQ(steps[1]["reply"], "RoomCreated");
  EXPECT_EQ(steps[2]["send"], "b");
  EXPECT_EQ(steps[3]["reply"], "ErrorRoomTaken");
}

TEST(oracle_test, contacts_name_the_connections_they_came_from) {
  const auto b = build(session_of({send("a", "CreateRoom"), send("a", "RecordPublicAddr"),
                                   send("c", "RecordPublicAddr"), send("a", "ReadyToShare"),
                                   send("b", "ReadyToShare", false)}));
  const std::string text = b.file.dump();
  EXPECT_NE(text.find(R"("public":{"v4":"@a","v6":"@c"})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("PeerContact")"), std::string::npos);
}

TEST(oracle_test, unused_connections_and_rooms_are_left_out) {
  const auto b = build(session_of({send("b", "CreateRoom")}));
  EXPECT_FALSE(b.file["connections"].contains("a"));
  EXPECT_TRUE(b.file["connections"].contains("b"));
  EXPECT_EQ(b.file["rooms"], json({"room"}));
}

TEST(oracle_test, actions_after_the_server_closed_are_left_out) {
  h::step bad = on(h::step::kind::send_body, "a");
  bad.bodies["*"] = "{";
  bad.chunks.how = h::chunking::mode::bytewise;
  const auto b = build(session_of({bad, send("a", "CreateRoom")}));
  EXPECT_EQ(b.actions_used, 1u);
  const auto& steps = b.file["steps"];
  EXPECT_EQ(steps[1]["reply"], "ErrorSyntax");
  EXPECT_EQ(steps[1]["then"], "closed");
  // Writes after the server's close would meet a reset: one write instead.
  EXPECT_FALSE(steps[0].contains("chunks"));
}

TEST(oracle_test, a_waiting_connection_is_not_closed_under_the_server) {
  h::step fin = on(h::step::kind::close, "a");
  fin.how = h::step::close_mode::fin;
  const auto b = build(session_of({send("a", "CreateRoom"), send("a", "ReadyToShare"), fin}));
  EXPECT_EQ(b.actions_used, 2u);
}

TEST(oracle_test, liveness_check_follows_the_session) {
  const auto b = build(session_of({send("a", "CreateRoom")}), true);
  const auto& steps = b.file["steps"];
  ASSERT_GT(steps.size(), b.liveness_from);
  EXPECT_EQ(steps[b.liveness_from]["connect"], "live_a");
  EXPECT_TRUE(b.file["connections"]["live_b"]["lazy"].get<bool>());
  EXPECT_NE(b.file["requirements"].dump().find("F-6"), std::string::npos);
}

h::step together(h::step first, h::step second) {
  h::step st;
  st.what = h::step::kind::concurrent;
  st.branches = {{std::move(first)}, {std::move(second)}};
  return st;
}

// Both sides' ReadyToShare in flight at once: whichever the server reads
// first, each side gets ClientContact then PeerContact, so the pair stays.
TEST(oracle_test, requests_in_flight_at_once_stay_together_when_order_does_not_matter) {
  const auto b =
      build(session_of({send("a", "CreateRoom"),
                        together(send("a", "ReadyToShare"), send("b", "ReadyToShare", false))}));
  const auto& steps = b.file["steps"];
  ASSERT_GE(steps.size(), 4u) << b.file.dump(1);
  EXPECT_EQ(steps[2]["concurrent"].size(), 2u) << b.file.dump(1);
  EXPECT_EQ(steps[3]["replies"][1]["type"], "PeerContact") << b.file.dump(1);
  EXPECT_EQ(steps[4]["replies"][1]["type"], "PeerContact") << b.file.dump(1);
}

// ... and holds on the real server, where the two really are in flight at
// once (both ReadyToShare, then two RecordPublicAddr of one side from two
// connections, whose order decides nothing either side is told).
TEST(oracle_test, requests_in_flight_at_once_pass_on_the_embedded_reference) {
  auto target = h::make_embedded_target(false, "");
  for (profile p : {profile::v1, profile::v2, profile::v3}) {
    nf::build_options o;
    o.id = "fuzz-test";
    o.settle = std::chrono::milliseconds(20);
    auto built = nf::build_scenario(
        session_of({send("a", "CreateRoom"),
                    together(send("a", "RecordPublicAddr"), send("c", "RecordPublicAddr", false)),
                    together(send("a", "ReadyToShare"), send("b", "ReadyToShare", false))},
                   p),
        o);
    ASSERT_TRUE(built) << built.error();
    const std::string text = h::write_scenario(built->scenario);
    EXPECT_EQ(json::parse(text)["steps"][2]["concurrent"].size(), 2u) << text;
    auto sc = h::parse_scenario(text, "fuzz-test.json", "fuzz-test");
    ASSERT_TRUE(sc) << sc.error().what();
    for (unsigned run = 0; run < 5; ++run) {
      h::run_options ro;
      ro.profile = p;
      const auto r = h::run_scenario(*sc, *target, ro, run);
      EXPECT_EQ(r.outcome, h::verdict::pass) << r.reason << "\n"
                                             << h::format_transcript(r.transcript);
    }
  }
}

// Two CreateRoom of one room at once: one gets RoomCreated, the other
// ErrorRoomTaken, depending on which the server reads first. The oracle
// cannot know, so the two go one after the other.
TEST(oracle_test, requests_whose_order_matters_are_sent_one_after_the_other) {
  const auto b = build(session_of({together(send("a", "CreateRoom"), send("b", "CreateRoom"))}));
  const auto& steps = b.file["steps"];
  ASSERT_GE(steps.size(), 4u) << b.file.dump(1);
  EXPECT_EQ(steps[0]["send"], "a");
  EXPECT_EQ(steps[1]["reply"], "RoomCreated");
  EXPECT_EQ(steps[2]["send"], "b");
  EXPECT_EQ(steps[3]["reply"], "ErrorRoomTaken");
}

// The oracle's expectations hold on the real reference server, over TLS, on
// every profile: the network, the runner and the core agree.
TEST(oracle_test, generated_scenarios_pass_on_the_embedded_reference) {
  auto target = h::make_embedded_target(false, "");
  for (profile p : {profile::v1, profile::v2, profile::v3}) {
    nf::generator_options g;
    g.profile = p;
    for (std::uint64_t seed = 1; seed <= 15; ++seed) {
      nf::build_options o;
      o.id = "fuzz-test";
      o.settle = std::chrono::milliseconds(20);
      auto built = nf::build_scenario(nf::generate_session(seed, g), o);
      ASSERT_TRUE(built) << built.error();
      auto sc =
          h::parse_scenario(h::write_scenario(built->scenario), "fuzz-test.json", "fuzz-test");
      ASSERT_TRUE(sc) << sc.error().what();
      h::run_options ro;
      ro.profile = p;
      const auto r = h::run_scenario(*sc, *target, ro, static_cast<unsigned>(seed));
      EXPECT_EQ(r.outcome, h::verdict::pass) << "seed " << seed << " " << r.reason << "\n"
                                             << h::format_transcript(r.transcript);
    }
  }
}

}  // namespace
