#pragma once
/// Protocol profiles: the wire encodings of gday 0.3.x (v1), 0.4.x (v2), 0.5.x (v3).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gday::wire {

/// A protocol profile, chosen at run time. Its value is the version byte.
enum class profile : std::uint8_t {
  v1 = 1,  ///< gday 0.3.x: externally tagged JSON, 32-byte room codes, no body cap
  v2 = 2,  ///< gday 0.4.x: internally tagged (`type`), string room codes, 1024-byte cap
  v3 = 3,  ///< gday 0.5.x: as v2, version byte 3
};

/// The version byte every frame of this profile carries.
constexpr std::uint8_t version_byte(profile p) noexcept { return static_cast<std::uint8_t>(p); }

/// Largest body a frame of this profile may carry.
constexpr std::size_t max_body_length(profile p) noexcept {
  return p == profile::v1 ? 65535 : 1024;
}

/// True for v1: `{"Variant":{...}}`; false for v2/v3: `{"type":"Variant",...}`.
constexpr bool externally_tagged(profile p) noexcept { return p == profile::v1; }

/// True for v1 only: `ErrorInternal` exists.
constexpr bool has_error_internal(profile p) noexcept { return p == profile::v1; }

/// Parses "1", "2", "3" (also "v1"...); nullopt otherwise.
std::optional<profile> parse_profile(std::string_view text) noexcept;

/// "v1", "v2", "v3".
std::string_view to_string(profile p) noexcept;

}  // namespace gday::wire
