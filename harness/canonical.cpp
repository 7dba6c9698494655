#include "gday/harness/canonical.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gday/wire/address.hpp"
#include "gday/wire/codec.hpp"

namespace gday::harness {
namespace {

// Printable, one line: non-ASCII and control bytes as \xNN.
std::string printable(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += digits[b >> 4];
      out += digits[b & 0xf];
    }
  }
  return out;
}

// True if some "v4"/"v6" string in the received JSON is not the display form
// of the address it parses as (spec J-5).
bool address_text_differs(const nlohmann::json& j) {
  if (j.is_array()) {
    return std::any_of(j.begin(), j.end(), [](const auto& e) { return address_text_differs(e); });
  }
  if (!j.is_object()) return false;
  for (const auto& [key, value] : j.items()) {
    if (value.is_string() && (key == "v4" || key == "v6")) {
      const auto& text = value.get_ref<const std::string&>();
      std::optional<std::string> shown;
      if (key == "v4") {
        if (auto a = wire::parse_socket_addr_v4(text)) shown = wire::to_string(*a);
      } else if (auto a = wire::parse_socket_addr_v6(text)) {
        shown = wire::to_string(*a);
      }
      if (shown && *shown != text) return true;
    } else if (address_text_differs(value)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string canonical_difference::describe() const {
  std::string ids;
  for (const auto& r : requirements) ids += (ids.empty() ? "" : ", ") + r;
  return "reply not in upstream's canonical form (" + ids + "): expected " + printable(expected) +
         " received " + printable(received) + " (first difference at byte " +
         std::to_string(offset) + ")";
}

std::optional<canonical_difference> compare_canonical(std::string_view body,
                                                      const wire::server_msg& msg,
                                                      wire::profile p) {
  auto canonical = wire::encode_body(msg, p);
  if (!canonical || *canonical == body) return std::nullopt;
  canonical_difference d;
  d.expected = std::move(*canonical);
  d.received = std::string(body);
  const auto differ =
      std::mismatch(d.expected.begin(), d.expected.end(), d.received.begin(), d.received.end());
  d.offset = static_cast<std::size_t>(differ.first - d.expected.begin());
  d.requirements.push_back("J-9");
  // The body decoded, so it is JSON; a parser that disagrees finds nothing.
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && address_text_differs(parsed)) d.requirements.push_back("J-5");
  return d;
}

}  // namespace gday::harness
