#pragma once
// A JSON Schema (draft 2020-12) validator for the keywords that
// scenarios/scenario.schema.json uses. Any other keyword is a hard error,
// so a schema that grows a keyword this validator ignores can never pass
// silently: the validator has to learn it first.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gday/test/support.hpp"

namespace gday::test {

/// Validates JSON values against one schema document; `$ref`s resolve
/// inside that document ("#/$defs/x").
class json_schema {
 public:
  /// Throws std::invalid_argument when `schema` uses a keyword or a form
  /// (non-local `$ref`, a `type` name) this validator does not implement.
  explicit json_schema(nlohmann::json schema);

  /// The ways `instance` breaks the schema, each "<instance pointer>: what";
  /// empty when it is valid.
  std::vector<std::string> validate(const nlohmann::json& instance) const;

 private:
  void check_keywords(const nlohmann::json& schema, const std::string& where) const;
  void check(const nlohmann::json& schema, const nlohmann::json& instance,
             const std::string& pointer, std::vector<std::string>& errors) const;
  bool valid(const nlohmann::json& schema, const nlohmann::json& instance) const;

  nlohmann::json root_;
};

/// The scenario library's schema document (scenarios/scenario.schema.json).
inline nlohmann::json scenario_schema_document() {
  return nlohmann::json::parse(read_file(data_path("../scenarios/scenario.schema.json")));
}

}  // namespace gday::test
