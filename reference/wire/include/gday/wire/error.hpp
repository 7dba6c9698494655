#pragma once
/// Errors of the wire layer (framing, JSON, message shape) as values.

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace gday::wire {

/// What a frame or body broke. Every value names one cause a user can act on;
/// `rule_of` maps it to the spec requirement it belongs to.
enum class error {
  // Framing (spec §2).
  wrong_version = 1,  ///< header's version byte is not the profile's
  body_too_long,      ///< length prefix over the profile's cap (v2/v3: 1024)
  truncated,          ///< the stream ended inside a frame
  // JSON grammar (what serde_json rejects before any type is involved).
  eof,                  ///< the body ended before the JSON value did (also: empty body)
  invalid_json,         ///< not JSON: bad token, literal, number, comma, colon, comment
  trailing_characters,  ///< something other than whitespace after the value
  invalid_string,       ///< bad escape or raw control character inside a string
  invalid_utf8,         ///< a string that must be text holds invalid UTF-8
  lone_surrogate,       ///< a \u escape names half of a surrogate pair
  depth_limit,          ///< nesting deeper than serde_json's 128 (v2/v3)
  number_out_of_range,  ///< a number that overflows f64 (v2/v3)
  // Message shape (what serde's derived decoders reject).
  unknown_variant,  ///< variant (tag) name is not a message of this direction
  missing_field,    ///< a required field is absent
  duplicate_field,  ///< a known field (or the tag) appears twice
  unexpected_key,   ///< a second key beside the variant key (externally tagged)
  invalid_type,     ///< a value of the wrong JSON type
  invalid_length,   ///< wrong element count (room_code, struct given as array)
  invalid_value,    ///< right type, wrong value (room_code element 256)
  invalid_address,  ///< not a Rust SocketAddrV4 / SocketAddrV6
  // Encoding.
  unencodable,  ///< the message cannot be written in this profile
};

/// The category named "gday.wire".
const std::error_category& wire_category() noexcept;

/// Lets `std::error_code ec = error::truncated;` work.
std::error_code make_error_code(error e) noexcept;

/// Short stable name of an error ("invalid_length"); test vectors use it.
std::string_view to_string(error e) noexcept;

/// Parses the stable name back; returns false if unknown.
bool from_string(std::string_view name, error& out) noexcept;

/// The spec requirement an error belongs to ("F-2", "J-3", ...).
std::string_view rule_of(error e) noexcept;

/// A decode or encode failure: the cause, the rule, a sentence for a human
/// ("room_code has 31 elements, expected 32") and the byte offset in the body
/// (or stream) where it was detected.
struct error_info {
  error code{};
  std::string message;
  std::size_t offset = 0;

  /// "J-3 invalid_length at byte 98: room_code has 31 elements, expected 32".
  std::string what() const;
};

}  // namespace gday::wire

template <>
struct std::is_error_code_enum<gday::wire::error> : std::true_type {};
