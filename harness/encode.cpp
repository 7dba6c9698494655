#include "gday/harness/encode.hpp"

#include <algorithm>

#include "gday/wire/codec.hpp"
#include "gday/wire/frame.hpp"

namespace gday::harness {
namespace {

// A `room_code` value: "${name}" is the run's code for that room, anything
// else is a literal code.
std::string room_value(const nlohmann::json& value, const room_codes& rooms) {
  if (!value.is_string()) return {};
  const std::string text = value.get<std::string>();
  if (text.size() > 3 && text.rfind("${", 0) == 0 && text.back() == '}') {
    auto it = rooms.find(text.substr(2, text.size() - 3));
    if (it != rooms.end()) return it->second;
  }
  return text;
}

std::string message_frame(const step& st, wire::profile p, const room_codes& rooms) {
  const auto& m = st.message;
  const std::string type = m.value("type", "");
  const std::string code = m.contains("room_code") ? room_value(m["room_code"], rooms) : "";
  const bool is_creator = m.value("is_creator", false);
  wire::client_msg msg;
  if (type == "CreateRoom") {
    msg = wire::create_room{code};
  } else if (type == "RecordPublicAddr") {
    msg = wire::record_public_addr{code, is_creator};
  } else {
    wire::contact local;
    if (m.contains("local_contact")) {
      const auto& lc = m["local_contact"];
      if (lc.contains("v4") && lc["v4"].is_string()) {
        local.v4 = wire::parse_socket_addr_v4(lc["v4"].get<std::string>());
      }
      if (lc.contains("v6") && lc["v6"].is_string()) {
        local.v6 = wire::parse_socket_addr_v6(lc["v6"].get<std::string>());
      }
    }
    msg = wire::ready_to_share{local, code, is_creator};
  }
  auto frame = wire::encode_frame(msg, p);
  return frame ? *frame : std::string();
}

std::string body_frame(const step& st, wire::profile p, const room_codes& rooms) {
  const std::string key(wire::to_string(p));
  auto it = st.bodies.find(key);
  if (it == st.bodies.end()) it = st.bodies.find("*");
  const std::string body = it == st.bodies.end() ? std::string()
                           : st.body_hex         ? it->second
                                                 : expand_template(it->second, rooms, p);
  std::size_t length = body.size();
  if (st.length) {
    length = *st.length;
  } else {
    const long long adjusted = static_cast<long long>(body.size()) + st.length_delta;
    length = static_cast<std::size_t>(std::clamp(adjusted, 0LL, 65535LL));
  }
  std::string out;
  out += static_cast<char>(st.version_byte.value_or(wire::version_byte(p)));
  out += static_cast<char>((length >> 8) & 0xff);
  out += static_cast<char>(length & 0xff);
  out += body;
  return out;
}

}  // namespace

std::string room_code_json(std::string_view code, wire::profile p) {
  if (p != wire::profile::v1) return wire::encode_json_string(code);
  std::string out = "[";
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(static_cast<unsigned char>(code[i]));
  }
  return out + "]";
}

std::string expand_template(std::string_view text, const room_codes& rooms, wire::profile p) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string_view::npos || i + 1 >= text.size() || text[i + 1] != '{') {
      out += text.substr(i);  // the loader rejects this; never loop on it
      break;
    }
    auto it = rooms.find(std::string(text.substr(i + 2, close - i - 2)));
    if (it != rooms.end()) out += room_code_json(it->second, p);
    i = close;
  }
  return out;
}

std::string step_bytes(const step& st, wire::profile p, const room_codes& rooms) {
  switch (st.what) {
    case step::kind::send:
      return message_frame(st, p, rooms);
    case step::kind::send_body:
      return body_frame(st, p, rooms);
    case step::kind::send_raw:
      return st.raw;
    default:
      return {};
  }
}

}  // namespace gday::harness
