#pragma once
/// Strict UTF-8 (RFC 3629, as Rust's str::from_utf8 and serde_json check it):
/// no overlong forms, no encoded surrogates (U+D800..U+DFFF), nothing above
/// U+10FFFF, no sequence cut short.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gday::base {

/// One decoded character: its code point and the bytes its encoding takes.
struct utf8_char {
  char32_t code_point = 0;
  std::size_t length = 1;  ///< 1 to 4
};

/// Decodes the character whose encoding starts at `text[at]` (`at` must be
/// inside `text`); nullopt when the bytes there are not a strict UTF-8
/// sequence: a byte that cannot start one, a missing continuation byte (also
/// at the end of `text`), an overlong form, a surrogate or a value above
/// U+10FFFF.
std::optional<utf8_char> decode_utf8(std::string_view text, std::size_t at) noexcept;

/// Offset of the first byte that does not start a strict UTF-8 sequence (the
/// lead byte of a bad sequence); nullopt when all of `text` is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text) noexcept;

/// True when all of `text` is strict UTF-8.
bool is_valid_utf8(std::string_view text) noexcept;

/// Appends the UTF-8 encoding of `code_point`, which must be a Unicode scalar
/// value (at most U+10FFFF, not a surrogate).
void append_utf8(std::string& out, char32_t code_point);

}  // namespace gday::base
