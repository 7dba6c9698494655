#include "gday/harness/runner.hpp"

#include <gtest/gtest.h>

#include "gday/harness/loader.hpp"

namespace {

namespace h = gday::harness;
using gday::wire::profile;

h::scenario parse(const std::string& text) {
  auto s = h::parse_scenario(text, "inline.json");
  if (!s) throw std::runtime_error(s.error().what());
  return *s;
}

h::scenario_result run(const std::string& text, const std::string& faults = {},
                       profile p = profile::v1) {
  auto target = h::make_embedded_target(false, faults);
  h::run_options options;
  options.profile = p;
  return h::run_scenario(parse(text), *target, options, 0);
}

std::string scenario_with(const std::string& grade, const std::string& steps,
                          const std::string& connections = R"({"a": {"family": 4}})") {
  return R"({"id": "t/x", "summary": "s", "requirements": ["M-1"], "grade": ")" + grade +
         R"(", "rooms": ["room"], "connections": )" + connections + R"(, "steps": )" + steps + "}";
}

const std::string create_then_taken = R"([
  {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
  {"expect": "a", "reply": "RoomCreated"},
  {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
  {"expect": "a", "reply": "ErrorRoomTaken", "then": "open"}
])";

TEST(runner_test, passing_scenario_passes_with_a_transcript) {
  auto r = run(scenario_with("MUST", create_then_taken));
  EXPECT_EQ(r.outcome, h::verdict::pass) << r.reason;
  EXPECT_GE(r.transcript.size(), 5u);  // connect + 2 sent + 2 received
  EXPECT_EQ(r.reply_latency_ms.size(), 2u);
}

TEST(runner_test, must_failure_names_the_step_and_the_difference) {
  auto r = run(scenario_with("MUST", create_then_taken), "wrong-error-for-taken-room");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.failed_step, "/steps/3");
  EXPECT_NE(r.reason.find("ErrorRoomTaken"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("ErrorUnexpectedMsg"), std::string::npos) << r.reason;
}

TEST(runner_test, should_failure_is_non_strict) {
  auto r = run(scenario_with("SHOULD", create_then_taken), "wrong-error-for-taken-room");
  EXPECT_EQ(r.outcome, h::verdict::non_strict);
}

TEST(runner_test, lower_graded_alternative_gives_non_strict_with_its_note) {
  const std::string steps = R"([
    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
    {"expect": "a", "any_of": [
      {"reply": "ErrorRoomTaken"},
      {"reply": "RoomCreated", "grade": "MAY", "note": "created after all"}]}
  ])";
  auto r = run(scenario_with("MUST", steps));
  EXPECT_EQ(r.outcome, h::verdict::non_strict) << r.reason;
  EXPECT_EQ(r.matched_note, "created after all");
  const std::string better = R"([
    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
    {"expect": "a", "any_of": [
      {"reply": "RoomCreated"},
      {"reply": "RoomCreated", "grade": "MAY", "note": "never chosen"}]}
  ])";
  EXPECT_EQ(run(scenario_with("MUST", better)).outcome, h::verdict::pass);
}

TEST(runner_test, a_server_that_hangs_fails_at_the_deadline) {
  const std::string steps = R"([
    {"send_body": "a", "body": "{\"Nope\":{}}"},
    {"expect": "a", "reply": "ErrorSyntax", "then": "closed", "timeout_ms": 300}
  ])";
  const auto start = std::chrono::steady_clock::now();
  auto r = run(scenario_with("MUST", steps), "hang-on-unknown-variant");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_NE(r.reason.find("timed out"), std::string::npos) << r.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(run(scenario_with("MUST", steps)).outcome, h::verdict::pass);
}

TEST(runner_test, crash_of_the_server_is_an_error) {
  const std::string steps = R"([
    {"send_body": "a", "body": ""},
    {"expect": "a", "reply": "ErrorSyntax", "then": "closed", "timeout_ms": 500}
  ])";
  auto r = run(scenario_with("MUST", steps), "crash-on-empty-body");
  EXPECT_EQ(r.outcome, h::verdict::error) << r.reason;
  EXPECT_NE(r.reason.find("crashed"), std::string::npos) << r.reason;
}

TEST(runner_test, silence_and_close_expectations) {
  const std::string steps = R"([
    {"expect_silence": "a", "ms": 100},
    {"send_raw": "a", "hex": "01 00"},
    {"expect_silence": "a", "ms": 100},
    {"close": "a", "how": "half"},
    {"expect": "a", "reply": "ErrorSyntax", "then": "closed"}
  ])";
  auto r = run(scenario_with("MUST", steps));
  EXPECT_EQ(r.outcome, h::verdict::pass) << r.reason;
  const std::string wrong = R"([
    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
    {"expect_silence": "a", "ms": 300}
  ])";
  auto w = run(scenario_with("MUST", wrong));
  EXPECT_EQ(w.outcome, h::verdict::fail);
  EXPECT_NE(w.reason.find("silence"), std::string::npos) << w.reason;
}

TEST(runner_test, contacts_match_connection_addresses_and_captures) {
  const std::string steps = R"([
    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
    {"expect": "a", "reply": "RoomCreated"},
    {"send": "b", "message": {"type": "RecordPublicAddr", "room_code": "${room}", "is_creator": true}},
    {"expect": "b", "reply": "ReceivedAddr"},
    {"send": "a", "message": {"type": "ReadyToShare", "room_code": "${room}", "is_creator": true}},
    {"expect": "a", "reply": {"type": "ClientContact", "public": {"v4": null, "v6": "@b"}, "capture": "c"}},
    {"concurrent": [
      [{"send": "j", "message": {"type": "ReadyToShare", "room_code": "${room}", "is_creator": false}},
       {"expect": "j", "replies": ["ClientContact", {"type": "PeerContact", "contact": "${c}"}]}],
      [{"expect": "a", "reply": "PeerContact", "timeout_ms": 3000}]
    ]}
  ])";
  auto r = run(scenario_with("MUST", steps,
                             R"({"a": {"family": 4}, "b": {"family": 6}, "j": {"family": 4}})"));
  EXPECT_EQ(r.outcome, h::verdict::pass) << r.reason;
  auto f = run(scenario_with("MUST", steps,
                             R"({"a": {"family": 4}, "b": {"family": 6}, "j": {"family": 4}})"),
               "public-addr-wrong-family");
  EXPECT_EQ(f.outcome, h::verdict::fail);
}

TEST(runner_test, settings_a_remote_target_cannot_meet_are_skipped) {
  h::remote_options o;
  o.target4 = "127.0.0.1:1";
  auto target = h::make_remote_target(o);
  ASSERT_TRUE(target);
  auto s = parse(R"({"id": "t/x", "summary": "s", "requirements": ["R-1"], "grade": "MUST",
    "settings": {"request_limit": 3}, "connections": {"a": {}},
    "steps": [{"wait_ms": 1}]})");
  auto r = h::run_scenario(s, **target, h::run_options{}, 0);
  EXPECT_EQ(r.outcome, h::verdict::skip);
  EXPECT_NE(r.reason.find("request limit 3"), std::string::npos) << r.reason;
}

TEST(runner_test, unreachable_target_is_an_error) {
  h::remote_options o;
  o.target4 = "127.0.0.1:1";
  auto target = h::make_remote_target(o);
  ASSERT_TRUE(target);
  auto r = h::run_scenario(parse(scenario_with("MUST", create_then_taken)), **target,
                           h::run_options{}, 0);
  EXPECT_EQ(r.outcome, h::verdict::error);
  EXPECT_NE(r.reason.find("cannot"), std::string::npos) << r.reason;
}

TEST(runner_test, non_loopback_targets_are_refused_unless_allowed) {
  h::remote_options o;
  o.target4 = "192.0.2.1:2311";
  auto refused = h::make_remote_target(o);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("loopback"), std::string::npos);
}

}  // namespace
