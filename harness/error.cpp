#include "gday/harness/error.hpp"

namespace gday::harness {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gday.harness"; }
  std::string message(int value) const override {
    return std::string(to_string(static_cast<error>(value)));
  }
};

}  // namespace

const std::error_category& harness_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), harness_category()};
}

std::string_view to_string(error e) noexcept {
  switch (e) {
    case error::usage:
      return "usage";
    case error::scenario_file:
      return "scenario_file";
    case error::target_unusable:
      return "target_unusable";
    case error::skip:
      return "skip";
  }
  return "unknown";
}

int exit_code(error e) noexcept {
  switch (e) {
    case error::usage:
    case error::scenario_file:
      return 2;
    case error::target_unusable:
      return 3;
    case error::skip:
      return 0;
  }
  return 2;
}

}  // namespace gday::harness
