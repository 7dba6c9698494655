// The runner's verdicts when the server does not do what a step expects:
// expect_closed, expect_silence, contact patterns, timeouts, concurrent
// branches, and scenarios that cannot run on a profile.
#include "gday/harness/runner.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "gday/harness/loader.hpp"
#include "test_targets.hpp"

namespace {

namespace h = gday::harness;
using gday::harness::testing::fixed_target;
using gday::harness::testing::raw_server;
using gday::wire::profile;

h::scenario parse_steps(const std::string& steps, const std::string& extra = {},
                        const std::string& connections = R"({"a": {"family": 4}})") {
  auto s = h::parse_scenario(R"({"id": "t/x", "summary": "s", "requirements": ["M-1"],
      "grade": "MUST", "rooms": ["room"], "connections": )" +
                                 connections + ", " + extra + R"("steps": )" + steps + "}",
                             "inline.json");
  if (!s) throw std::runtime_error(s.error().what());
  return *s;
}

h::scenario_result run_on(h::target& t, const h::scenario& s, profile p = profile::v1) {
  h::run_options options;
  options.profile = p;
  options.liveness_probe = false;
  return h::run_scenario(s, t, options, 0);
}

// Runs `steps` against a raw server treating each connection with `serve`.
h::scenario_result run_raw(const std::function<void(raw_server::socket&)>& serve,
                           const std::string& steps) {
  raw_server server(serve);
  fixed_target t(fixed_target::plain_v4(server.port()));
  return run_on(t, parse_steps(steps));
}

h::scenario_result run_embedded(const std::string& steps, profile p = profile::v1) {
  auto t = h::make_embedded_target(true, "");
  return run_on(*t, parse_steps(steps), p);
}

TEST(runner_test, expect_closed_passes_when_the_server_closes) {
  const auto r = run_raw(raw_server::close_at_once, R"([{"expect_closed": "a"}])");
  EXPECT_EQ(r.outcome, h::verdict::pass) << r.reason;
}

TEST(runner_test, expect_closed_fails_when_the_server_keeps_the_connection) {
  const auto r = run_raw(raw_server::say_nothing, R"([{"expect_closed": "a", "timeout_ms": 50}])");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.failed_step, "/steps/0");
  EXPECT_EQ(r.reason, "/steps/0: the server did not close the connection within 50 ms");
}

TEST(runner_test, expect_closed_fails_on_a_bad_reply_frame) {
  const auto r =
      run_raw(raw_server::send(std::string("\x09\x00\x02{}", 5)), R"([{"expect_closed": "a"}])");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_TRUE(r.reason.starts_with("/steps/0: bad reply frame: ")) << r.reason;
}

TEST(runner_test, expect_closed_fails_on_a_reply) {
  const auto r = run_embedded(R"([
    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
    {"expect_closed": "a"}])");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.failed_step, "/steps/1");
  EXPECT_EQ(r.reason, R"(/steps/1: expected the connection to close, got a reply: "RoomCreated")");
}

TEST(runner_test, expect_silence_fails_on_an_unfinished_frame) {
  const auto r = run_raw(raw_server::send(std::string("\x01\x00", 2)),
                         R"([{"expect_silence": "a", "ms": 100}])");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.reason, "/steps/0: expected silence, got 2 bytes of an unfinished frame");
}

TEST(runner_test, expect_silence_fails_when_the_server_closes) {
  const auto r = run_raw(raw_server::close_at_once, R"([{"expect_silence": "a", "ms": 500}])");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.reason,
            "/steps/0: expected the connection to stay open and silent, but it was closed by "
            "server (FIN)");
}

TEST(runner_test, an_expect_whose_deadline_passed_times_out_without_a_reply) {
  // 1 ms is gone before the first wait (the deadline is counted in whole ms).
  const auto r = run_raw(raw_server::say_nothing,
                         R"([{"expect": "a", "reply": "RoomCreated", "timeout_ms": 1}])");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.reason, "/steps/0: timed out after no reply; expected RoomCreated");
}

const std::string ready_alone = R"([
  {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
  {"expect": "a", "reply": "RoomCreated"},
  {"send": "a", "message": {"type": "RecordPublicAddr", "room_code": "${room}", "is_creator": true}},
  {"expect": "a", "reply": "ReceivedAddr"},
  {"send": "a", "message": {"type": "ReadyToShare", "room_code": "${room}", "is_creator": true}},
  {"expect": "a", "reply": {"type": "ClientContact", "public": PUBLIC}}
])";

std::string with_public(const std::string& pattern) {
  std::string steps = ready_alone;
  steps.replace(steps.find("PUBLIC"), 6, pattern);
  return steps;
}

TEST(runner_test, a_star_address_pattern_needs_an_address) {
  const auto any = run_embedded(with_public(R"({"v4": "*"})"));
  EXPECT_EQ(any.outcome, h::verdict::pass) << any.reason;
  const auto missing = run_embedded(with_public(R"({"v6": "*"})"));
  EXPECT_EQ(missing.outcome, h::verdict::fail);
  EXPECT_EQ(missing.failed_step, "/steps/5");
  EXPECT_NE(missing.reason.find("ClientContact.public.v6 is null, expected an address"),
            std::string::npos)
      << missing.reason;
}

TEST(runner_test, a_failing_concurrent_branch_names_its_step) {
  const auto r = run_on(*h::make_embedded_target(true, ""), parse_steps(R"([
    {"concurrent": [
      [{"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
       {"expect": "a", "reply": "ErrorRoomTaken"}],
      [{"wait_ms": 1}]]}])"));
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.failed_step, "/steps/0");
  EXPECT_TRUE(r.reason.starts_with(
      "/steps/0: /steps/0/concurrent/0/1: unexpected RoomCreated (got RoomCreated, expected "
      "ErrorRoomTaken); expected ErrorRoomTaken"))
      << r.reason;
}

TEST(runner_test, a_step_on_a_connection_that_is_not_open_is_a_harness_error) {
  // The loader refuses such a scenario; the runner still does not crash on one.
  auto s = parse_steps(R"([{"expect": "a", "reply": "RoomCreated"}])");
  s.steps[0].conn = "ghost";
  const auto r = run_on(*h::make_embedded_target(true, ""), s);
  EXPECT_EQ(r.outcome, h::verdict::error);
  EXPECT_EQ(r.reason, "/steps/0: connection 'ghost' is not open");
}

TEST(runner_test, a_body_only_for_other_profiles_skips) {
  const std::string steps = R"([{"send_body": "a", "body": {"v1": "{}"}},
                                {"expect": "a", "reply": "ErrorSyntax"}])";
  const auto s = parse_steps(steps, R"("profiles": ["v1"], )");
  auto t = h::make_embedded_target(true, "");
  const auto r = run_on(*t, s, profile::v2);
  EXPECT_EQ(r.outcome, h::verdict::skip);
  EXPECT_EQ(r.reason, "no request body for v2");
  EXPECT_EQ(run_on(*t, s, profile::v1).outcome, h::verdict::pass);
}

TEST(runner_test, a_body_only_for_other_profiles_inside_a_branch_skips) {
  const auto s = parse_steps(R"([{"concurrent": [[{"send_body": "a", "body": {"v1": "{}"}}],
                                            [{"wait_ms": 1}]]}])",
                             R"("profiles": ["v1"], )");
  const auto r = run_on(*h::make_embedded_target(true, ""), s, profile::v3);
  EXPECT_EQ(r.outcome, h::verdict::skip);
  EXPECT_EQ(r.reason, "no request body for v3");
}

TEST(runner_test, connecting_a_connection_that_is_not_declared_is_a_harness_error) {
  // The loader refuses such a scenario; the runner still does not crash on one.
  auto s = parse_steps(R"([{"connect": "late"}, {"send": "late", "message": {"type": "CreateRoom",
                    "room_code": "${room}"}}])",
                       {}, R"({"late": {"lazy": true}})");
  s.steps[0].conn = "ghost";
  const auto r = run_on(*h::make_embedded_target(true, ""), s);
  EXPECT_EQ(r.outcome, h::verdict::error);
  EXPECT_EQ(r.reason, "/steps/0: connection 'ghost' is not declared");
}

}  // namespace
