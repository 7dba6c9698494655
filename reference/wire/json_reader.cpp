#include "json_reader.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "gday/base/hex.hpp"
#include "gday/base/utf8.hpp"

namespace gday::wire::detail {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::string describe_byte(int c) {
  if (c < 0) return "end of body";
  if (c >= 0x21 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", static_cast<unsigned>(c));
  return buf;
}

bool json_reader::fail(error code, std::string message) {
  return fail_at(pos_, code, std::move(message));
}

bool json_reader::fail_at(std::size_t at, error code, std::string message) {
  if (!error_) error_ = error_info{code, std::move(message), at};
  return false;
}

bool json_reader::eof_or(error code, std::string message) {
  if (pos_ >= text_.size()) return fail(error::eof, "body ends inside a JSON value");
  return fail(code, std::move(message));
}

int json_reader::peek_token() {
  while (pos_ < text_.size() && is_ws(text_[pos_])) ++pos_;
  return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : -1;
}

bool json_reader::expect_end() {
  const int c = peek_token();
  if (c < 0) return true;
  return fail(error::trailing_characters,
              "expected only whitespace after the JSON value, found " + describe_byte(c));
}

bool json_reader::starts_value(int c) {
  return c == '"' || c == '{' || c == '[' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
         c == 'f' || c == 'n';
}

bool json_reader::read_literal(std::string_view word) {
  for (char expected : word) {
    if (pos_ >= text_.size()) return fail(error::eof, "body ends inside a literal");
    if (text_[pos_] != expected) {
      return fail(error::invalid_json, "invalid literal, expected '" + std::string(word) +
                                           "', found " +
                                           describe_byte(static_cast<unsigned char>(text_[pos_])));
    }
    ++pos_;
  }
  return true;
}

bool json_reader::read_string(std::string& out) {
  const std::size_t start = pos_;
  ++pos_;  // opening quote
  out.clear();
  while (true) {
    if (pos_ >= text_.size()) return fail(error::eof, "body ends inside a string");
    const char c = text_[pos_];
    const auto uc = static_cast<unsigned char>(c);
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (uc < 0x20) {
      return fail(error::invalid_string, "raw control character " + describe_byte(uc) +
                                             " inside a string (must be escaped)");
    }
    if (c != '\\') {
      const auto decoded = base::decode_utf8(text_, pos_);
      if (!decoded) {
        return fail(error::invalid_utf8, "invalid UTF-8 (" + describe_byte(uc) +
                                             ") in the string starting at byte " +
                                             std::to_string(start));
      }
      out.append(text_.substr(pos_, decoded->length));
      pos_ += decoded->length;
      continue;
    }
    ++pos_;
    if (pos_ >= text_.size()) return fail(error::eof, "body ends inside an escape");
    const char e = text_[pos_++];
    switch (e) {
      case '"':
        out.push_back('"');
        continue;
      case '\\':
        out.push_back('\\');
        continue;
      case '/':
        out.push_back('/');
        continue;
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'u':
        break;
      default:
        --pos_;
        return fail(error::invalid_string,
                    "invalid escape '\\" + std::string(1, e) + "' in a string");
    }
    auto read_hex4 = [&](std::uint32_t& value) {
      value = 0;
      for (int i = 0; i < 4; ++i) {
        if (pos_ >= text_.size()) return fail(error::eof, "body ends inside a \\u escape");
        const auto digit = base::hex_digit_value(text_[pos_]);
        if (!digit) return fail(error::invalid_string, "\\u escape needs 4 hex digits");
        value = value * 16 + *digit;
        ++pos_;
      }
      return true;
    };
    std::uint32_t cp = 0;
    const std::size_t escape_at = pos_ - 2;
    if (!read_hex4(cp)) return false;
    if (cp >= 0xdc00 && cp <= 0xdfff) {
      return fail_at(escape_at, error::lone_surrogate,
                     "\\u escape is a trailing surrogate without a leading one");
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
        pos_ += 2;
        std::uint32_t low = 0;
        if (!read_hex4(low)) return false;
        if (low < 0xdc00 || low > 0xdfff) {
          return fail_at(escape_at, error::lone_surrogate,
                         "leading surrogate escape not followed by a trailing one");
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      } else {
        if (pos_ >= text_.size()) return fail(error::eof, "body ends inside a string");
        return fail_at(escape_at, error::lone_surrogate,
                       "leading surrogate escape not followed by a trailing one");
      }
    }
    base::append_utf8(out, cp);
  }
}

bool json_reader::skip_string_lenient() {
  ++pos_;  // opening quote
  while (true) {
    if (pos_ >= text_.size()) return fail(error::eof, "body ends inside a string");
    const auto uc = static_cast<unsigned char>(text_[pos_]);
    if (uc == '"') {
      ++pos_;
      return true;
    }
    if (uc < 0x20) {
      return fail(error::invalid_string, "raw control character " + describe_byte(uc) +
                                             " inside a string (must be escaped)");
    }
    ++pos_;
    if (uc != '\\') continue;
    if (pos_ >= text_.size()) return fail(error::eof, "body ends inside an escape");
    const char e = text_[pos_++];
    switch (e) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        continue;
      case 'u':
        for (int i = 0; i < 4; ++i) {
          if (pos_ >= text_.size()) return fail(error::eof, "body ends inside a \\u escape");
          if (!base::hex_digit_value(text_[pos_])) {
            return fail(error::invalid_string, "\\u escape needs 4 hex digits");
          }
          ++pos_;
        }
        continue;
      default:
        --pos_;
        return fail(error::invalid_string,
                    "invalid escape '\\" + std::string(1, e) + "' in a string");
    }
  }
}

bool json_reader::scan_number(std::size_t& begin, std::size_t& end, bool& plain_integer) {
  begin = pos_;
  plain_integer = true;
  auto at = [&]() -> int {
    return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : -1;
  };
  auto digit = [](int c) { return c >= '0' && c <= '9'; };
  if (at() == '-') {
    plain_integer = false;
    ++pos_;
  }
  if (at() == '0') {
    ++pos_;
    if (digit(at())) return fail(error::invalid_json, "number with a leading zero");
  } else if (digit(at())) {
    while (digit(at())) ++pos_;
  } else {
    return eof_or(error::invalid_json, "invalid number");
  }
  if (at() == '.') {
    plain_integer = false;
    ++pos_;
    if (!digit(at())) return eof_or(error::invalid_json, "number needs digits after '.'");
    while (digit(at())) ++pos_;
  }
  if (at() == 'e' || at() == 'E') {
    plain_integer = false;
    ++pos_;
    if (at() == '+' || at() == '-') ++pos_;
    if (!digit(at())) return eof_or(error::invalid_json, "number needs digits in its exponent");
    while (digit(at())) ++pos_;
  }
  end = pos_;
  return true;
}

bool json_reader::skip_value() {
  // Iterative, as serde_json's ignore_value: no depth limit, no recursion.
  std::vector<char> stack;
  while (true) {
    // Read one value start.
    int c = peek_token();
    bool opened = false;
    switch (c) {
      case -1:
        return fail(error::eof, "body ends where a value was expected");
      case 'n':
        if (!read_literal("null")) return false;
        break;
      case 't':
        if (!read_literal("true")) return false;
        break;
      case 'f':
        if (!read_literal("false")) return false;
        break;
      case '"':
        if (!skip_string_lenient()) return false;
        break;
      case '[':
      case '{':
        ++pos_;
        stack.push_back(static_cast<char>(c));
        opened = true;
        break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          std::size_t b = 0, e = 0;
          bool plain = false;
          if (!scan_number(b, e, plain)) return false;
          break;
        }
        return fail(error::invalid_json, "expected a JSON value, found " + describe_byte(c));
    }
    // After a value (or an opening bracket), find where the next one starts.
    bool accept_comma = !opened;
    while (true) {
      if (stack.empty()) return true;
      const char frame = stack.back();
      c = peek_token();
      if (c < 0) return fail(error::eof, "body ends inside an array or object");
      if (c == ',' && accept_comma) {
        ++pos_;
        break;
      }
      if ((c == ']' && frame == '[') || (c == '}' && frame == '{')) {
        ++pos_;
        stack.pop_back();
        accept_comma = true;
        continue;
      }
      if (accept_comma) {
        return fail(error::invalid_json, std::string("expected ',' or '") +
                                             (frame == '[' ? ']' : '}') + "', found " +
                                             describe_byte(c));
      }
      break;
    }
    if (stack.back() == '{') {
      c = peek_token();
      if (c < 0) return fail(error::eof, "body ends inside an object");
      if (c != '"') return fail(error::invalid_json, "object key must be a string");
      if (!skip_string_lenient()) return false;
      c = peek_token();
      if (c < 0) return fail(error::eof, "body ends inside an object");
      if (c != ':') return fail(error::invalid_json, "expected ':' after an object key");
      ++pos_;
    }
  }
}

bool json_reader::validate_document() {
  const int c = peek_token();
  if (c < 0) return fail(error::eof, "empty body");
  if (!validate_value(0)) return false;
  if (!expect_end()) return false;
  pos_ = 0;
  return true;
}

bool json_reader::validate_number() {
  std::size_t b = 0, e = 0;
  bool plain = false;
  if (!scan_number(b, e, plain)) return false;
  const std::string token(text_.substr(b, e - b));
  const double value = std::strtod(token.c_str(), nullptr);
  if (std::isinf(value)) {
    return fail_at(b, error::number_out_of_range, "number " + token + " does not fit a double");
  }
  return true;
}

bool json_reader::validate_value(int depth) {
  const int c = peek_token();
  switch (c) {
    case -1:
      return fail(error::eof, "body ends where a value was expected");
    case 'n':
      return read_literal("null");
    case 't':
      return read_literal("true");
    case 'f':
      return read_literal("false");
    case '"': {
      std::string ignored;
      return read_string(ignored);
    }
    case '[':
    case '{': {
      // serde_json allows 127 levels of nesting (its limit of 128 counts down
      // to zero on entering the 128th).
      if (depth + 1 >= 128) {
        return fail(error::depth_limit, "nesting deeper than 127 levels");
      }
      ++pos_;
      const char close = c == '[' ? ']' : '}';
      bool first = true;
      while (true) {
        int n = peek_token();
        if (n < 0) return fail(error::eof, "body ends inside an array or object");
        if (n == close && first) {
          ++pos_;
          return true;
        }
        if (!first) {
          if (n == close) {
            ++pos_;
            return true;
          }
          if (n != ',') {
            return fail(error::invalid_json,
                        std::string("expected ',' or '") + close + "', found " + describe_byte(n));
          }
          ++pos_;
          n = peek_token();
          if (n == close) return fail(error::invalid_json, "trailing comma");
        }
        first = false;
        if (c == '{') {
          if (n < 0) return fail(error::eof, "body ends inside an object");
          if (n != '"') return fail(error::invalid_json, "object key must be a string");
          std::string key;
          if (!read_string(key)) return false;
          n = peek_token();
          if (n < 0) return fail(error::eof, "body ends inside an object");
          if (n != ':') return fail(error::invalid_json, "expected ':' after an object key");
          ++pos_;
        }
        if (!validate_value(depth + 1)) return false;
      }
    }
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return validate_number();
      return fail(error::invalid_json, "expected a JSON value, found " + describe_byte(c));
  }
}

bool json_reader::read_bool(bool& out, std::string_view field) {
  const int c = peek_token();
  if (c == 't') {
    if (!read_literal("true")) return false;
    out = true;
    return true;
  }
  if (c == 'f') {
    if (!read_literal("false")) return false;
    out = false;
    return true;
  }
  return wrong_type(std::string(field) + " must be true or false");
}

bool json_reader::wrong_type(std::string message) {
  const std::size_t at = pos_;
  const int c = peek_token();
  if (c < 0) return fail(error::eof, "body ends where a value was expected");
  if (!starts_value(c)) {
    return fail(error::invalid_json, "expected a JSON value, found " + describe_byte(c));
  }
  if (!skip_value()) return false;
  return fail_at(at, error::invalid_type, std::move(message));
}

bool json_reader::collect_object(std::vector<entry>& out) {
  ++pos_;  // '{'
  bool first = true;
  while (true) {
    int c = peek_token();
    if (c < 0) return fail(error::eof, "body ends inside an object");
    if (c == '}') {
      ++pos_;
      return true;
    }
    if (!first) {
      if (c != ',') {
        return fail(error::invalid_json, "expected ',' or '}', found " + describe_byte(c));
      }
      ++pos_;
      c = peek_token();
      if (c == '}') return fail(error::invalid_json, "trailing comma");
    }
    first = false;
    if (c < 0) return fail(error::eof, "body ends inside an object");
    if (c != '"') return fail(error::invalid_json, "object key must be a string");
    entry e;
    if (!read_string(e.key)) return false;
    c = peek_token();
    if (c < 0) return fail(error::eof, "body ends inside an object");
    if (c != ':') return fail(error::invalid_json, "expected ':' after an object key");
    ++pos_;
    if (peek_token() < 0) return fail(error::eof, "body ends where a value was expected");
    e.value_pos = pos_;
    if (!skip_value()) return false;
    out.push_back(std::move(e));
  }
}

bool json_reader::collect_array(std::vector<std::size_t>& out) {
  ++pos_;  // '['
  bool first = true;
  while (true) {
    int c = peek_token();
    if (c < 0) return fail(error::eof, "body ends inside an array");
    if (c == ']') {
      ++pos_;
      return true;
    }
    if (!first) {
      if (c != ',') {
        return fail(error::invalid_json, "expected ',' or ']', found " + describe_byte(c));
      }
      ++pos_;
      c = peek_token();
      if (c == ']') return fail(error::invalid_json, "trailing comma");
      if (c < 0) return fail(error::eof, "body ends inside an array");
    }
    first = false;
    out.push_back(pos_);
    if (!skip_value()) return false;
  }
}

}  // namespace gday::wire::detail
