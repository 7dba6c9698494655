#include "gday/harness/scenario_keys.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gday/harness/loader.hpp"
#include "gday/test/json_schema.hpp"
#include "gday/test/support.hpp"

namespace {

namespace fs = std::filesystem;
namespace h = gday::harness;
using gday::test::json_schema;
using nlohmann::json;

// Every scenario file of the library (the schema itself excluded).
std::vector<fs::path> scenario_files() {
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::recursive_directory_iterator(gday::test::data_path("../scenarios"))) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.ends_with(".json") && !name.ends_with(".schema.json")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  " + line;
  return out;
}

constexpr const char* minimal = R"({
  "id": "x/minimal", "summary": "A minimal scenario", "requirements": ["M-1"], "grade": "MUST",
  "rooms": ["room"], "connections": {"a": {}},
  "steps": [{"send": "a", "message": {"type": "CreateRoom", "room_code": "${room}"}},
            {"expect": "a", "reply": "RoomCreated"}]
})";

TEST(scenario_schema_test, every_scenario_file_validates) {
  const json_schema schema(gday::test::scenario_schema_document());
  const auto files = scenario_files();
  ASSERT_GT(files.size(), 10u);
  for (const auto& file : files) {
    const auto errors = schema.validate(json::parse(gday::test::read_file(file.string())));
    EXPECT_TRUE(errors.empty()) << file.string() << joined(errors);
  }
}

TEST(scenario_schema_test, broken_scenarios_fail_validation) {
  const json_schema schema(gday::test::scenario_schema_document());
  const json base = json::parse(minimal);
  ASSERT_TRUE(schema.validate(base).empty()) << joined(schema.validate(base));
  ASSERT_TRUE(h::parse_scenario(minimal, "minimal.json")) << "the baseline must load";
  const std::vector<std::pair<std::string, std::function<void(json&)>>> breakages = {
      {"an unknown top-level key", [](json& s) { s["extra"] = 1; }},
      {"a missing summary", [](json& s) { s.erase("summary"); }},
      {"an unknown grade", [](json& s) { s["grade"] = "MUSTN'T"; }},
      {"a malformed requirement", [](json& s) { s["requirements"] = {"M1"}; }},
      {"an unknown step key", [](json& s) { s["steps"][0]["chunk"] = "whole"; }},
      {"two reply forms", [](json& s) { s["steps"][1]["replies"] = {"RoomCreated"}; }},
      {"an unknown reply type", [](json& s) { s["steps"][1]["reply"] = "RoomMade"; }},
      {"a timeout of zero", [](json& s) { s["steps"][1]["timeout_ms"] = 0; }},
      {"a contact pattern on RoomCreated",
       [](json& s) {
         s["steps"][1]["reply"] = {{"type", "RoomCreated"}, {"capture", "c"}};
       }},
      {"no steps", [](json& s) { s["steps"] = json::array(); }},
      {"a connection family of 5", [](json& s) { s["connections"]["a"]["family"] = 5; }},
      {"length with length_delta",
       [](json& s) {
         s["steps"][0] = {{"send_body", "a"}, {"body", "{}"}, {"length", 1}, {"length_delta", 1}};
       }},
  };
  for (const auto& [what, breakage] : breakages) {
    json broken = base;
    breakage(broken);
    EXPECT_FALSE(schema.validate(broken).empty()) << what << " passed validation";
  }
}

TEST(scenario_schema_test, validator_refuses_keywords_it_does_not_implement) {
  EXPECT_THROW(json_schema(json{{"type", "string"}, {"format", "email"}}), std::invalid_argument);
  EXPECT_THROW(json_schema(json{{"items", {{"maxLength", 3}}}}), std::invalid_argument);
  EXPECT_THROW(json_schema(json{{"$ref", "other.json#/x"}}), std::invalid_argument);
  EXPECT_NO_THROW(json_schema{gday::test::scenario_schema_document()});
}

std::set<std::string> key_set(std::span<const std::string_view> keys) {
  return {keys.begin(), keys.end()};
}

// The loader's accepted keys (scenario_keys.hpp, which the loader checks
// objects against) and the schema's properties name the same keys for every
// kind of object, in both directions.
TEST(scenario_schema_test, loader_and_schema_accept_the_same_keys) {
  const json schema = gday::test::scenario_schema_document();
  std::set<int> kinds_seen;
  for (const auto& object : h::schema_objects()) {
    kinds_seen.insert(static_cast<int>(object.kind));
    const json::json_pointer at{std::string(object.pointer)};
    ASSERT_TRUE(schema.contains(at)) << object.pointer << " is not in the schema";
    const json& sub = schema.at(at);
    EXPECT_EQ(sub.value("additionalProperties", json(true)), json(false))
        << object.pointer << " is not a closed object schema";
    std::set<std::string> in_schema;
    const json properties = sub.value("properties", json::object());
    for (const auto& [key, value] : properties.items()) in_schema.insert(key);
    const auto in_loader = key_set(h::accepted_keys(object.kind));
    for (const auto& key : in_loader) {
      EXPECT_TRUE(in_schema.count(key)) << "the loader accepts '" << key << "' at "
                                        << object.pointer << " but the schema does not name it";
    }
    for (const auto& key : in_schema) {
      EXPECT_TRUE(in_loader.count(key)) << "the schema names '" << key << "' at " << object.pointer
                                        << " but the loader rejects it";
    }
  }
  for (int kind = 0; kind < h::object_kind_count; ++kind) {
    EXPECT_TRUE(kinds_seen.count(kind)) << "object kind " << kind << " has no schema";
  }
}

// Every closed object schema in the file is one the loader knows: a new kind
// of object in the schema needs its row in scenario_keys.
TEST(scenario_schema_test, every_object_schema_is_known_to_the_loader) {
  const json schema = gday::test::scenario_schema_document();
  std::set<std::string> known;
  for (const auto& object : h::schema_objects()) known.insert(std::string(object.pointer));
  std::vector<std::string> closed;
  std::function<void(const json&, const std::string&)> walk = [&](const json& v,
                                                                  const std::string& pointer) {
    if (v.is_object()) {
      if (v.contains("properties") && v.value("additionalProperties", json(true)) == json(false)) {
        closed.push_back(pointer);
      }
      for (const auto& [key, sub] : v.items()) {
        walk(sub, (json::json_pointer(pointer) / key).to_string());
      }
    } else if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) walk(v[i], pointer + "/" + std::to_string(i));
    }
  };
  walk(schema, "");
  EXPECT_EQ(closed.size(), known.size());
  for (const auto& pointer : closed) {
    EXPECT_TRUE(known.count(pointer)) << pointer << " is not listed in scenario_keys";
  }
}

// The loader rejects a key outside its table for every kind (the table is
// what it checks against), with a did-you-mean-free unknown key.
TEST(scenario_schema_test, loader_rejects_keys_outside_the_table) {
  json base = json::parse(minimal);
  base["zzqx"] = 1;
  const auto top = h::parse_scenario(base.dump(), "x.json");
  ASSERT_FALSE(top);
  EXPECT_NE(top.error().message.find("unknown key 'zzqx'"), std::string::npos);
  for (std::string_view key : h::accepted_keys(h::object_kind::scenario)) {
    EXPECT_NE(top.error().message.find(std::string(key)), std::string::npos) << key;
  }
}

}  // namespace
