#pragma once
/// What every command line of the project does the same way: report a
/// usage error, end with a harness failure's exit code, write a report file.

#include <string>
#include <string_view>

#include "gday/harness/error.hpp"

namespace gday::cli {

/// Prints "PROGRAM: MESSAGE" and "Try 'PROGRAM --help'." to stderr and
/// returns the usage exit code (2).
int usage_error(std::string_view program, std::string_view message);

/// Prints "PROGRAM: MESSAGE" for `f` to stderr and returns its documented
/// exit code (harness::exit_code). Errors in the flags themselves go through
/// usage_error instead, for the --help hint.
int report_failure(std::string_view program, const harness::failure& f);

/// "PROGRAM 0.1.0 (git v0.1.0-12-gabcdef123456)", or "(not built from a git
/// checkout)": what --version prints first.
std::string version_line(std::string_view program);

/// The scenario library that came with this program: the folder
/// GDAY_SCENARIOS_RELATIVE (configured: "../share/gday-conformance/scenarios")
/// from the folder of the running executable. Found relative to the
/// executable, so an installed tree can move; in a build tree the same path
/// is a link to the source tree's scenarios/.
std::string default_scenarios_dir();

/// Writes `text` to `path`; a usage error "cannot write PATH" otherwise.
harness::result<harness::done> write_report(const std::string& path, std::string_view text);

}  // namespace gday::cli
