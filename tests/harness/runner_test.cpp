#include "gday/harness/runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <thread>

#include "gday/harness/loader.hpp"
#include "gday/harness/suite.hpp"
#include "test_targets.hpp"

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

TEST(runner_test, non_canonical_reply_bytes_are_non_strict_under_j9) {
  const std::string steps = R"([
    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
    {"expect": "a", "reply": "RoomCreated"},
    {"send": "a", "message": {"type": "ReadyToShare", "room_code": "${room}", "is_creator": true}},
    {"expect": "a", "reply": "ClientContact"}
  ])";
  auto clean = run(scenario_with("MUST", steps));
  EXPECT_EQ(clean.outcome, h::verdict::pass) << clean.reason;
  EXPECT_TRUE(clean.non_canonical.empty());

  auto r = run(scenario_with("MUST", steps), "omit-null-addresses");
  EXPECT_EQ(r.outcome, h::verdict::non_strict);
  EXPECT_EQ(r.non_canonical, (std::vector<std::string>{"J-9"}));
  EXPECT_EQ(r.requirements, (std::vector<std::string>{"M-1", "J-9"}));
  EXPECT_TRUE(r.failed_step.empty());
  EXPECT_NE(r.reason.find("/steps/3: reply not in upstream's canonical form (J-9)"),
            std::string::npos)
      << r.reason;
  EXPECT_NE(r.reason.find(R"(received {"ClientContact":{"local":{},"public":{}}})"),
            std::string::npos)
      << r.reason;
}

TEST(runner_test, slow_scenarios_are_skipped_unless_asked_for) {
  const std::string text =
      R"({"id": "t/slow", "summary": "s", "requirements": ["R-2"], "grade": "SHOULD",
          "tags": ["slow"], "rooms": ["room"], "connections": {"a": {}},
          "steps": [{"wait_ms": 1, "scaled": false},
                    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
                    {"expect": "a", "reply": "RoomCreated"}]})";
  const h::scenario s = parse(text);
  EXPECT_TRUE(h::is_slow(s));
  EXPECT_FALSE(s.steps.front().scaled);
  auto target = h::make_embedded_target(false, "");
  h::run_options options;
  options.rerun_prefix = "run-scenarios";
  const auto skipped = h::run_scenario(s, *target, options, 0);
  EXPECT_EQ(skipped.outcome, h::verdict::skip);
  EXPECT_EQ(skipped.reason, "slow: run with --slow");
  EXPECT_NE(skipped.rerun.find(" --slow t/slow"), std::string::npos) << skipped.rerun;
  options.slow = true;
  const auto ran = h::run_scenario(s, *target, options, 0);
  EXPECT_EQ(ran.outcome, h::verdict::pass) << ran.reason;
}

TEST(runner_test, suite_runs_slow_scenarios_beside_the_rest_and_keeps_the_order) {
  auto make = [](const std::string& id, bool slow) {
    return parse(R"({"id": ")" + id + R"(", "summary": "s", "requirements": ["R-2"],
        "grade": "SHOULD", )" +
                 (slow ? std::string(R"("tags": ["slow"], )") : "") +
                 R"("rooms": ["room"], "connections": {"a": {}},
        "steps": [{"wait_ms": 20, "scaled": false},
                  {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
                  {"expect": "a", "reply": "RoomCreated"}]})");
  };
  const h::scenario a = make("t/a", false), b = make("t/b", true), c = make("t/c", true),
                    d = make("t/d", false);
  auto target = h::make_embedded_target(false, "");
  h::suite_options options;
  options.profiles = {profile::v1, profile::v3};
  options.run.slow = true;
  options.run.jobs = 2;
  std::vector<std::string> reported;
  const auto report = h::run_suite({&a, &b, &c, &d}, *target, options,
                                   [&](const h::scenario_result& r) { reported.push_back(r.id); });
  ASSERT_EQ(report.results.size(), 8u);
  EXPECT_EQ(reported.size(), 8u);
  const std::vector<std::string> order = {"t/a", "t/b", "t/c", "t/d"};
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(report.results[i].id, order[i % 4]);
    EXPECT_EQ(report.results[i].profile, i < 4 ? profile::v1 : profile::v3);
    EXPECT_EQ(report.results[i].outcome, h::verdict::pass) << report.results[i].reason;
  }
  EXPECT_EQ(report.exit_code, 0);
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

h::scenario one_connection(const std::string& requirement, int family) {
  return parse(R"({"id": "t/x", "summary": "s", "requirements": [")" + requirement +
               R"("], "grade": "MUST", "connections": {"a": {"family": )" + std::to_string(family) +
               R"(}}, "steps": [{"wait_ms": 1}]})");
}

TEST(runner_test, scenarios_over_a_family_the_target_lacks_are_skipped_saying_why) {
  h::remote_options o;
  o.target4 = "127.0.0.1:1";  // no --target-v6
  auto remote = h::make_remote_target(o);
  ASSERT_TRUE(remote);
  auto r = h::run_scenario(one_connection("M-1", 6), **remote, h::run_options{}, 0);
  EXPECT_EQ(r.outcome, h::verdict::skip);
  EXPECT_NE(r.reason.find("--target-v6"), std::string::npos) << r.reason;

  // A target whose one server has these endpoints (nothing listens: the
  // scenarios here must not get as far as connecting).
  h::endpoint_info v6;
  v6.port6 = 1;
  h::testing::fixed_target v6_only(v6);
  r = h::run_scenario(one_connection("M-1", 4), v6_only, h::run_options{}, 0);
  EXPECT_EQ(r.outcome, h::verdict::skip);
  EXPECT_NE(r.reason.find("no IPv4 address"), std::string::npos) << r.reason;
}

TEST(runner_test, a_server_seen_refusing_ipv6_is_non_strict_under_t2_and_skipped_elsewhere) {
  h::endpoint_info v4;
  v4.port4 = 1;
  v4.no_v6_seen = "[::1]:1 refused the connection";
  h::testing::fixed_target v4_only(v4);
  auto r = h::run_scenario(one_connection("T-2", 6), v4_only, h::run_options{}, 0);
  EXPECT_EQ(r.outcome, h::verdict::non_strict) << "T-2 is a SHOULD, whatever the scenario's grade";
  EXPECT_EQ(r.reason, "T-2: the server does not listen on IPv6: [::1]:1 refused the connection");
  r = h::run_scenario(one_connection("M-1", 6), v4_only, h::run_options{}, 0);
  EXPECT_EQ(r.outcome, h::verdict::skip);
  EXPECT_NE(r.reason.find("[::1]:1 refused the connection"), std::string::npos) << r.reason;
  // Its IPv4 scenarios run as ever (here: nothing listens, an ERROR).
  r = h::run_scenario(one_connection("M-1", 4), v4_only, h::run_options{}, 0);
  EXPECT_NE(r.outcome, h::verdict::skip) << r.reason;
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

std::string with_request_limit_one(std::string text) {
  text.insert(text.find("\"rooms\""), R"("settings": {"request_limit": 1}, )");
  return text;
}

const std::string exhaust_own_limit = R"([
  {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
  {"expect": "a", "reply": "RoomCreated"},
  {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
  {"expect": "a", "reply": "ErrorTooManyRequests", "then": "closed"}
])";

TEST(runner_test, a_baseline_does_not_excuse_a_scenario_after_which_the_server_stopped_serving) {
  const std::string text = with_request_limit_one(scenario_with("MUST", exhaust_own_limit));
  h::baseline expected;
  expected.expected["t/x"] = "known: it exhausts the limit";
  auto r = run(text, "rate-limit-global");
  ASSERT_EQ(r.outcome, h::verdict::fail);
  h::apply_baseline(r, expected);
  EXPECT_FALSE(r.expected_failure);
  EXPECT_EQ(h::exit_code(h::tally({r}), false), 1);
  // A plain failure of the same scenario is excused as before.
  auto own = run(scenario_with("MUST", create_then_taken), "wrong-error-for-taken-room");
  h::apply_baseline(own, expected);
  EXPECT_TRUE(own.expected_failure);
}

TEST(runner_test, liveness_probe_passes_after_a_scenario_on_a_serving_server) {
  auto r = run(with_request_limit_one(scenario_with("MUST", exhaust_own_limit)));
  EXPECT_EQ(r.outcome, h::verdict::pass) << r.reason;
  EXPECT_TRUE(r.liveness.ran);
  EXPECT_TRUE(r.liveness.passed) << r.liveness.reason;
  EXPECT_EQ(r.requirements, (std::vector<std::string>{"M-1"}));
}

TEST(runner_test, liveness_probe_fails_a_scenario_after_which_the_server_serves_nobody) {
  // One counter for every IP: the scenario passes, then the probe (from other
  // addresses) is refused.
  const std::string text = with_request_limit_one(scenario_with("MUST", exhaust_own_limit));
  auto r = run(text, "rate-limit-global");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.failed_step, "(liveness probe)");
  EXPECT_EQ(r.reason.rfind("the server stopped serving after this scenario (liveness probe: ", 0),
            0u)
      << r.reason;
  EXPECT_EQ(r.requirements, (std::vector<std::string>{"M-1", "F-6"}));
  EXPECT_TRUE(r.liveness.ran);
  EXPECT_FALSE(r.liveness.passed);
  EXPECT_NE(r.liveness.reason.find("ErrorTooManyRequests"), std::string::npos) << r.liveness.reason;
  const bool probe_in_transcript =
      std::any_of(r.transcript.begin(), r.transcript.end(),
                  [](const h::transcript_entry& e) { return e.conn == "probe_creator"; });
  EXPECT_TRUE(probe_in_transcript);

  // Turned off, the same run passes.
  auto target = h::make_embedded_target(false, "rate-limit-global");
  h::run_options off;
  off.liveness_probe = false;
  const auto quiet = h::run_scenario(parse(text), *target, off, 0);
  EXPECT_EQ(quiet.outcome, h::verdict::pass) << quiet.reason;
  EXPECT_FALSE(quiet.liveness.ran);
}

TEST(runner_test, a_target_that_never_answers_the_handshake_fails_the_first_probe) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  boost::asio::ip::tcp::socket held(io);
  acceptor.async_accept(held, [](const boost::system::error_code&) {});
  std::thread accepting([&] { io.run(); });
  h::remote_options o;
  o.target4 = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  o.tls_options.insecure = true;
  auto target = h::make_remote_target(o);
  ASSERT_TRUE(target);
  h::run_options options;
  options.timeout_scale = 0.1;  // the 5 s handshake deadline becomes 0.5 s
  const auto serves = h::check_target_serves(**target, options);
  io.stop();
  accepting.join();
  ASSERT_FALSE(serves);
  EXPECT_EQ(serves.error().code, h::error::target_unusable);
  EXPECT_NE(serves.error().message.find("liveness probe before the first scenario"),
            std::string::npos)
      << serves.error().message;
}

TEST(runner_test, the_first_probe_passes_on_a_serving_server) {
  auto target = h::make_embedded_target(false, "");
  const auto serves = h::check_target_serves(*target, h::run_options{});
  ASSERT_TRUE(serves) << serves.error().message;
  EXPECT_TRUE(*serves);
}

TEST(runner_test, a_server_that_answers_wrongly_is_no_error_and_later_probes_check_only_answers) {
  // PeerContact carries the receiver's own contact: the exchange is wrong,
  // but the server serves; the scenarios are to say what is wrong.
  auto target = h::make_embedded_target(false, "own-contact-in-peer-contact");
  h::run_options options;
  const auto serves = h::check_target_serves(*target, options);
  ASSERT_TRUE(serves) << serves.error().message;
  EXPECT_FALSE(*serves);
  options.probe_checks_answers = false;
  const auto r =
      h::run_scenario(parse(scenario_with("MUST", create_then_taken)), *target, options, 0);
  EXPECT_EQ(r.outcome, h::verdict::pass) << r.reason;
  EXPECT_TRUE(r.liveness.ran);
  EXPECT_TRUE(r.liveness.passed);
}

TEST(runner_test, non_loopback_targets_are_refused_unless_allowed) {
  h::remote_options o;
  o.target4 = "192.0.2.1:2311";
  auto refused = h::make_remote_target(o);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("loopback"), std::string::npos);
  EXPECT_EQ(refused.error().code, h::error::usage);
}

// -x with a baseline, --strict: which results stop the run, and the exit
// code. Two scenarios run in order, both broken by the fault unless a fault
// list is empty; the first is graded `first_grade`.
struct fail_fast_case {
  std::string first_grade = "MUST";
  std::string faults = "wrong-error-for-taken-room";
  bool first_expected = false;  // the baseline lists t/first
  bool strict = false;
};

struct fail_fast_outcome {
  std::vector<h::scenario_result> results;
  int exit = -1;
};

fail_fast_outcome run_fail_fast(const fail_fast_case& c) {
  auto named = [](const std::string& id, const std::string& grade) {
    std::string text = scenario_with(grade, create_then_taken);
    text.replace(text.find("t/x"), 3, id);
    return parse(text);
  };
  const h::scenario first = named("t/first", c.first_grade);
  const h::scenario second = named("t/second", "MUST");
  h::baseline expected;
  if (c.first_expected) expected.expected["t/first"] = "known bug";
  auto target = h::make_embedded_target(false, c.faults);
  h::run_options options;
  options.jobs = 1;
  options.fail_fast = true;
  options.strict = c.strict;
  options.expected = &expected;
  fail_fast_outcome out;
  out.results = h::run_all({&first, &second}, *target, options, nullptr);
  out.exit = h::exit_code(h::tally(out.results), c.strict);
  return out;
}

TEST(runner_test, fail_fast_goes_on_past_an_expected_failure) {
  const auto out = run_fail_fast({.first_expected = true});
  ASSERT_EQ(out.results.size(), 2u);
  EXPECT_TRUE(out.results[0].expected_failure);
  EXPECT_EQ(out.results[1].outcome, h::verdict::fail) << out.results[1].reason;
  EXPECT_FALSE(out.results[1].expected_failure);
  EXPECT_EQ(out.exit, 1);
}

TEST(runner_test, fail_fast_stops_after_a_failure) {
  const auto out = run_fail_fast({});
  EXPECT_EQ(out.results[0].outcome, h::verdict::fail);
  EXPECT_EQ(out.results[1].outcome, h::verdict::skip);
  EXPECT_NE(out.results[1].reason.find("fail-fast"), std::string::npos);
  EXPECT_EQ(out.exit, 1);
}

TEST(runner_test, fail_fast_stops_after_an_unexpected_pass) {
  const auto out = run_fail_fast({.faults = "", .first_expected = true});
  EXPECT_TRUE(out.results[0].unexpected_pass);
  EXPECT_EQ(out.results[1].outcome, h::verdict::skip);
  EXPECT_EQ(out.exit, 1);
}

TEST(runner_test, fail_fast_stops_after_non_strict_only_under_strict) {
  const auto strict = run_fail_fast({.first_grade = "SHOULD", .strict = true});
  EXPECT_EQ(strict.results[0].outcome, h::verdict::non_strict);
  EXPECT_EQ(strict.results[1].outcome, h::verdict::skip);
  EXPECT_EQ(strict.exit, 1);

  const auto lenient = run_fail_fast({.first_grade = "SHOULD"});
  EXPECT_EQ(lenient.results[1].outcome, h::verdict::fail);
  EXPECT_EQ(lenient.exit, 1);
}

TEST(runner_test, strict_fail_fast_goes_on_past_an_expected_non_strict) {
  const auto out = run_fail_fast({.first_grade = "SHOULD", .first_expected = true, .strict = true});
  EXPECT_TRUE(out.results[0].expected_failure);
  EXPECT_EQ(out.results[1].outcome, h::verdict::fail);
  EXPECT_EQ(out.exit, 1);
}

TEST(runner_test, expected_failures_alone_exit_zero_even_under_strict) {
  for (const bool strict : {false, true}) {
    const auto out = run_fail_fast({.first_expected = true, .strict = strict});
    const std::vector<h::scenario_result> first_only{out.results[0]};
    EXPECT_EQ(h::exit_code(h::tally(first_only), strict), 0) << "strict " << strict;
    EXPECT_EQ(out.exit, 1) << "strict " << strict;
  }
}

}  // namespace
