#include "gday/base/hex.hpp"

namespace gday::base {

std::string encode_hex(std::string_view bytes, std::string_view separator) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * (2 + separator.size()));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out += separator;
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 0xfu];
  }
  return out;
}

basic_result<std::string, hex_error> decode_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return hex_error::odd_length;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const auto high = hex_digit_value(hex[i]);
    const auto low = hex_digit_value(hex[i + 1]);
    if (!high || !low) return hex_error::invalid_digit;
    out.push_back(static_cast<char>(*high << 4 | *low));
  }
  return out;
}

}  // namespace gday::base
