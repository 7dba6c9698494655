#include "gday/cli/program.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace gday::cli {

int usage_error(std::string_view program, std::string_view message) {
  std::cerr << program << ": " << message << "\nTry '" << program << " --help'.\n";
  return harness::exit_code(harness::error::usage);
}

int report_failure(std::string_view program, const harness::failure& f) {
  std::cerr << program << ": " << f.message << "\n";
  return harness::exit_code(f.code);
}

extern const char* const build_revision;  // revision.cpp, generated at build time

std::string version_line(std::string_view program) {
  const std::string revision = build_revision;
  return std::string(program) + " " + GDAY_VERSION + " (" +
         (revision.empty() ? std::string("not built from a git checkout") : "git " + revision) +
         ")";
}

std::string default_scenarios_dir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  // Without /proc, relative to the working folder: the error that follows
  // names the folder that was tried.
  const auto base = ec ? std::filesystem::path(".") : self.parent_path();
  return (base / GDAY_SCENARIOS_RELATIVE).lexically_normal().string();
}

harness::result<harness::done> write_report(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) return harness::failure{harness::error::usage, "cannot write " + path};
  return harness::done{};
}

}  // namespace gday::cli
