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

}  // namespace gday::base
