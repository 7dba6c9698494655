#include "gday/harness/scenario.hpp"

#include <algorithm>

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

bool is_slow(const scenario& s) noexcept {
  return std::find(s.tags.begin(), s.tags.end(), slow_tag) != s.tags.end();
}

}  // namespace gday::harness
