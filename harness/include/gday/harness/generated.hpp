#pragma once
/// Scenario files generated from a model instead of written by hand: the
/// `vanish/` matrix (spec F-6). Every request of the exchange, for each role
/// that sends it and at each point of the other side's progress, is sent and
/// its connection vanishes (FIN, RST, half-close; at once or after 20 ms);
/// the other side carries on and a new connection of the vanished role
/// rejoins. A small model of a correct server, run once per outcome the spec
/// allows (the vanished request handled or not, a dead waiter kept or
/// dropped), gives every step's acceptable replies.
///
/// The files are committed; `run-scenarios --write-generated DIR` rewrites
/// them and a test checks that the committed ones are current.

#include <string>
#include <vector>

namespace gday::harness {

/// One generated scenario file.
struct generated_file {
  std::string path;  ///< relative to the scenario folder, "vanish/creator-create.json"
  std::string text;  ///< the whole file
};

/// Folders (relative to the scenario folder) that hold only generated files.
std::vector<std::string> generated_folders();

/// Every generated file, in a stable order.
std::vector<generated_file> generated_scenarios();

}  // namespace gday::harness
