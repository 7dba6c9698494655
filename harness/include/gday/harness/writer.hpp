#pragma once
/// Writing the scenario model back to a scenario file (scenarios/README.md):
/// the inverse of the loader, so that generated scenarios (the network
/// fuzzer's reproducers) are always files the loader accepts.
/// parse_scenario(write_scenario(s)) gives back `s` for every valid `s`.

#include <string>

#include <nlohmann/json.hpp>

#include "gday/harness/scenario.hpp"

namespace gday::harness {

/// One step as it appears in a file's "steps"; defaults are left out.
nlohmann::ordered_json to_json(const step& s);

/// The whole scenario as a file's JSON, keys in the README's order; `file`
/// and the JSON pointers are not written (they say where it was loaded from).
nlohmann::ordered_json to_json(const scenario& s);

/// to_json(s) as the text of a file: indented by two, ending with a newline.
std::string write_scenario(const scenario& s);

}  // namespace gday::harness
