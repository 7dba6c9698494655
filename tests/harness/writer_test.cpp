#include "gday/harness/writer.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "gday/harness/loader.hpp"
#include "gday/test/json_schema.hpp"
#include "gday/test/support.hpp"

namespace {

namespace h = gday::harness;
using std::chrono::milliseconds;

// Loading what the writer wrote gives back the same model, for every
// scenario of the library; and what it writes is valid by the schema.
TEST(writer_test, every_library_scenario_round_trips) {
  const gday::test::json_schema schema(gday::test::scenario_schema_document());
  auto loaded = h::load_scenarios(gday::test::data_path("../scenarios"));
  ASSERT_TRUE(loaded);
  ASSERT_GT(loaded->size(), 10u);
  for (const auto& original : *loaded) {
    const std::string text = h::write_scenario(original);
    auto again = h::parse_scenario(text, original.file, original.id);
    ASSERT_TRUE(again) << again.error().what() << "\n" << text;
    EXPECT_TRUE(*again == original) << original.file << " changed in a round trip:\n" << text;
    const auto errors = schema.validate(nlohmann::json::parse(text));
    EXPECT_TRUE(errors.empty()) << original.file << ": " << errors.front();
  }
}

// A model built by hand (as the network fuzzer does) with every default
// overridden: each field survives.
TEST(writer_test, a_built_model_round_trips) {
  h::scenario s;
  s.id = "built/everything";
  s.summary = "Built by hand";
  s.requirements = {"M-1", "F-2"};
  s.level = h::grade::should;
  s.profiles = {gday::wire::profile::v2, gday::wire::profile::v3};
  s.needs.max_room_timeout_s = 2.5;
  s.needs.min_room_timeout_s = 0.5;
  s.needs.request_limit = 7;
  s.needs.fresh_server = true;
  s.tags = {"fuzz"};
  s.rooms = {"room"};
  s.connections = {{"a", 4, true, false, "/connections/a"},
                   {"b", 6, std::nullopt, true, "/connections/b"}};
  auto at = [&](std::size_t i) { return "/steps/" + std::to_string(i); };
  h::step send;
  send.what = h::step::kind::send;
  send.conn = "a";
  send.message = {{"type", "ReadyToShare"},
                  {"room_code", "${room}"},
                  {"is_creator", false},
                  {"local_contact", {{"v4", "1.2.3.4:5"}, {"v6", nullptr}}}};
  send.chunks = {h::chunking::mode::sizes, {1, 2}, milliseconds(3)};
  h::step body;
  body.what = h::step::kind::send_body;
  body.conn = "a";
  body.bodies = {{"v2", std::string("\x00\xff", 2)}, {"*", "{}"}};
  body.body_hex = true;
  body.version_byte = 9;
  body.length = 4;
  body.chunks.how = h::chunking::mode::bytewise;
  h::step raw;
  raw.what = h::step::kind::send_raw;
  raw.conn = "a";
  raw.raw = "\x03";
  h::step expect;
  expect.what = h::step::kind::expect;
  expect.conn = "a";
  expect.timeout = milliseconds(1500);
  h::alternative contact;
  contact.replies = {{"ClientContact",
                      nlohmann::json{{"local", {{"v4", "*"}}}, {"public", {{"v4", "@a"}}}}, "mine"},
                     {"", std::nullopt, ""}};
  contact.then_open = true;
  h::alternative closed;
  closed.then_closed = true;
  closed.grade = h::grade::may;
  closed.note = "closed at once";
  expect.alternatives = {contact, closed};
  h::step connect;
  connect.what = h::step::kind::connect;
  connect.conn = "b";
  h::step close;
  close.what = h::step::kind::close;
  close.conn = "b";
  close.how = h::step::close_mode::half;
  h::step closed_step;
  closed_step.what = h::step::kind::expect_closed;
  closed_step.conn = "a";
  closed_step.timeout = milliseconds(10);
  h::step silence;
  silence.what = h::step::kind::expect_silence;
  silence.conn = "a";
  silence.duration = milliseconds(20);
  h::step wait;
  wait.what = h::step::kind::wait;
  wait.duration = milliseconds(5);
  s.steps = {send, body, raw, expect, connect, close, closed_step, wait};
  h::step concurrent;
  concurrent.what = h::step::kind::concurrent;
  concurrent.branches = {{wait}, {silence}};
  concurrent.branches[0][0].pointer = at(s.steps.size()) + "/concurrent/0/0";
  concurrent.branches[1][0].pointer = at(s.steps.size()) + "/concurrent/1/0";
  s.steps.push_back(concurrent);
  for (std::size_t i = 0; i < s.steps.size(); ++i) s.steps[i].pointer = at(i);
  s.file = "built.json";

  const std::string text = h::write_scenario(s);
  auto loaded = h::parse_scenario(text, s.file, s.id);
  ASSERT_TRUE(loaded) << loaded.error().what() << "\n" << text;
  EXPECT_TRUE(*loaded == s) << text;
  const auto errors = gday::test::json_schema(gday::test::scenario_schema_document())
                          .validate(nlohmann::json::parse(text));
  EXPECT_TRUE(errors.empty()) << errors.front();
}

TEST(writer_test, defaults_are_left_out) {
  auto loaded = h::parse_scenario(R"({"id": "x", "summary": "s", "requirements": ["M-1"],
    "grade": "MUST", "connections": {"a": {}}, "steps": [{"expect_closed": "a"}]})",
                                  "x.json");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(h::to_json(*loaded).dump(),
            R"({"id":"x","summary":"s","requirements":["M-1"],"grade":"MUST",)"
            R"("connections":{"a":{"family":4}},"steps":[{"expect_closed":"a"}]})");
}

}  // namespace
