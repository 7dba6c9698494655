#pragma once
/// Text for a POSIX shell command line.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gday::base {

/// `text` as one word for /bin/sh, whatever it holds: in single quotes, each
/// single quote written as '\'' ("it's" -> 'it'\''s', "" -> '').
std::string shell_quote(std::string_view text);

/// A user's command template with each `{name}` placeholder replaced by its
/// value, as given (not quoted: the user wrote the command for a shell).
/// Text that names no placeholder stays as it is.
std::string expand_placeholders(std::string command,
                                const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace gday::base
