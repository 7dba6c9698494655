#pragma once
/// Text for a POSIX shell command line.

#include <string>
#include <string_view>

namespace gday::base {

/// `text` as one word for /bin/sh, whatever it holds: in single quotes, each
/// single quote written as '\'' ("it's" -> 'it'\''s', "" -> '').
std::string shell_quote(std::string_view text);

}  // namespace gday::base
