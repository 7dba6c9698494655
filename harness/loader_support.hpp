#pragma once
// Private helpers of the scenario loader: text checks and message building
// that do not depend on the scenario format.

#include <cstddef>
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

}  // namespace gday::harness::detail
