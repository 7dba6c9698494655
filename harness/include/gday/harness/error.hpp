#pragma once
/// Errors of the harness as values, each in a category that maps onto the
/// documented exit codes of run-scenarios and gday-fuzz-remote (exit_code).

#include <string>
#include <string_view>
#include <system_error>

#include "gday/base/result.hpp"

namespace gday::harness {

/// Why the harness cannot go on (or, for `skip`, cannot run one scenario).
enum class error {
  usage = 1,        ///< a flag, a selection or a file named by a flag is wrong (exit 2)
  scenario_file,    ///< a scenario file does not load (exit 2)
  target_unusable,  ///< the target is unreachable, crashed or answers nonsense (exit 3)
  skip,             ///< the target cannot meet a scenario's settings: SKIP, not a failure
};

/// The category named "gday.harness".
const std::error_category& harness_category() noexcept;

/// Lets `std::error_code ec = error::usage;` work.
std::error_code make_error_code(error e) noexcept;

/// Short stable name ("target_unusable").
std::string_view to_string(error e) noexcept;

/// The documented exit code of a run that ends with `e`: 2 usage or
/// scenario file, 3 target unusable, 0 skip (a skip never ends a run).
int exit_code(error e) noexcept;

/// An error with a sentence for a human ("'lifecycle/x' matches no scenario").
struct failure {
  error code = error::usage;
  std::string message;

  /// The message (the category is for the exit code, not for the reader).
  const std::string& what() const noexcept { return message; }
};

/// A value, or the failure that explains why there is none.
template <class T>
using result = base::basic_result<T, failure>;

/// Success without a value, for result<done>.
struct done {};

}  // namespace gday::harness

template <>
struct std::is_error_code_enum<gday::harness::error> : std::true_type {};
