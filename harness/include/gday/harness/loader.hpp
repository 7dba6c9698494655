#pragma once
/// Loading scenario files: every problem is reported with the file, the JSON
/// pointer and what is wrong; the loader never crashes on any input.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gday/harness/scenario.hpp"
#include "gday/wire/result.hpp"

namespace gday::harness {

/// A problem in a scenario file: "scenarios/x.json: /steps/3/expect: unknown
/// reply type 'RoomCreatd' (did you mean RoomCreated?)".
struct load_error {
  std::string file;
  std::string pointer;  ///< JSON pointer ("" for the whole file)
  std::string message;
  std::string what() const;
};

/// Parses one scenario from text. `file` names it in errors; `expected_id`
/// (if not empty) must equal the scenario's id.
wire::basic_result<scenario, load_error> parse_scenario(std::string_view text,
                                                        const std::string& file,
                                                        const std::string& expected_id = {});

/// Loads scenarios/**/*.json under `root`; ids must match paths
/// ("lifecycle/room-expires" = root/lifecycle/room-expires.json). All errors
/// are collected; the result fails if any file failed.
wire::basic_result<std::vector<scenario>, std::vector<load_error>> load_scenarios(
    const std::string& root);

}  // namespace gday::harness
