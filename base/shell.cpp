#include "gday/base/shell.hpp"

namespace gday::base {

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";  // end the quoted part, an escaped quote, quote again
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string expand_placeholders(std::string command,
                                const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    const std::string key = "{" + name + "}";
    for (auto at = command.find(key); at != std::string::npos;
         at = command.find(key, at + value.size())) {
      command.replace(at, key.size(), value);
    }
  }
  return command;
}

}  // namespace gday::base
