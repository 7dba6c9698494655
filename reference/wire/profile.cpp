#include "gday/wire/profile.hpp"

namespace gday::wire {

std::optional<profile> parse_profile(std::string_view text) noexcept {
  if (text.size() == 2 && (text[0] == 'v' || text[0] == 'V')) {
    text.remove_prefix(1);
  }
  if (text == "1") return profile::v1;
  if (text == "2") return profile::v2;
  if (text == "3") return profile::v3;
  return std::nullopt;
}

std::string_view to_string(profile p) noexcept {
  switch (p) {
    case profile::v1:
      return "v1";
    case profile::v2:
      return "v2";
    case profile::v3:
      return "v3";
  }
  return "v?";
}

}  // namespace gday::wire
