#include "gday/harness/generated.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "gday/harness/loader.hpp"
#include "gday/test/support.hpp"

namespace {

namespace h = gday::harness;
namespace fs = std::filesystem;

constexpr const char* regenerate = "run build/bin/run-scenarios --write-generated scenarios";

TEST(generated_test, committed_files_are_current) {
  const auto files = h::generated_scenarios();
  ASSERT_FALSE(files.empty());
  std::set<fs::path> expected;
  for (const auto& f : files) {
    const fs::path path = gday::test::data_path("../scenarios/" + f.path);
    expected.insert(path.lexically_normal());
    ASSERT_TRUE(fs::exists(path)) << f.path << " is missing: " << regenerate;
    EXPECT_EQ(gday::test::read_file(path.string()), f.text)
        << f.path << " is stale: " << regenerate;
  }
  for (const auto& folder : h::generated_folders()) {
    for (const auto& e : fs::directory_iterator(gday::test::data_path("../scenarios/" + folder))) {
      EXPECT_TRUE(expected.count(e.path().lexically_normal()))
          << e.path() << " is in a generated folder but not generated: " << regenerate;
    }
  }
}

TEST(generated_test, every_file_is_a_valid_scenario_named_by_its_path) {
  for (const auto& f : h::generated_scenarios()) {
    auto parsed = h::parse_scenario(f.text, f.path);
    ASSERT_TRUE(parsed) << f.path << ": " << parsed.error().what();
    EXPECT_EQ(parsed->id + ".json", f.path);
    EXPECT_EQ(parsed->rooms.size(), 6u) << f.path << ": FIN, RST, half-close, now and later";
  }
}

// Every request, for each role that sends it, at each point of the other
// side's progress: the creator's CreateRoom once, each side's
// RecordPublicAddr and ReadyToShare at three points.
TEST(generated_test, vanish_matrix_has_every_request_role_and_point) {
  std::set<std::string> ids;
  for (const auto& f : h::generated_scenarios()) ids.insert(f.path);
  EXPECT_EQ(ids.size(), 13u);
  EXPECT_TRUE(ids.count("vanish/creator-create.json"));
  for (const std::string req : {"record", "ready"}) {
    for (const std::string state : {"absent", "recorded", "waiting"}) {
      EXPECT_TRUE(ids.count("vanish/creator-" + req + "-while-joiner-" + state + ".json"))
          << req << " " << state;
    }
    for (const std::string state : {"created", "recorded", "waiting"}) {
      EXPECT_TRUE(ids.count("vanish/joiner-" + req + "-while-creator-" + state + ".json"))
          << req << " " << state;
    }
  }
}

// Where the outcome depends on the server's allowed choices, each step lists
// them; where it does not, the step is exact (the generator does not widen
// every step to "anything").
TEST(generated_test, alternatives_only_where_the_outcome_is_open) {
  const auto files = h::generated_scenarios();
  std::string create_room, record_waiting;
  for (const auto& f : files) {
    if (f.path == "vanish/creator-create.json") create_room = f.text;
    if (f.path == "vanish/creator-record-while-joiner-waiting.json") record_waiting = f.text;
  }
  // The vanished CreateRoom may or may not have made the room.
  EXPECT_NE(create_room.find(R"({"reply": "ErrorRoomTaken"}, {"reply": "RoomCreated")"),
            std::string::npos);
  // A vanished RecordPublicAddr changes nothing the rejoining creator sees:
  // the joiner's PeerContact must carry the rejoined connection's address.
  EXPECT_NE(
      record_waiting.find(
          R"({"expect": "j_rst_now", "reply": {"type": "PeerContact", "local": {"v4": null, "v6": null}, "public": {"v4": "@c2_rst_now", "v6": null}}})"),
      std::string::npos);
  // A half-closed connection still reads: its reply is expected, and closing
  // it unanswered is at most a SHOULD deviation.
  EXPECT_NE(
      record_waiting.find(
          R"({"expect": "c_half_now", "any_of": [{"reply": "ReceivedAddr"}, {"closed": true, "grade": "SHOULD")"),
      std::string::npos);
}

}  // namespace
