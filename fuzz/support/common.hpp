#pragma once
// Helpers the fuzz targets share.

#include <cstdint>
#include <string>
#include <string_view>

#include "gday/base/hex.hpp"
#include "gday/wire/profile.hpp"

namespace gday::fuzz {

/// The profile a selector byte names: 1 is v1, 2 is v2, 3 is v3; any other
/// byte counts modulo 3, 0 is v3 (docs/fuzzing.md).
inline wire::profile profile_of(std::uint8_t selector) {
  switch (selector % 3) {
    case 1:
      return wire::profile::v1;
    case 2:
      return wire::profile::v2;
    default:
      return wire::profile::v3;
  }
}

/// Bytes as lower-case hex digits without spaces (for failure messages).
/// Kept for tls_session_seeds.cpp; other targets call base::encode_hex.
inline std::string hex(std::string_view bytes) { return base::encode_hex(bytes); }

}  // namespace gday::fuzz
