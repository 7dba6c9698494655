// Fuzzes harness::parse_scenario with arbitrary bytes: it must never crash,
// hang or throw, and must give either a scenario or an error that names the
// file and a JSON pointer. A scenario it accepts must load again when its id
// is the expected one, and what the writer makes of it must load back as the
// same model (harness/writer.hpp); a rejection must repeat identically.
//
// Input: the scenario file's bytes as they are (seeds are scenarios/**/*.json).
#include "gday/harness/loader.hpp"
#include "gday/harness/writer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace harness = gday::harness;

const std::string file_name = "fuzz.json";

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "scenario_loader_fuzzer: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = harness::parse_scenario(text, file_name);
  if (!loaded) {
    const harness::load_error& error = loaded.error();
    if (error.file != file_name) fail("an error that does not name the file", error.what());
    if (error.message.empty()) fail("an error without a message", error.what());
    if (!error.pointer.empty() && error.pointer.front() != '/') {
      fail("an error whose pointer is not a JSON pointer", error.what());
    }
    auto again = harness::parse_scenario(text, file_name);
    if (again || again.error().what() != error.what()) {
      fail("a rejection does not repeat", error.what());
    }
    return 0;
  }
  const harness::scenario& s = *loaded;
  if (s.file != file_name) fail("a scenario that does not name its file", s.file);
  if (s.id.empty()) fail("a scenario without an id");
  auto again = harness::parse_scenario(text, file_name, s.id);
  if (!again) fail("a scenario does not load with its own id", again.error().what());
  if (again->steps.size() != s.steps.size() || again->connections.size() != s.connections.size()) {
    fail("a scenario loads differently the second time", s.id);
  }
  const std::string written = harness::write_scenario(s);
  auto reloaded = harness::parse_scenario(written, file_name);
  if (!reloaded) fail("the writer's output does not load", reloaded.error().what());
  if (!(*reloaded == s)) fail("the writer's output loads as another scenario", written);
  return 0;
}
