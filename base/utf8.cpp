#include "gday/base/utf8.hpp"

namespace gday::base {

std::optional<utf8_char> decode_utf8(std::string_view text, std::size_t at) noexcept {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) return utf8_char{lead, 1};
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;  // below it the form is overlong
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    value = lead & 0x1fu;
    minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    value = lead & 0x0fu;
    minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    value = lead & 0x07u;
    minimum = 0x10000;
  } else {
    return std::nullopt;  // a continuation byte, 0xc0/0xc1 (always overlong) or 0xf5..0xff
  }
  if (text.size() - at < length) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[at + k]);
    if ((next & 0xc0u) != 0x80u) return std::nullopt;
    value = value << 6 | (next & 0x3fu);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    return std::nullopt;
  }
  return utf8_char{value, length};
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = decode_utf8(text, i);
    if (!c) return i;
    i += c->length;
  }
  return std::nullopt;
}

bool is_valid_utf8(std::string_view text) noexcept { return !first_invalid_utf8(text); }

void append_utf8(std::string& out, char32_t code_point) {
  const auto byte = [](char32_t bits) { return static_cast<char>(bits); };
  if (code_point < 0x80) {
    out += byte(code_point);
  } else if (code_point < 0x800) {
    out += byte(0xc0 | code_point >> 6);
    out += byte(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    out += byte(0xe0 | code_point >> 12);
    out += byte(0x80 | (code_point >> 6 & 0x3f));
    out += byte(0x80 | (code_point & 0x3f));
  } else {
    out += byte(0xf0 | code_point >> 18);
    out += byte(0x80 | (code_point >> 12 & 0x3f));
    out += byte(0x80 | (code_point >> 6 & 0x3f));
    out += byte(0x80 | (code_point & 0x3f));
  }
}

}  // namespace gday::base
