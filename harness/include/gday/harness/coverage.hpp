#pragma once
/// Requirement coverage: which scenarios check each requirement of the spec
/// (docs/gday-contact-exchange.md §1-§6), and the generated
/// docs/conformance.md.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gday/harness/scenario.hpp"

namespace gday::harness {

/// A requirement of the spec and its level.
struct requirement {
  std::string_view id;     ///< "L-7"
  grade level;             ///< MUST, SHOULD or MAY
  std::string_view title;  ///< a few words
};

/// Every server requirement of spec §1-§6, in spec order.
std::span<const requirement> server_requirements() noexcept;

/// The client requirements of spec §8 (C-1..C-4), judged by client scenarios.
std::span<const requirement> client_requirements() noexcept;

/// One row of the coverage table.
struct coverage_row {
  const requirement* req = nullptr;
  std::vector<const scenario*> scenarios;  ///< those that list the requirement
};

/// The table, in spec order (server requirements, then client ones).
std::vector<coverage_row> compute_coverage(const std::vector<scenario>& scenarios);

/// Requirement IDs that scenarios name but the spec does not have.
std::vector<std::string> unknown_requirements(const std::vector<scenario>& scenarios);

/// True when every MUST and SHOULD requirement has at least one scenario.
bool fully_covered(const std::vector<coverage_row>& rows) noexcept;

/// The table for a terminal.
std::string coverage_text(const std::vector<coverage_row>& rows);

/// docs/conformance.md: every requirement with its level and scenarios.
std::string coverage_markdown(const std::vector<coverage_row>& rows,
                              const std::vector<scenario>& scenarios);

}  // namespace gday::harness
