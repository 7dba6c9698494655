#pragma once
// Private helpers of the scenario loader: text checks, message building and
// JSON readers that do not depend on the scenario format.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gday::harness::detail {

/// "line 3, column 7" (both 1-based, columns in bytes) of `offset` in `text`.
std::string line_column(std::string_view text, std::size_t offset);

/// Optimal string alignment distance (a transposition counts as one edit),
/// compared case-insensitively; stops early and returns limit + 1 once the
/// distance is known to exceed `limit`.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit);

/// " (did you mean 'x'?)" for the closest candidate at most two edits away
/// (and at most one edit per two characters of `got`), "" when none is.
std::string did_you_mean(std::string_view got, std::span<const std::string_view> candidates);

/// `text` in single quotes for a message: control bytes escaped, long text
/// cut to 60 bytes with "...".
std::string quote(std::string_view text);

/// One JSON pointer reference token, escaped ("~" -> "~0", "/" -> "~1").
std::string pointer_token(std::string_view token);

/// True for ^[a-z][a-z0-9_]*$ (room, connection and capture names).
bool is_name(std::string_view text) noexcept;

/// Hex digits with optional whitespace between them to bytes. On failure
/// returns nullopt and sets `why` ("invalid hex digit 'g' at offset 3").
std::optional<std::string> decode_hex(std::string_view hex, std::string& why);

// --- JSON readers ------------------------------------------------------------
// Each checks one value at `pointer` (a JSON pointer into the file) and calls
// fail() with what is wrong, so that the format's reader reads like the format.

/// A problem in a scenario file. Thrown only inside the loader and turned
/// into a load_error at the API boundary.
struct invalid {
  std::string pointer;
  std::string message;
};

/// Throws invalid{pointer, message}.
[[noreturn]] void fail(std::string pointer, std::string message);

/// Allowed keys or words.
using key_list = std::span<const std::string_view>;

/// Ten minutes: the longest timeout or duration a scenario may give.
inline constexpr std::int64_t max_ms = 600000;

std::string child(const std::string& pointer, std::string_view key);  ///< pointer + "/key"
std::string child(const std::string& pointer, std::size_t index);     ///< pointer + "/3"
std::string in_quotes(std::string_view text);                         ///< quote(text)

/// "a string", "an object", ... for messages.
std::string kind_of(const nlohmann::json& value);

/// "a, b, c".
std::string join(key_list words);

/// The value as an object, array, string or bool, or fail().
const nlohmann::json::object_t& as_object(const nlohmann::json& value, const std::string& pointer);
const nlohmann::json::array_t& as_array(const nlohmann::json& value, const std::string& pointer);
const std::string& as_string(const nlohmann::json& value, const std::string& pointer);
bool as_bool(const nlohmann::json& value, const std::string& pointer);

/// An integer in [low, high] (2000.0 counts); `what` names it in the message.
std::int64_t as_integer(const nlohmann::json& value, const std::string& pointer,
                        std::string_view what, std::int64_t low, std::int64_t high);

/// A positive number of seconds (fractions allowed).
double as_seconds(const nlohmann::json& value, const std::string& pointer, std::string_view what);

/// Milliseconds in [1, max_ms].
std::chrono::milliseconds as_ms(const nlohmann::json& value, const std::string& pointer,
                                std::string_view what);

/// object[key], or nullptr.
const nlohmann::json* find(const nlohmann::json::object_t& object, std::string_view key);

/// object[key], or fail() "missing required key".
const nlohmann::json& require(const nlohmann::json::object_t& object, const std::string& pointer,
                              std::string_view key);

/// Rejects keys outside `allowed`, suggesting the closest allowed one.
void check_keys(const nlohmann::json::object_t& object, const std::string& pointer,
                key_list allowed);

/// At most one of `keys` (a choice of spellings); returns the one present
/// ("" when none is and it is not `required`).
std::string_view one_of(const nlohmann::json::object_t& object, const std::string& pointer,
                        key_list keys, bool required);

/// A string from a fixed set of words, with a suggestion when misspelled.
std::string_view as_word(const nlohmann::json& value, const std::string& pointer,
                         std::string_view what, key_list words);

/// "${name}" -> name; nullopt when `text` is not exactly of that form.
std::optional<std::string> variable_reference(std::string_view text);

/// Parses `text`, rejecting a key repeated in one object (nlohmann would keep
/// the last one silently). Throws json::exception on syntax errors and
/// `invalid` on a duplicate key.
nlohmann::json parse_json(std::string_view text);

/// nlohmann's message without its "[json.exception.parse_error.101] "
/// prefix, with the token it quotes cut short.
std::string json_message(const nlohmann::json::exception& e);

}  // namespace gday::harness::detail
