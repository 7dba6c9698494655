#pragma once
/// Bytes as hexadecimal text and back.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gday/base/result.hpp"

namespace gday::base {

/// `bytes` as lower-case hex digits, two per byte, with `separator` between
/// bytes (none by default: "7b7d"; with " ": "7b 7d").
std::string encode_hex(std::string_view bytes, std::string_view separator = {});

/// The value of one hex digit (0-9, a-f, A-F); nullopt for any other character.
constexpr std::optional<std::uint8_t> hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

/// Why hex text does not decode.
enum class hex_error {
  odd_length,     ///< an odd number of characters: the last byte has one digit
  invalid_digit,  ///< a character that is not a hex digit (separators included)
};

/// Hex digits (either case, no separators) to bytes. An odd length is
/// reported before an invalid digit.
basic_result<std::string, hex_error> decode_hex(std::string_view hex);

}  // namespace gday::base
