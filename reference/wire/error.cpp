#include "gday/wire/error.hpp"

#include <array>
#include <string>

namespace gday::wire {
namespace {

struct error_entry {
  error code;
  std::string_view name;
  std::string_view rule;
  std::string_view text;
};

constexpr std::array<error_entry, 20> entries{{
    {error::wrong_version, "wrong_version", "F-2", "wrong protocol version byte"},
    {error::body_too_long, "body_too_long", "F-5", "body longer than the profile allows"},
    {error::truncated, "truncated", "F-5", "stream ended inside a frame"},
    {error::eof, "eof", "F-3", "body ended before the JSON value"},
    {error::invalid_json, "invalid_json", "J-6", "not valid JSON"},
    {error::trailing_characters, "trailing_characters", "J-6", "characters after the JSON value"},
    {error::invalid_string, "invalid_string", "J-7", "invalid escape or control character"},
    {error::invalid_utf8, "invalid_utf8", "J-7", "invalid UTF-8"},
    {error::lone_surrogate, "lone_surrogate", "J-7", "unpaired surrogate escape"},
    {error::depth_limit, "depth_limit", "J-8", "nesting too deep"},
    {error::number_out_of_range, "number_out_of_range", "J-8", "number out of range"},
    {error::unknown_variant, "unknown_variant", "J-2", "unknown message variant"},
    {error::missing_field, "missing_field", "J-1", "missing field"},
    {error::duplicate_field, "duplicate_field", "J-1", "duplicate field"},
    {error::unexpected_key, "unexpected_key", "J-2", "extra key beside the variant"},
    {error::invalid_type, "invalid_type", "J-2", "value of the wrong type"},
    {error::invalid_length, "invalid_length", "J-2", "wrong number of elements"},
    {error::invalid_value, "invalid_value", "J-3", "value out of range"},
    {error::invalid_address, "invalid_address", "J-5", "invalid socket address"},
    {error::unencodable, "unencodable", "", "message cannot be encoded in this profile"},
}};

const error_entry* find(error e) noexcept {
  for (const auto& entry : entries) {
    if (entry.code == e) return &entry;
  }
  return nullptr;
}

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gday.wire"; }
  std::string message(int value) const override {
    const error_entry* entry = find(static_cast<error>(value));
    return entry ? std::string(entry->text) : "unknown gday.wire error";
  }
};

}  // namespace

const std::error_category& wire_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), wire_category()}; }

std::string_view to_string(error e) noexcept {
  const error_entry* entry = find(e);
  return entry ? entry->name : std::string_view("unknown");
}

bool from_string(std::string_view name, error& out) noexcept {
  for (const auto& entry : entries) {
    if (entry.name == name) {
      out = entry.code;
      return true;
    }
  }
  return false;
}

std::string_view rule_of(error e) noexcept {
  const error_entry* entry = find(e);
  return entry ? entry->rule : std::string_view();
}

std::string error_info::what() const {
  std::string out;
  std::string_view rule = rule_of(code);
  if (!rule.empty()) {
    out.append(rule).append(" ");
  }
  out.append(to_string(code)).append(" at byte ").append(std::to_string(offset));
  if (!message.empty()) {
    out.append(": ").append(message);
  }
  return out;
}

}  // namespace gday::wire
