#include "gday/harness/scenario.hpp"

namespace gday::harness {

std::string_view to_string(grade g) noexcept {
  switch (g) {
    case grade::must:
      return "MUST";
    case grade::should:
      return "SHOULD";
    case grade::may:
      return "MAY";
  }
  return "MUST";
}

}  // namespace gday::harness
