#include "loader_support.hpp"

#include "gday/base/hex.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace gday::harness {

namespace detail {

std::string line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  // Three rows of the optimal string alignment table.
  std::vector<std::size_t> before(m + 1), previous(m + 1), current(m + 1);
  for (std::size_t j = 0; j <= m; ++j) previous[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    current[0] = i;
    std::size_t row_min = current[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      std::size_t best = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        best = std::min(best, before[j - 2] + 1);
      }
      current[j] = best;
      row_min = std::min(row_min, best);
    }
    if (row_min > limit) return limit + 1;
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return std::min(previous[m], limit + 1);
}

std::string did_you_mean(std::string_view got, std::span<const std::string_view> candidates) {
  constexpr std::size_t limit = 2;
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(got, candidate, limit);
    // At most one edit per two characters typed: "@a" is not "MAY".
    if (d < best_distance && 2 * d <= got.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best_distance > limit) return {};
  return " (did you mean '" + std::string(best) + "'?)";
}

std::string quote(std::string_view text) {
  constexpr std::size_t max_shown = 60;
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "'";
  std::size_t shown = std::min(text.size(), max_shown);
  // Cut at a character boundary, not inside a UTF-8 sequence.
  while (shown > 0 && shown < text.size() &&
         (static_cast<unsigned char>(text[shown]) & 0xc0) == 0x80) {
    --shown;
  }
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < text.size()) out += "...";
  out += "'";
  return out;
}

std::string pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

bool is_name(std::string_view text) noexcept {
  if (text.empty() || text[0] < 'a' || text[0] > 'z') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<std::string> decode_hex(std::string_view hex, std::string& why) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::string out;
  int high = -1;  // first digit of a byte in progress
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    if (is_space(c)) {
      if (high >= 0) {
        why = "whitespace at offset " + std::to_string(i) +
              " splits a byte: hex digits must come in pairs";
        return std::nullopt;
      }
      continue;
    }
    const auto digit = base::hex_digit_value(c);
    if (!digit) {
      const bool ascii = static_cast<unsigned char>(c) < 0x80;
      why = "invalid hex digit " + (ascii ? quote(std::string_view(&hex[i], 1)) : "(not ASCII)") +
            " at offset " + std::to_string(i);
      return std::nullopt;
    }
    if (high < 0) {
      high = *digit;
    } else {
      out.push_back(static_cast<char>(static_cast<unsigned char>(high * 16 + *digit)));
      high = -1;
    }
  }
  if (high >= 0) {
    why = "odd number of hex digits: the last byte has one digit";
    return std::nullopt;
  }
  return out;
}

using nlohmann::json;

[[noreturn]] void fail(std::string pointer, std::string message) {
  throw invalid{std::move(pointer), std::move(message)};
}

std::string child(const std::string& pointer, std::string_view key) {
  return pointer + "/" + pointer_token(key);
}

std::string child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string in_quotes(std::string_view text) { return quote(text); }

std::string kind_of(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unexpected value";
  }
}

std::string join(key_list words) {
  std::string out;
  for (std::string_view word : words) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

const json::object_t& as_object(const json& value, const std::string& pointer) {
  if (!value.is_object()) fail(pointer, "expected an object, got " + kind_of(value));
  return value.get_ref<const json::object_t&>();
}

const json::array_t& as_array(const json& value, const std::string& pointer) {
  if (!value.is_array()) fail(pointer, "expected an array, got " + kind_of(value));
  return value.get_ref<const json::array_t&>();
}

const std::string& as_string(const json& value, const std::string& pointer) {
  if (!value.is_string()) fail(pointer, "expected a string, got " + kind_of(value));
  return value.get_ref<const std::string&>();
}

bool as_bool(const json& value, const std::string& pointer) {
  if (!value.is_boolean()) fail(pointer, "expected true or false, got " + kind_of(value));
  return value.get<bool>();
}

std::int64_t as_integer(const json& value, const std::string& pointer, std::string_view what,
                        std::int64_t low, std::int64_t high) {
  auto out_of_range = [&](const std::string& shown) {
    fail(pointer, "'" + std::string(what) + "' must be between " + std::to_string(low) + " and " +
                      std::to_string(high) + ", got " + shown);
  };
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(high) || (low > 0 && v < static_cast<std::uint64_t>(low))) {
      out_of_range(std::to_string(v));
    }
    return static_cast<std::int64_t>(v);
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < low || v > high) out_of_range(std::to_string(v));
    return v;
  }
  if (value.is_number_float()) {
    // 2000.0 is an integer to JSON Schema too; 2.5 is not.
    const double v = value.get<double>();
    if (!std::isfinite(v) || v != std::floor(v)) {
      fail(pointer, "'" + std::string(what) + "' must be a whole number, got " + value.dump());
    }
    if (v < static_cast<double>(low) || v > static_cast<double>(high)) out_of_range(value.dump());
    return static_cast<std::int64_t>(v);
  }
  fail(pointer, "expected an integer, got " + kind_of(value));
}

double as_seconds(const json& value, const std::string& pointer, std::string_view what) {
  if (!value.is_number()) fail(pointer, "expected a number, got " + kind_of(value));
  const double v = value.get<double>();
  if (!(v > 0) || !std::isfinite(v)) {
    fail(pointer,
         "'" + std::string(what) + "' must be a number of seconds above 0, got " + value.dump());
  }
  return v;
}

std::chrono::milliseconds as_ms(const json& value, const std::string& pointer,
                                std::string_view what) {
  return std::chrono::milliseconds(as_integer(value, pointer, what, 1, max_ms));
}

const json* find(const json::object_t& object, std::string_view key) {
  const auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &it->second;
}

const json& require(const json::object_t& object, const std::string& pointer,
                    std::string_view key) {
  const json* value = find(object, key);
  if (value == nullptr) fail(pointer, "missing required key '" + std::string(key) + "'");
  return *value;
}

void check_keys(const json::object_t& object, const std::string& pointer, key_list allowed) {
  for (const auto& [key, value] : object) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string hint = did_you_mean(key, allowed);
    if (hint.empty()) hint = "; allowed here: " + join(allowed);
    fail(pointer, "unknown key " + in_quotes(key) + hint);
  }
}

std::string_view one_of(const json::object_t& object, const std::string& pointer, key_list keys,
                        bool required) {
  std::string_view found;
  for (std::string_view key : keys) {
    if (find(object, key) == nullptr) continue;
    if (!found.empty()) {
      fail(pointer, "'" + std::string(found) + "' and '" + std::string(key) +
                        "' cannot be combined; give one of them");
    }
    found = key;
  }
  if (found.empty() && required) {
    std::string list;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      list += (i == 0 ? "" : (i + 1 == keys.size() ? " or " : ", ")) +
              ("'" + std::string(keys[i]) + "'");
    }
    fail(pointer, "missing required key: one of " + list);
  }
  return found;
}

std::string_view as_word(const json& value, const std::string& pointer, std::string_view what,
                         key_list words) {
  const std::string& text = as_string(value, pointer);
  for (std::string_view word : words) {
    if (text == word) return word;
  }
  std::string hint = did_you_mean(text, words);
  if (hint.empty()) hint = " (expected " + join(words) + ")";
  fail(pointer, "unknown " + std::string(what) + " " + in_quotes(text) + hint);
}

std::optional<std::string> variable_reference(std::string_view text) {
  if (text.size() < 4 || !text.starts_with("${") || !text.ends_with("}")) return std::nullopt;
  return std::string(text.substr(2, text.size() - 3));
}

// Parses `text`, rejecting a key repeated in one object (nlohmann would keep
// the last one silently). Throws json::exception on syntax errors and
// `invalid` on a duplicate key.
json parse_json(std::string_view text) {
  struct frame {
    bool array = false;
    std::size_t index = 0;  // arrays: the element being read
    std::string key;        // objects: the key being read
    std::set<std::string> keys;
  };
  std::vector<frame> frames;
  auto pointer = [&frames] {
    std::string out;
    for (const frame& f : frames) {
      out += "/" + (f.array ? std::to_string(f.index) : pointer_token(f.key));
    }
    return out;
  };
  auto value_done = [&frames] {
    if (!frames.empty() && frames.back().array) ++frames.back().index;
  };
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames.push_back(frame{});
        break;
      case json::parse_event_t::array_start:
        frames.push_back(frame{true, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (frames.empty()) break;
        if (!frames.back().keys.insert(key).second) {
          frames.back().key.clear();
          std::string where = pointer();
          where.erase(where.rfind('/'));  // the object holding the key
          fail(where, "duplicate key " + in_quotes(key) + " (each key may appear once per object)");
        }
        frames.back().key = key;
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames.empty()) frames.pop_back();
        value_done();
        break;
      case json::parse_event_t::value:
        value_done();
        break;
    }
    return true;
  };
  return json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                     /*ignore_comments=*/false);
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix,
// and with the token it quotes ("last read: '...'") cut short: an unterminated
// string would otherwise quote the rest of the file.
std::string json_message(const json::exception& e) {
  constexpr std::size_t max_token = 60;
  std::string text = e.what();
  if (text.starts_with("[json.exception.")) {
    const auto end = text.find("] ");
    if (end != std::string::npos) text.erase(0, end + 2);
  }
  const std::string marker = "last read: '";
  const auto start = text.find(marker);
  if (start != std::string::npos) {
    const auto from = start + marker.size();
    auto to = text.find("'; ", from);
    if (to == std::string::npos) to = text.rfind('\'');
    if (to != std::string::npos && to > from && to - from > max_token) {
      text.replace(from + max_token, to - from - max_token, "...");
    }
  }
  return text;
}

}  // namespace detail
}  // namespace gday::harness
