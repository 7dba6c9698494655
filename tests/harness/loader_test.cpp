#include "gday/harness/loader.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gday/test/support.hpp"

namespace {

namespace fs = std::filesystem;
using gday::harness::alternative;
using gday::harness::chunking;
using gday::harness::client_exit;
using gday::harness::grade;
using gday::harness::load_error;
using gday::harness::load_scenarios;
using gday::harness::parse_scenario;
using gday::harness::scenario;
using gday::harness::step;
using nlohmann::json;
using std::chrono::milliseconds;

// Every feature of the format once (the README's reference example, extended).
constexpr const char* full_scenario = R"({
  "id": "messages/full",
  "summary": "Every feature once",
  "requirements": ["M-1", "M-6"],
  "grade": "SHOULD",
  "profiles": ["v3", "v2"],
  "settings": {"max_room_timeout": 3, "min_room_timeout": 0.5, "request_limit": 5,
               "fresh_server": true},
  "tags": ["slow"],
  "rooms": ["room", "other"],
  "connections": {"a": {"family": 4}, "b": {"family": 6, "tls": false}, "c": {"lazy": true}},
  "steps": [
    {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"},
     "chunks": "bytewise", "pause_ms": 5},
    {"expect": "a", "reply": "RoomCreated", "then": "open", "timeout_ms": 1500},
    {"send": "b", "message": {"type": "ReadyToShare", "room_code": "literal", "is_creator": true,
                              "local_contact": {"v4": "1.2.3.4:5", "v6": null}}},
    {"expect": "b", "replies": [{"type": "ClientContact", "local": {"v4": "1.2.3.4:5", "v6": null},
                                 "public": {"v4": null, "v6": "@b"}, "capture": "mine"}]},
    {"send_body": "a", "body": {"v2": "{\"type\":\"CreateRoom\",\"room_code\":${other}}",
                                "*": "$${}"},
     "version": 7, "length_delta": -1, "chunks": [1, 2]},
    {"send_body": "a", "body_hex": "7b 7d", "length": 10},
    {"send_raw": "a", "hex": "03 00 02 7b7d"},
    {"expect": "a", "any_of": [
       {"reply": "ErrorSyntax", "then": "closed"},
       {"closed": true, "grade": "MAY", "note": "closed silently"},
       {"replies": ["*", "ErrorSyntax"], "grade": "SHOULD"}], "timeout_ms": 3000},
    {"connect": "c"},
    {"concurrent": [[{"expect_silence": "b", "ms": 100}],
                    [{"wait_ms": 50}, {"close": "c", "how": "rst"}]]},
    {"expect": "b", "reply": {"type": "PeerContact", "contact": "${mine}"}},
    {"expect_closed": "a", "timeout_ms": 500},
    {"close": "b", "how": "half"}
  ]
})";

// A small valid scenario that error cases modify.
json base() {
  return json::parse(R"({
    "id": "messages/base",
    "summary": "Create a room",
    "requirements": ["M-1"],
    "grade": "MUST",
    "rooms": ["room"],
    "connections": {"a": {}},
    "steps": [
      {"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
      {"expect": "a", "reply": "RoomCreated"}
    ]
  })");
}

load_error error_of(const std::string& text, const std::string& expected_id = {}) {
  auto result = parse_scenario(text, "x.json", expected_id);
  if (result) return load_error{"x.json", "", "<loaded>"};
  return result.error();
}

// Checks the pointer and that the message contains `fragment`.
void expect_error(const load_error& e, const std::string& pointer, const std::string& fragment) {
  EXPECT_EQ(e.pointer, pointer) << e.what();
  EXPECT_NE(e.message.find(fragment), std::string::npos)
      << "message: " << e.message << "\nwanted: " << fragment;
}

// base() with one change, then the error it gives.
load_error error_with(const std::function<void(json&)>& change) {
  json document = base();
  change(document);
  return error_of(document.dump());
}

TEST(loader_test, loads_a_full_featured_scenario) {
  auto result = parse_scenario(full_scenario, "scenarios/messages/full.json", "messages/full");
  ASSERT_TRUE(result) << result.error().what();
  const scenario& s = *result;
  EXPECT_EQ(s.id, "messages/full");
  EXPECT_EQ(s.file, "scenarios/messages/full.json");
  EXPECT_EQ(s.summary, "Every feature once");
  EXPECT_EQ(s.requirements, (std::vector<std::string>{"M-1", "M-6"}));
  EXPECT_EQ(s.level, grade::should);
  EXPECT_EQ(s.profiles,
            (std::vector<gday::wire::profile>{gday::wire::profile::v2, gday::wire::profile::v3}));
  EXPECT_EQ(s.needs.max_room_timeout_s, 3.0);
  EXPECT_EQ(s.needs.min_room_timeout_s, 0.5);
  EXPECT_EQ(s.needs.request_limit, 5u);
  EXPECT_TRUE(s.needs.fresh_server);
  EXPECT_EQ(s.tags, std::vector<std::string>{"slow"});
  EXPECT_EQ(s.rooms, (std::vector<std::string>{"room", "other"}));

  ASSERT_EQ(s.connections.size(), 3u);
  EXPECT_EQ(s.connections[0].name, "a");
  EXPECT_EQ(s.connections[0].family, 4);
  EXPECT_FALSE(s.connections[0].tls.has_value());
  EXPECT_FALSE(s.connections[0].lazy);
  EXPECT_EQ(s.connections[1].name, "b");
  EXPECT_EQ(s.connections[1].family, 6);
  EXPECT_EQ(s.connections[1].tls, false);
  EXPECT_EQ(s.connections[1].pointer, "/connections/b");
  EXPECT_EQ(s.connections[2].family, 4);
  EXPECT_TRUE(s.connections[2].lazy);

  ASSERT_EQ(s.steps.size(), 13u);
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    EXPECT_EQ(s.steps[i].pointer, "/steps/" + std::to_string(i));
  }
  const step& create = s.steps[0];
  EXPECT_EQ(create.what, step::kind::send);
  EXPECT_EQ(create.conn, "a");
  EXPECT_EQ(create.message, json::parse(R"({"type":"CreateRoom","room_code":"${room}"})"));
  EXPECT_EQ(create.chunks.how, chunking::mode::bytewise);
  EXPECT_EQ(create.chunks.pause, milliseconds(5));

  const step& created = s.steps[1];
  EXPECT_EQ(created.what, step::kind::expect);
  EXPECT_EQ(created.timeout, milliseconds(1500));
  ASSERT_EQ(created.alternatives.size(), 1u);
  EXPECT_TRUE(created.alternatives[0].then_open);
  EXPECT_FALSE(created.alternatives[0].then_closed);
  ASSERT_EQ(created.alternatives[0].replies.size(), 1u);
  EXPECT_EQ(created.alternatives[0].replies[0].type, "RoomCreated");
  EXPECT_FALSE(created.alternatives[0].replies[0].contact.has_value());

  EXPECT_EQ(s.steps[2].message["local_contact"]["v4"], "1.2.3.4:5");
  EXPECT_EQ(s.steps[2].chunks.how, chunking::mode::whole);
  EXPECT_EQ(s.steps[2].timeout, milliseconds(2000));

  const auto& contact = s.steps[3].alternatives.at(0).replies.at(0);
  EXPECT_EQ(contact.type, "ClientContact");
  EXPECT_EQ(contact.capture, "mine");
  ASSERT_TRUE(contact.contact.has_value());
  EXPECT_EQ(
      *contact.contact,
      json::parse(R"({"local":{"v4":"1.2.3.4:5","v6":null},"public":{"v4":null,"v6":"@b"}})"));

  const step& body = s.steps[4];
  EXPECT_EQ(body.what, step::kind::send_body);
  EXPECT_FALSE(body.body_hex);
  EXPECT_EQ(body.bodies.at("v2"), R"({"type":"CreateRoom","room_code":${other}})");
  EXPECT_EQ(body.bodies.at("*"), "$${}");  // templates are stored, expanded at run time
  EXPECT_EQ(body.version_byte, 7);
  EXPECT_EQ(body.length_delta, -1);
  EXPECT_FALSE(body.length.has_value());
  EXPECT_EQ(body.chunks.how, chunking::mode::sizes);
  EXPECT_EQ(body.chunks.sizes, (std::vector<std::size_t>{1, 2}));

  EXPECT_TRUE(s.steps[5].body_hex);
  EXPECT_EQ(s.steps[5].bodies.at("*"), "{}");
  EXPECT_EQ(s.steps[5].length, 10u);
  EXPECT_FALSE(s.steps[5].version_byte.has_value());
  EXPECT_EQ(s.steps[6].what, step::kind::send_raw);
  EXPECT_EQ(s.steps[6].raw, gday::test::from_hex("0300027b7d"));

  const step& any = s.steps[7];
  EXPECT_EQ(any.timeout, milliseconds(3000));
  ASSERT_EQ(any.alternatives.size(), 3u);
  EXPECT_TRUE(any.alternatives[0].then_closed);
  EXPECT_FALSE(any.alternatives[0].grade.has_value());
  EXPECT_TRUE(any.alternatives[1].replies.empty());
  EXPECT_TRUE(any.alternatives[1].then_closed);
  EXPECT_EQ(any.alternatives[1].grade, grade::may);
  EXPECT_EQ(any.alternatives[1].note, "closed silently");
  ASSERT_EQ(any.alternatives[2].replies.size(), 2u);
  EXPECT_EQ(any.alternatives[2].replies[0].type, "");  // "*"
  EXPECT_EQ(any.alternatives[2].replies[1].type, "ErrorSyntax");
  EXPECT_EQ(any.alternatives[2].grade, grade::should);

  EXPECT_EQ(s.steps[8].what, step::kind::connect);
  EXPECT_EQ(s.steps[8].conn, "c");

  const step& together = s.steps[9];
  EXPECT_EQ(together.what, step::kind::concurrent);
  EXPECT_TRUE(together.conn.empty());
  ASSERT_EQ(together.branches.size(), 2u);
  ASSERT_EQ(together.branches[1].size(), 2u);
  EXPECT_EQ(together.branches[0][0].what, step::kind::expect_silence);
  EXPECT_EQ(together.branches[0][0].duration, milliseconds(100));
  EXPECT_EQ(together.branches[0][0].pointer, "/steps/9/concurrent/0/0");
  EXPECT_EQ(together.branches[1][0].what, step::kind::wait);
  EXPECT_EQ(together.branches[1][0].duration, milliseconds(50));
  EXPECT_TRUE(together.branches[1][0].conn.empty());
  EXPECT_EQ(together.branches[1][1].how, step::close_mode::rst);
  EXPECT_EQ(together.branches[1][1].pointer, "/steps/9/concurrent/1/1");

  EXPECT_EQ(*s.steps[10].alternatives.at(0).replies.at(0).contact,
            json::parse(R"({"contact":"${mine}"})"));
  EXPECT_EQ(s.steps[11].what, step::kind::expect_closed);
  EXPECT_EQ(s.steps[11].timeout, milliseconds(500));
  EXPECT_EQ(s.steps[12].how, step::close_mode::half);
}

TEST(loader_test, applies_defaults) {
  auto result = parse_scenario(base().dump(), "base.json");
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_EQ(result->profiles.size(), 3u);
  EXPECT_EQ(result->level, grade::must);
  EXPECT_FALSE(result->needs.fresh_server);
  EXPECT_FALSE(result->needs.request_limit.has_value());
  EXPECT_EQ(result->connections.at(0).family, 4);
  EXPECT_EQ(result->steps.at(1).timeout, milliseconds(2000));
  EXPECT_EQ(result->steps.at(0).chunks.how, chunking::mode::whole);
  EXPECT_EQ(result->steps.at(0).chunks.pause, milliseconds(0));
}

TEST(loader_test, formats_errors_with_file_and_pointer) {
  EXPECT_EQ((load_error{"s/x.json", "/steps/3", "bad"}).what(), "s/x.json: /steps/3: bad");
  EXPECT_EQ((load_error{"s/x.json", "", "bad"}).what(), "s/x.json: bad");
}

TEST(loader_test, reports_unreadable_text) {
  expect_error(error_of(""), "", "empty");
  expect_error(error_of(" \n\t "), "", "empty");
  expect_error(error_of("[1, 2]"), "", "one JSON object, not an array");
  expect_error(error_of("\"text\""), "", "not a string");
  expect_error(error_of("{\"id\": \"a\",\n \"summary\" \"x\"}"), "",
               "invalid JSON: parse error at line 2, column 14");
  expect_error(error_of("{\"id\": \"a\xff\"}"), "", "not UTF-8: byte 0xff at line 1, column 10");
  expect_error(error_of("{\"id\": \"\xc0\xaf\"}"), "", "not UTF-8");      // overlong '/'
  expect_error(error_of("{\"id\": \"\xed\xa0\x80\"}"), "", "not UTF-8");  // a surrogate
  expect_error(error_of("{\"a\": 1e400}"), "", "invalid JSON");
  // An unterminated string: the message quotes only the start of it.
  const load_error open_string = error_of("{\"id\": \"" + std::string(100000, 'x'));
  EXPECT_NE(open_string.message.find("invalid JSON: parse error at line 1"), std::string::npos);
  EXPECT_LT(open_string.message.size(), 300u) << open_string.message;    // overflows a double
  expect_error(error_of(std::string(100000, '[')), "", "invalid JSON");  // deep, unterminated
  expect_error(error_of(std::string(100000, '[') + std::string(100000, ']')), "",
               "one JSON object, not an array");
}

TEST(loader_test, rejects_duplicate_keys) {
  expect_error(error_of(R"({"id": "a", "id": "b"})"), "", "duplicate key 'id'");
  std::string text = base().dump();
  text.replace(text.find("\"reply\""), 7, R"("timeout_ms": 5, "timeout_ms": 6, "reply")");
  expect_error(error_of(text), "/steps/1", "duplicate key 'timeout_ms'");
  expect_error(error_of(R"({"a": [{}, {"b": {"c": 1, "c": 2}}]})"), "/a/1/b", "duplicate key 'c'");
}

TEST(loader_test, reports_wrong_types_and_unknown_keys) {
  expect_error(error_with([](json& d) { d["summary"] = 5; }), "/summary",
               "expected a string, got a number");
  expect_error(error_with([](json& d) { d.erase("steps"); }), "", "missing required key 'steps'");
  expect_error(error_with([](json& d) { d["requirement"] = json::array(); }), "",
               "unknown key 'requirement' (did you mean 'requirements'?)");
  expect_error(error_with([](json& d) { d["steps"][1]["timout_ms"] = 5; }), "/steps/1",
               "unknown key 'timout_ms' (did you mean 'timeout_ms'?)");
  expect_error(error_with([](json& d) { d["steps"][1]["colour"] = 5; }), "/steps/1",
               "allowed here: expect, reply, replies, any_of, then, timeout_ms");
  expect_error(error_with([](json& d) {
                 d["steps"][1] = {{"expcet", "a"}};
               }),
               "/steps/1", "unknown key 'expcet' (did you mean 'expect'?)");
  expect_error(error_with([](json& d) { d["steps"][1]["send"] = "a"; }), "/steps/1",
               "exactly one action");
  expect_error(error_with([](json& d) { d["steps"][1] = json::object(); }), "/steps/1",
               "a step needs one action key");
  expect_error(error_with([](json& d) { d["grade"] = "MSUT"; }), "/grade",
               "unknown grade 'MSUT' (did you mean 'MUST'?)");
  expect_error(error_with([](json& d) {
                 d["profiles"] = {"v1", "v4"};
               }),
               "/profiles/1", "unknown profile 'v4'");
  expect_error(error_with([](json& d) { d["profiles"] = json::array(); }), "/profiles",
               "at least one profile");
  expect_error(error_with([](json& d) { d["requirements"] = {"M1"}; }), "/requirements/0",
               "'M1' is not of the form");
  expect_error(error_with([](json& d) { d["requirements"] = json::array(); }), "/requirements",
               "at least one requirement");
  expect_error(error_with([](json& d) { d["summary"] = "two\nlines"; }), "/summary", "one line");
  expect_error(error_with([](json& d) {
                 d["settings"] = {{"request_limit", 0}};
               }),
               "/settings/request_limit", "between 1 and 4294967295, got 0");
  expect_error(error_with([](json& d) {
                 d["settings"] = {{"min_room_timeout", 5}, {"max_room_timeout", 3}};
               }),
               "/settings", "min_room_timeout is greater than max_room_timeout");
  expect_error(error_with([](json& d) {
                 d["settings"] = {{"max_room_timeout", -1}};
               }),
               "/settings/max_room_timeout", "above 0");
  expect_error(error_with([](json& d) { d["connections"]["a"]["family"] = 5; }),
               "/connections/a/family", "family must be 4 or 6");
  expect_error(error_with([](json& d) { d["connections"]["B"] = json::object(); }), "/connections",
               "connection name 'B'");
  expect_error(error_with([](json& d) { d["connections"] = json::object(); }), "/connections",
               "at least one connection");
  expect_error(error_with([](json& d) { d["steps"] = json::array(); }), "/steps",
               "at least one step");
}

TEST(loader_test, checks_names_and_references) {
  expect_error(error_with([](json& d) { d["steps"][0]["send"] = "c"; }), "/steps/0/send",
               "connection 'c' is not declared");
  expect_error(error_with([](json& d) { d["steps"][0]["message"]["room_code"] = "${rooom}"; }),
               "/steps/0/message/room_code", "room 'rooom' is not declared (did you mean 'room'?)");
  expect_error(error_with([](json& d) { d["steps"][0]["message"]["room_code"] = "abc"; }),
               "/steps/0/message/room_code", "a literal room_code ('abc') cannot run on v1");
  EXPECT_EQ(error_with([](json& d) {
              d["steps"][0]["message"]["room_code"] = "abc";
              d["profiles"] = {"v2", "v3"};
            }).message,
            "<loaded>");
  expect_error(error_with([](json& d) { d["steps"][1]["reply"] = "RoomCreatd"; }), "/steps/1/reply",
               "unknown reply type 'RoomCreatd' (did you mean 'RoomCreated'?)");
  expect_error(error_with([](json& d) { d["steps"][0]["message"]["type"] = "CreateRom"; }),
               "/steps/0/message/type", "unknown message type 'CreateRom' (did you mean");
  expect_error(error_with([](json& d) { d["steps"][0]["message"]["is_creator"] = true; }),
               "/steps/0/message", "unknown key 'is_creator'");
  expect_error(error_with([](json& d) {
                 d["steps"][0]["message"] = {{"type", "ReadyToShare"}, {"room_code", "${room}"}};
               }),
               "/steps/0/message", "missing required key 'is_creator'");
  expect_error(error_with([](json& d) {
                 d["steps"][0]["message"] = {{"type", "ReadyToShare"},
                                             {"room_code", "${room}"},
                                             {"is_creator", false},
                                             {"local_contact", {{"v4", "1.2.3.256:5"}}}};
               }),
               "/steps/0/message/local_contact/v4", "invalid IPv4 socket address '1.2.3.256:5'");
  expect_error(error_with([](json& d) {
                 d["steps"][0]["message"] = {{"type", "ReadyToShare"},
                                             {"room_code", "${room}"},
                                             {"is_creator", false},
                                             {"local_contact", {{"v4", "[::1]:5"}}}};
               }),
               "/steps/0/message/local_contact/v4", "is an IPv6 address in the \"v4\" field");
  EXPECT_EQ(error_of(base().dump(), "messages/other").what(),
            "x.json: /id: id 'messages/base' does not match the file path 'messages/other.json'");
  expect_error(error_with([](json& d) { d["id"] = "../escape"; }), "/id", "not a scenario path");
  expect_error(error_with([](json& d) {
                 d["rooms"] = {"room", "room"};
               }),
               "/rooms/1", "declared twice");
}

TEST(loader_test, checks_lazy_connections) {
  expect_error(error_with([](json& d) {
                 d["steps"][0] = {{"connect", "a"}};
               }),
               "/steps/0/connect", "connection 'a' is not lazy");
  expect_error(error_with([](json& d) { d["connections"]["a"]["lazy"] = true; }), "/steps/0/send",
               "connection 'a' is lazy and not connected yet");
  const json connect = json::parse(R"({"connect": "a"})");
  EXPECT_EQ(error_with([&](json& d) {
              d["connections"]["a"]["lazy"] = true;
              d["steps"].insert(d["steps"].begin(), connect);
            }).message,
            "<loaded>");
  expect_error(error_with([&](json& d) {
                 d["connections"]["a"]["lazy"] = true;
                 d["steps"].insert(d["steps"].begin(), connect);
                 d["steps"].push_back(connect);
               }),
               "/steps/3/connect", "already connected");
}

TEST(loader_test, checks_bodies_and_bytes) {
  auto with_step = [](const char* text) {
    return error_with([&](json& d) { d["steps"][0] = json::parse(text); });
  };
  expect_error(with_step(R"({"send_body": "a", "body": "{\"a\": $room}"})"), "/steps/0/body",
               "a lone '$' at offset 6");
  expect_error(with_step(R"({"send_body": "a", "body": "${nope}"})"), "/steps/0/body",
               "room 'nope' is not declared");
  expect_error(with_step(R"({"send_body": "a", "body": "${room"})"), "/steps/0/body",
               "has no closing '}'");
  expect_error(with_step(R"({"send_body": "a", "body": "${Room}"})"), "/steps/0/body",
               "is not a room variable");
  expect_error(with_step(R"({"send_body": "a", "body": {"v2": "x"}})"), "/steps/0/body",
               "no body for profile v1");
  expect_error(with_step(R"({"send_body": "a", "body": {"v5": "x"}})"), "/steps/0/body",
               "unknown key 'v5'");
  expect_error(with_step(R"({"send_body": "a", "body": {"*": "$"}})"), "/steps/0/body/*",
               "a lone '$'");
  expect_error(with_step(R"({"send_body": "a", "body": 5})"), "/steps/0/body",
               "expected a string or an object of bodies per profile");
  expect_error(with_step(R"({"send_body": "a"})"), "/steps/0",
               "missing required key: one of 'body' or 'body_hex'");
  expect_error(with_step(R"({"send_body": "a", "body": "x", "body_hex": "00"})"), "/steps/0",
               "'body' and 'body_hex' cannot be combined");
  expect_error(with_step(R"({"send_body": "a", "body_hex": "7g"})"), "/steps/0/body_hex",
               "invalid hex digit 'g' at offset 1");
  expect_error(with_step(R"({"send_body": "a", "body": "x", "length": 1, "length_delta": 1})"),
               "/steps/0", "'length' and 'length_delta' cannot be combined");
  expect_error(with_step(R"({"send_body": "a", "body": "x", "version": 256})"), "/steps/0/version",
               "between 0 and 255, got 256");
  expect_error(with_step(R"({"send_body": "a", "body": "x", "length": 65536})"), "/steps/0/length",
               "between 0 and 65535");
  expect_error(with_step(R"({"send_raw": "a", "hex": "01 0"})"), "/steps/0/hex", "odd number");
  expect_error(with_step(R"({"send_raw": "a", "hex": "0 1"})"), "/steps/0/hex", "splits a byte");
  expect_error(with_step(R"({"send_raw": "a", "hex": " "})"), "/steps/0/hex", "at least one byte");
  expect_error(with_step(R"({"send_raw": "a", "hex": "00", "chunks": "bytwise"})"),
               "/steps/0/chunks", "unknown chunking 'bytwise' (did you mean 'bytewise'?)");
  expect_error(with_step(R"({"send_raw": "a", "hex": "00", "chunks": [2, 0]})"),
               "/steps/0/chunks/1", "between 1 and");
  expect_error(with_step(R"({"send_raw": "a", "hex": "00", "chunks": 3})"), "/steps/0/chunks",
               "expected \"whole\", \"bytewise\" or an array of sizes");
  expect_error(with_step(R"({"send_raw": "a", "hex": "00", "pause_ms": -1})"), "/steps/0/pause_ms",
               "between 0 and 600000");
  // "$$" is a '$'; body_hex is not a template at all.
  json document = base();
  document["steps"][0] = json::parse(R"({"send_body": "a", "body": "$$5 ${room}"})");
  document["steps"].push_back(json::parse(R"({"send_body": "a", "body_hex": "24 7b"})"));
  auto bodies = parse_scenario(document.dump(), "x.json");
  ASSERT_TRUE(bodies) << bodies.error().what();
  EXPECT_EQ(bodies->steps.at(0).bodies.at("*"), "$$5 ${room}");
  EXPECT_EQ(bodies->steps.at(2).bodies.at("*"), "${");
  EXPECT_TRUE(bodies->steps.at(2).body_hex);
}

TEST(loader_test, checks_expectations) {
  auto with_expect = [](const char* text) {
    return error_with([&](json& d) { d["steps"][1] = json::parse(text); });
  };
  expect_error(with_expect(R"({"expect": "a", "reply": "RoomCreated", "timeout_ms": 0})"),
               "/steps/1/timeout_ms", "between 1 and 600000, got 0");
  expect_error(with_expect(R"({"expect": "a", "reply": "RoomCreated", "timeout_ms": 600001})"),
               "/steps/1/timeout_ms", "between 1 and 600000");
  expect_error(with_expect(R"({"expect": "a", "reply": "RoomCreated", "timeout_ms": 2.5})"),
               "/steps/1/timeout_ms", "whole number");
  expect_error(with_expect(R"({"expect": "a", "reply": "RoomCreated", "timeout_ms": 1e6})"),
               "/steps/1/timeout_ms", "between 1 and 600000, got 1000000.0");
  // A whole number written with a fraction is an integer, as in JSON Schema.
  EXPECT_EQ(with_expect(R"({"expect": "a", "reply": "RoomCreated", "timeout_ms": 2e3})").message,
            "<loaded>");
  expect_error(with_expect(R"({"expect": "a"})"), "/steps/1",
               "missing required key: one of 'reply', 'replies' or 'any_of'");
  expect_error(with_expect(R"({"expect": "a", "reply": "RoomCreated", "replies": ["*"]})"),
               "/steps/1", "'reply' and 'replies' cannot be combined");
  expect_error(with_expect(R"({"expect": "a", "reply": "RoomCreated", "then": "shut"})"),
               "/steps/1/then", "unknown 'then' value 'shut'");
  expect_error(with_expect(R"({"expect": "a", "any_of": [{"reply": "*"}], "then": "open"})"),
               "/steps/1", "'then' goes inside each alternative");
  expect_error(with_expect(R"({"expect": "a", "any_of": [{"closed": false}]})"),
               "/steps/1/any_of/0/closed", "can only be true");
  expect_error(with_expect(R"({"expect": "a", "any_of": [{"closed": true, "then": "open"}]})"),
               "/steps/1/any_of/0", "'then' does not apply");
  expect_error(with_expect(R"({"expect": "a", "any_of": [{"note": "x"}]})"), "/steps/1/any_of/0",
               "missing required key: one of 'reply', 'replies' or 'closed'");
  expect_error(with_expect(R"({"expect": "a", "any_of": [{"reply": "*", "grade": "MIGHT"}]})"),
               "/steps/1/any_of/0/grade", "unknown grade 'MIGHT'");
  expect_error(with_expect(R"({"expect": "a", "any_of": []})"), "/steps/1/any_of",
               "at least one alternative");
  expect_error(with_expect(R"({"expect": "a", "replies": []})"), "/steps/1/replies",
               "at least one reply");
  expect_error(with_expect(R"({"expect": "a", "reply": 7})"), "/steps/1/reply",
               "expected a reply type (\"RoomCreated\") or a reply pattern object");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "RoomCreated",
                                                        "local": {"v4": null}}})"),
               "/steps/1/reply/local", "only allowed for ClientContact and PeerContact");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "*", "capture": "x"}})"),
               "/steps/1/reply/capture", "only allowed for ClientContact and PeerContact");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "PeerContact",
                                                        "public": {"v6": "@a"}}})"),
               "/steps/1/reply/public/v6",
               "connection 'a' is IPv4, so '@a' can only be used in the \"v4\" field");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "PeerContact",
                                                        "public": {"v4": "@z"}}})"),
               "/steps/1/reply/public/v4", "connection 'z' is not declared");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "PeerContact",
                                                        "public": {"v4": 4}}})"),
               "/steps/1/reply/public/v4", "expected null, an address");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "PeerContact",
                                                        "local": {"v6": "1.2.3.4:5"}}})"),
               "/steps/1/reply/local/v6", "is an IPv4 address in the \"v6\" field");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "PeerContact",
                                                        "local": {"v5": null}}})"),
               "/steps/1/reply/local", "unknown key 'v5'");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "PeerContact",
                                                        "contact": "${them}"}})"),
               "/steps/1/reply/contact", "capture 'them' is not defined before this step");
  expect_error(with_expect(R"({"expect": "a", "reply": {"type": "PeerContact",
                                                        "contact": "them"}})"),
               "/steps/1/reply/contact", "expected \"${name}\"");
  expect_error(with_expect(R"({"expect": "a", "replies": [
                                {"type": "ClientContact", "capture": "me"},
                                {"type": "PeerContact", "capture": "me"}]})"),
               "/steps/1/replies/1/capture", "capture 'me' is already defined");
  // A capture is usable by later patterns of the same alternative.
  EXPECT_EQ(with_expect(R"({"expect": "a", "replies": [
                             {"type": "ClientContact", "capture": "me"},
                             {"type": "PeerContact", "contact": "${me}"}]})")
                .message,
            "<loaded>");
  expect_error(with_expect(R"({"expect_silence": "a"})"), "/steps/1", "missing required key 'ms'");
  expect_error(with_expect(R"({"wait_ms": -5})"), "/steps/1/wait_ms", "between 1 and 600000");
  expect_error(with_expect(R"({"wait_ms": 5, "conn": "a"})"), "/steps/1", "unknown key 'conn'");
  expect_error(with_expect(R"({"wait_ms": 5, "scaled": 1})"), "/steps/1/scaled",
               "expected true or false");
  expect_error(with_expect(R"({"close": "a", "how": "reset"})"), "/steps/1/how",
               "unknown close mode 'reset'");
  expect_error(with_expect(R"({"expect_closed": 5})"), "/steps/1/expect_closed",
               "expected a string, got a number");
}

TEST(loader_test, rejects_steps_on_a_connection_closed_earlier) {
  auto with_steps = [](const std::string& steps) {
    return error_with([&](json& d) { d["steps"] = json::parse(steps); });
  };
  const std::string send =
      R"({"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}})";
  // A request in flight, then the close: fine; a reply expected after it is not.
  expect_error(
      with_steps("[" + send +
                 R"(, {"close": "a", "how": "rst"}, {"expect": "a", "reply": "RoomCreated"}])"),
      "/steps/2/expect", "connection 'a' was closed (rst) by /steps/1: no step can use it");
  expect_error(with_steps("[" + send + R"(, {"close": "a"}, )" + send + "]"), "/steps/2/send",
               "was closed (fin) by /steps/1");
  expect_error(with_steps("[" + send + R"(, {"close": "a"}, {"close": "a", "how": "rst"}])"),
               "/steps/2/close", "was closed (fin)");
  // Half-closed: still read, never written, not half-closed twice.
  expect_error(with_steps("[" + send + R"(, {"close": "a", "how": "half"}, )" + send + "]"),
               "/steps/2/send", "half-closed by /steps/1: it can still be read");
  expect_error(
      with_steps("[" + send + R"(, {"close": "a", "how": "half"}, {"close": "a", "how": "half"}])"),
      "/steps/2", "already half-closed by /steps/1");
  auto ok = parse_scenario(
      R"({"id": "t/x", "summary": "s", "requirements": ["M-1"], "grade": "MUST", "rooms": ["room"],
          "connections": {"a": {}, "b": {}},
          "steps": [)" +
          send + R"(, {"close": "a", "how": "half"},
                    {"expect": "a", "reply": "RoomCreated"}, {"close": "a", "how": "rst"},
                    {"concurrent": [[{"close": "b"}], [{"wait_ms": 1}]]}]})",
      "x.json");
  EXPECT_TRUE(ok) << ok.error().what();
  // A close inside a branch counts after the concurrent step.
  expect_error(error_with([&](json& d) {
                 d["connections"]["b"] = json::object();
                 d["steps"] = json::parse(R"([{"concurrent": [[{"close": "b"}], [{"wait_ms": 1}]]},
                                     {"expect": "b", "reply": "RoomCreated"}])");
               }),
               "/steps/1/expect", "connection 'b' was closed (fin) by /steps/0/concurrent/0/0");
}

TEST(loader_test, checks_concurrent_steps) {
  auto with_step = [](const std::string& text) {
    return error_with([&](json& d) {
      d["connections"]["b"] = json::object();
      d["steps"][1] = json::parse(text);
    });
  };
  expect_error(with_step(R"({"concurrent": [[{"wait_ms": 1}]]})"), "/steps/1/concurrent",
               "at least two branches");
  expect_error(with_step(R"({"concurrent": [[{"wait_ms": 1}], []]})"), "/steps/1/concurrent/1",
               "at least one step");
  expect_error(with_step(R"({"concurrent": [[{"expect_silence": "a", "ms": 5}],
                                            [{"wait_ms": 1}, {"close": "a"}]]})"),
               "/steps/1/concurrent", "connection 'a' is used in branches 0 and 1");
  expect_error(with_step(R"({"concurrent": [[{"close": "q"}], [{"wait_ms": 1}]]})"),
               "/steps/1/concurrent/0/0/close", "connection 'q' is not declared");
  // A branch does not see its sibling's captures.
  expect_error(with_step(R"({"concurrent": [
                   [{"expect": "a", "reply": {"type": "ClientContact", "capture": "x"}}],
                   [{"expect": "b", "reply": {"type": "PeerContact", "contact": "${x}"}}]]})"),
               "/steps/1/concurrent/1/0/reply/contact", "capture 'x' is not defined");
  // Nesting is bounded, so hostile input cannot exhaust the stack.
  std::string nested = R"({"wait_ms": 1})";
  for (int i = 0; i < 20; ++i) {
    nested = R"({"concurrent": [[)" + nested + R"(], [{"wait_ms": 1}]]})";
  }
  const load_error deep = with_step(nested);
  EXPECT_NE(deep.message.find("nest more than 8 levels"), std::string::npos) << deep.what();
  EXPECT_EQ(deep.pointer.rfind("/steps/1/concurrent/0/0/concurrent", 0), 0u) << deep.pointer;
}

// Random damage to valid files: every outcome is a scenario or a useful error.
TEST(loader_test, survives_mutated_input) {
  std::mt19937 random(20240611);
  const std::string original = full_scenario;
  const std::string interesting = "{}[]\":,$@\\ 0-9eE.ntf\x80\xff";
  int loaded = 0;
  int rejected = 0;
  auto check = [&](const std::string& text) {
    auto result = parse_scenario(text, "fuzz.json", "messages/full");
    if (result) {
      ++loaded;
    } else {
      ++rejected;
      EXPECT_FALSE(result.error().message.empty()) << text;
      EXPECT_EQ(result.error().file, "fuzz.json");
    }
  };
  // Byte level: flip, insert, delete.
  for (int i = 0; i < 2000; ++i) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = random() % text.size();
      switch (random() % 3) {
        case 0:
          text[at] = static_cast<char>(text[at] ^ (1 << (random() % 8)));
          break;
        case 1:
          text.insert(at, 1, interesting[random() % interesting.size()]);
          break;
        default:
          text.erase(at, 1);
          break;
      }
    }
    check(text);
  }
  // Value level: replace one node of the document with something else, so
  // that the damage reaches the validator rather than the JSON parser.
  const json document = json::parse(original);
  std::vector<json::json_pointer> nodes;
  std::function<void(const json&, const json::json_pointer&)> collect =
      [&](const json& node, const json::json_pointer& at) {
        nodes.push_back(at);
        if (node.is_object()) {
          for (const auto& [key, value] : node.items()) collect(value, at / key);
        } else if (node.is_array()) {
          for (std::size_t i = 0; i < node.size(); ++i) collect(node[i], at / i);
        }
      };
  collect(document, json::json_pointer());
  const std::vector<json> replacements = {nullptr,
                                          true,
                                          0,
                                          -1,
                                          1.5,
                                          1e9,
                                          "",
                                          "x",
                                          "${room}",
                                          "@a",
                                          "*",
                                          "v1",
                                          json::array(),
                                          json::object(),
                                          json::array({1, 2}),
                                          json::object({{"type", "RoomCreated"}})};
  for (int i = 0; i < 2000; ++i) {
    json mutated = document;
    const auto& at = nodes[random() % nodes.size()];
    if (!at.empty() && random() % 4 == 0) {
      json& parent = mutated.at(at.parent_pointer());
      if (parent.is_object()) parent.erase(at.back());
      if (parent.is_array()) parent.erase(static_cast<std::size_t>(std::stoul(at.back())));
    } else {
      mutated.at(at) = replacements[random() % replacements.size()];
    }
    check(mutated.dump());
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(loaded, 0);  // some damage is harmless (a note, a tag)
}

class temp_dir {
 public:
  temp_dir() {
    std::random_device seed;
    path_ = fs::temp_directory_path() / ("gday-loader-test-" + std::to_string(seed()));
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }
  void write(const std::string& relative, const std::string& text) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

std::string scenario_with_id(const std::string& id) {
  json document = base();
  document["id"] = id;
  return document.dump(2);
}

TEST(loader_test, loads_a_folder_and_collects_every_error) {
  temp_dir dir;
  dir.write("messages/good.json", scenario_with_id("messages/good"));
  dir.write("messages/bad.json", "{\"id\": \"messages/bad\",\n  oops}");
  dir.write("lifecycle/moved.json", scenario_with_id("messages/moved"));
  dir.write("scenario.schema.json", "{\"$schema\": \"not a scenario\"}");
  dir.write("README.md", "# not JSON");
  const std::string root = dir.path().generic_string();

  auto result = load_scenarios(root);
  ASSERT_FALSE(result);
  const auto& errors = result.error();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].file, root + "/lifecycle/moved.json");
  EXPECT_EQ(errors[0].pointer, "/id");
  EXPECT_EQ(errors[0].message,
            "id 'messages/moved' does not match the file path 'lifecycle/moved.json'");
  EXPECT_EQ(errors[1].file, root + "/messages/bad.json");
  EXPECT_NE(errors[1].message.find("invalid JSON: parse error at line 2"), std::string::npos)
      << errors[1].message;

  // Once fixed, everything loads, sorted by id.
  dir.write("messages/bad.json", scenario_with_id("messages/bad"));
  fs::remove(dir.path() / "lifecycle/moved.json");
  dir.write("lifecycle/moved.json", scenario_with_id("lifecycle/moved"));
  auto fixed = load_scenarios(root);
  ASSERT_TRUE(fixed) << fixed.error().at(0).what();
  ASSERT_EQ(fixed->size(), 3u);
  EXPECT_EQ((*fixed)[0].id, "lifecycle/moved");
  EXPECT_EQ((*fixed)[1].id, "messages/bad");
  EXPECT_EQ((*fixed)[2].id, "messages/good");
  EXPECT_EQ((*fixed)[2].file, root + "/messages/good.json");

  auto missing = load_scenarios(root + "/nowhere");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().at(0).message.find("not a directory"), std::string::npos);
}

}  // namespace

namespace {

// A small valid client scenario that error cases modify.
json client_base() {
  return json::parse(R"({
    "id": "client/base",
    "summary": "The creator stops on ErrorRoomTaken",
    "requirements": ["C-3"],
    "grade": "MUST",
    "client": {"roles": ["creator"], "judged": ["creator"],
               "server": [{"on": "CreateRoom", "nth": 2, "reply": "ErrorRoomTaken", "then": "closed"}],
               "exit": "failure", "says": ["taken"], "within_ms": 3000}
  })");
}

load_error client_error_with(const std::function<void(json&)>& change) {
  json document = client_base();
  change(document);
  return error_of(document.dump());
}

TEST(loader_test, loads_a_client_scenario) {
  auto s = parse_scenario(client_base().dump(), "x.json");
  ASSERT_TRUE(s) << s.error().what();
  ASSERT_TRUE(s->client.has_value());
  const auto& c = *s->client;
  EXPECT_EQ(c.roles, std::vector<std::string>{"creator"});
  ASSERT_EQ(c.server.size(), 1u);
  EXPECT_EQ(c.server[0].on, "CreateRoom");
  EXPECT_EQ(c.server[0].nth, 2u);
  EXPECT_EQ(c.server[0].what, gday::core::script_rule::action::reply);
  EXPECT_EQ(c.server[0].reply, gday::wire::server_msg_type::error_room_taken);
  EXPECT_TRUE(c.server[0].then_close);
  EXPECT_EQ(c.exit, client_exit::failure);
  EXPECT_EQ(c.within, std::chrono::milliseconds(3000));
  EXPECT_TRUE(s->steps.empty());
}

TEST(loader_test, rejects_client_scenarios_that_do_not_make_sense) {
  expect_error(client_error_with([](json& d) { d["client"]["judged"] = {"joiner"}; }),
               "/client/judged/0", "not in roles");
  expect_error(client_error_with([](json& d) { d["client"]["exit"] = "success"; }), "/client/says",
               "only when the exit is a failure");
  expect_error(client_error_with([](json& d) { d["client"]["server"][0]["stall"] = true; }),
               "/client/server/0", "reply");
  expect_error(client_error_with([](json& d) { d["client"]["server"][0]["on"] = "Create"; }),
               "/client/server/0/on", "CreateRoom");
  expect_error(client_error_with([](json& d) { d["client"]["server"][0]["reply"] = "Nope"; }),
               "/client/server/0/reply", "unknown reply type");
  expect_error(client_error_with([](json& d) { d["steps"] = json::array(); }), "/steps",
               "a client scenario has no steps");
  expect_error(client_error_with([](json& d) { d["client"]["roles"] = json::array(); }),
               "/client/roles", "at least one role");
  expect_error(client_error_with([](json& d) { d["client"]["whatever"] = 1; }), "/client",
               "whatever");
  expect_error(client_error_with([](json& d) { d["client"]["server"][0]["role"] = "peer"; }),
               "/client/server/0/role", "joiner");
  expect_error(client_error_with([](json& d) {
                 d["client"]["server"][0]["on"] = "*";
                 d["client"]["server"][0]["role"] = "joiner";
               }),
               "/client/server/0/role", "not \"*\"");
  expect_error(client_error_with([](json& d) { d["client"]["exit"] = "waiting"; }), "/client/says",
               "only when the exit is a failure");
}

TEST(loader_test, reads_a_rules_role_a_largest_write_and_a_waiting_exit) {
  json d = client_base();
  d["client"]["server"] = json::parse(
      R"([{"on": "ReadyToShare", "role": "joiner", "answer": true, "writes": "largest"}])");
  d["client"]["exit"] = "waiting";
  d["client"].erase("says");
  auto s = parse_scenario(d.dump(), "x.json");
  ASSERT_TRUE(s) << s.error().what();
  const auto& c = *s->client;
  ASSERT_EQ(c.server.size(), 1u);
  EXPECT_EQ(c.server[0].role, "joiner");
  EXPECT_EQ(c.server[0].writes, gday::core::script_rule::shape::largest);
  EXPECT_EQ(c.exit, client_exit::waiting);
}

TEST(loader_test, rejects_what_is_listed_twice) {
  expect_error(error_with([](json& d) {
                 d["requirements"] = {"M-1", "M-1"};
               }),
               "/requirements/1", "requirement 'M-1' is listed twice");
  expect_error(error_with([](json& d) {
                 d["profiles"] = {"v2", "v2"};
               }),
               "/profiles/1", "profile 'v2' is listed twice");
  expect_error(client_error_with([](json& d) {
                 d["client"]["roles"] = {"creator", "creator"};
               }),
               "/client/roles/1", "role 'creator' is listed twice");
}

TEST(loader_test, rejects_a_whole_contact_combined_with_its_parts) {
  const load_error e = error_with([](json& d) {
    d["steps"][1] = json::parse(
        R"({"expect": "a", "reply": {"type": "PeerContact", "contact": "${x}", "local": {"v4": null}}})");
  });
  expect_error(e, "/steps/1/reply",
               "'contact' matches the whole contact; it cannot be combined with 'local' or "
               "'public'");
}

TEST(loader_test, rejects_a_capture_defined_in_two_branches) {
  const load_error e = error_with([](json& d) {
    d["connections"]["b"] = json::object();
    d["steps"][1] = json::parse(R"({"concurrent": [
        [{"expect": "a", "reply": {"type": "ClientContact", "capture": "x"}}],
        [{"expect": "b", "reply": {"type": "ClientContact", "capture": "x"}}]]})");
  });
  expect_error(e, "/steps/1/concurrent/1",
               "capture 'x' is defined in two branches; pick another name");
}

TEST(loader_test, rejects_client_rules_that_cannot_be_followed) {
  expect_error(client_error_with([](json& d) { d["client"]["prints_peer_contact"] = true; }),
               "/client/prints_peer_contact", "a client that fails prints no peer contact");
  expect_error(client_error_with([](json& d) {
                 d["client"]["server"][0].erase("reply");
                 d["client"]["server"][0]["stall"] = true;
               }),
               "/client/server/0/then", "the connection is already stalled or closed");
  expect_error(client_error_with([](json& d) {
                 d["client"]["server"][0].erase("reply");
                 d["client"]["server"][0]["close"] = "rst";
               }),
               "/client/server/0/then", "the connection is already stalled or closed");
}

TEST(loader_test, refuses_a_file_larger_than_16_mib) {
  temp_dir dir;
  dir.write("messages/good.json", scenario_with_id("messages/good"));
  dir.write("messages/huge.json", "");
  fs::resize_file(dir.path() / "messages/huge.json", (16u << 20) + 1);  // sparse: no disk used
  const std::string root = dir.path().generic_string();
  auto result = load_scenarios(root);
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().size(), 1u);
  EXPECT_EQ(result.error()[0].file, root + "/messages/huge.json");
  EXPECT_EQ(result.error()[0].message, "the file is larger than 16 MiB");
}

TEST(loader_test, quotes_keys_readably_in_errors) {
  // Control characters and backslashes are escaped; '~' and '/' in a key are
  // escaped in the JSON pointer.
  expect_error(error_of(R"({"a~b/c": {"x\n\t\\y": 1, "x\n\t\\y": 2}})"), "/a~0b~1c",
               R"(duplicate key 'x\n\t\\y')");
  // A long key is cut to 60 bytes, never inside a UTF-8 character.
  const std::string long_key = std::string(59, 'k') + "\xc3\xa9" + std::string(10, 'k');
  const load_error e = error_of(R"({")" + long_key + R"(": 1, ")" + long_key + R"(": 2})");
  expect_error(e, "", "duplicate key '" + std::string(59, 'k') + "...'");
}

}  // namespace
