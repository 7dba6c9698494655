// Decoding follows serde_derive + serde_json step by step (see json_reader.hpp
// for the two validation regimes); encoding writes what serde_json::to_vec
// writes: compact, fields in declaration order.
#include "gday/wire/codec.hpp"

#include <array>
#include <span>
#include <vector>

#include "gday/base/hex.hpp"
#include "gday/base/utf8.hpp"
#include "json_reader.hpp"

namespace gday::wire {
namespace {

using detail::json_reader;

struct field_spec {
  std::string_view name;
  bool optional;  // Option<T>: a missing key is null
};

std::string quoted(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string field_list(std::span<const field_spec> fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

// A struct given as an object: known keys once each, unknown keys ignored,
// missing Option fields are null, other missing fields are errors.
template <class OnField>
bool struct_from_entries(json_reader& in, std::string_view what, std::span<const field_spec> fields,
                         std::span<const json_reader::entry> entries, OnField&& on_field) {
  std::array<bool, 4> seen{};
  for (const auto& e : entries) {
    std::size_t index = fields.size();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == e.key) index = i;
    }
    if (index == fields.size()) continue;
    if (seen[index]) {
      return in.fail_at(e.value_pos, error::duplicate_field,
                        "duplicate field " + quoted(e.key) + " in " + std::string(what));
    }
    seen[index] = true;
    in.seek(e.value_pos);
    if (!on_field(index)) return false;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!seen[i] && !fields[i].optional) {
      return in.fail(error::missing_field,
                     "missing field " + quoted(fields[i].name) + " in " + std::string(what));
    }
  }
  return true;
}

// A struct given as an array of all its fields in declaration order.
template <class OnField>
bool struct_from_array(json_reader& in, std::string_view what, std::span<const field_spec> fields,
                       std::span<const std::size_t> elements, std::size_t at, OnField&& on_field) {
  if (elements.size() != fields.size()) {
    return in.fail_at(at, error::invalid_length,
                      std::string(what) + " given as an array has " +
                          std::to_string(elements.size()) + " elements, expected " +
                          std::to_string(fields.size()) + " (" + field_list(fields) + ")");
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    in.seek(elements[i]);
    if (!on_field(i)) return false;
  }
  return true;
}

template <class OnField>
bool read_struct(json_reader& in, std::string_view what, std::span<const field_spec> fields,
                 OnField&& on_field) {
  const int c = in.peek_token();
  const std::size_t at = in.pos();
  if (c == '{') {
    std::vector<json_reader::entry> entries;
    if (!in.collect_object(entries)) return false;
    const std::size_t end = in.pos();
    if (!struct_from_entries(in, what, fields, entries, on_field)) return false;
    in.seek(end);
    return true;
  }
  if (c == '[') {
    std::vector<std::size_t> elements;
    if (!in.collect_array(elements)) return false;
    const std::size_t end = in.pos();
    if (!struct_from_array(in, what, fields, elements, at, on_field)) return false;
    in.seek(end);
    return true;
  }
  return in.wrong_type(std::string(what) + " must be an object (or an array of its fields)");
}

bool read_room_code_bytes(json_reader& in, std::string& out) {
  if (in.peek_token() != '[') {
    return in.wrong_type("room_code must be an array of 32 integers 0..255");
  }
  in.bump();
  out.clear();
  std::size_t count = 0;
  std::size_t extra_at = 0;
  bool first = true;
  while (true) {
    int c = in.peek_token();
    if (c < 0) return in.fail(error::eof, "body ends inside room_code");
    if (c == ']') {
      in.bump();
      break;
    }
    if (!first) {
      if (c != ',') {
        return in.fail(error::invalid_json,
                       "expected ',' or ']' in room_code, found " + detail::describe_byte(c));
      }
      in.bump();
      c = in.peek_token();
      if (c == ']') return in.fail(error::invalid_json, "trailing comma in room_code");
      if (c < 0) return in.fail(error::eof, "body ends inside room_code");
    }
    first = false;
    if (count >= 32) {
      // serde stops after 32; count the rest for a useful message.
      if (count == 32) extra_at = in.pos();
      if (!in.skip_value()) return false;
      ++count;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t b = 0, e = 0;
      bool plain = false;
      if (!in.scan_number(b, e, plain)) return false;
      const std::string_view token = in.text().substr(b, e - b);
      unsigned value = 0;
      bool fits = plain && token.size() <= 3;
      if (fits) {
        for (char d : token) value = value * 10 + static_cast<unsigned>(d - '0');
        fits = value <= 255;
      }
      if (!fits) {
        return in.fail_at(b, error::invalid_value,
                          "room_code element " + std::to_string(count) + " is " +
                              std::string(token) + ", expected an integer 0..255");
      }
      out.push_back(static_cast<char>(value));
    } else {
      if (!in.wrong_type("room_code element " + std::to_string(count) +
                         " must be an integer 0..255")) {
        return false;
      }
    }
    ++count;
  }
  if (count != 32) {
    return in.fail_at(count > 32 ? extra_at : in.pos() - 1, error::invalid_length,
                      "room_code has " + std::to_string(count) + " elements, expected 32");
  }
  return true;
}

bool read_room_code(json_reader& in, profile p, std::string& out) {
  if (externally_tagged(p)) return read_room_code_bytes(in, out);
  if (in.peek_token() != '"') return in.wrong_type("room_code must be a string");
  return in.read_string(out);
}

template <class Addr, class Parse>
bool read_address(json_reader& in, std::string_view field, std::optional<Addr>& out, Parse parse,
                  std::string_view form) {
  const int c = in.peek_token();
  if (c != '"') {
    return in.wrong_type(std::string(field) + " must be a string " + std::string(form) +
                         " or null");
  }
  const std::size_t at = in.pos();
  std::string text;
  if (!in.read_string(text)) return false;
  auto addr = parse(text);
  if (!addr) {
    return in.fail_at(at, error::invalid_address,
                      std::string(field) + " is not a socket address " + std::string(form) +
                          ": \"" + text + "\"");
  }
  out = *addr;
  return true;
}

constexpr std::array<field_spec, 2> contact_fields{{{"v4", true}, {"v6", true}}};
constexpr std::array<field_spec, 2> full_contact_fields{{{"local", false}, {"public", false}}};

bool read_contact(json_reader& in, std::string_view what, contact& out);

bool read_null_or_fail(json_reader& in) {
  // Consumes a `null` literal (the caller saw 'n').
  const std::size_t at = in.pos();
  std::string_view rest = in.text().substr(at);
  if (rest.substr(0, 4) == "null") {
    in.seek(at + 4);
    return true;
  }
  if (rest.size() < 4 && std::string_view("null").substr(0, rest.size()) == rest) {
    return in.fail_at(in.text().size(), error::eof, "body ends inside a literal");
  }
  return in.fail(error::invalid_json, "invalid literal, expected 'null'");
}

bool read_v4(json_reader& in, std::optional<socket_addr_v4>& out) {
  if (in.peek_token() == 'n') return read_null_or_fail(in);
  return read_address(in, "v4", out, parse_socket_addr_v4, "(\"a.b.c.d:port\")");
}

bool read_v6(json_reader& in, std::optional<socket_addr_v6>& out) {
  if (in.peek_token() == 'n') return read_null_or_fail(in);
  return read_address(in, "v6", out, parse_socket_addr_v6, "(\"[v6addr%scope]:port\")");
}

bool read_contact(json_reader& in, std::string_view what, contact& out) {
  out = contact{};
  return read_struct(in, what, contact_fields, [&](std::size_t i) {
    return i == 0 ? read_v4(in, out.v4) : read_v6(in, out.v6);
  });
}

bool read_full_contact_field(json_reader& in, full_contact& out, std::size_t i) {
  return i == 0 ? read_contact(in, "local", out.local) : read_contact(in, "public", out.public_);
}

// ---- requests -------------------------------------------------------------

constexpr std::array<std::string_view, 3> client_variants{"CreateRoom", "RecordPublicAddr",
                                                          "ReadyToShare"};
constexpr std::array<field_spec, 1> create_room_fields{{{"room_code", false}}};
constexpr std::array<field_spec, 2> record_fields{{{"room_code", false}, {"is_creator", false}}};
constexpr std::array<field_spec, 3> ready_fields{
    {{"local_contact", false}, {"room_code", false}, {"is_creator", false}}};

std::span<const field_spec> client_fields(std::size_t variant) {
  switch (variant) {
    case 0:
      return create_room_fields;
    case 1:
      return record_fields;
    default:
      return ready_fields;
  }
}

std::optional<std::size_t> client_variant_index(std::string_view name) {
  for (std::size_t i = 0; i < client_variants.size(); ++i) {
    if (client_variants[i] == name) return i;
  }
  return std::nullopt;
}

bool unknown_client_variant(json_reader& in, std::size_t at, const std::string& name) {
  return in.fail_at(at, error::unknown_variant,
                    "unknown request variant \"" + name +
                        "\", expected CreateRoom, RecordPublicAddr or ReadyToShare");
}

client_msg make_client_msg(std::size_t variant) {
  switch (variant) {
    case 0:
      return create_room{};
    case 1:
      return record_public_addr{};
    default:
      return ready_to_share{};
  }
}

// Parses field `i` of request `msg` at the reader's position.
bool read_client_field(json_reader& in, profile p, client_msg& msg, std::size_t i) {
  if (auto* m = std::get_if<create_room>(&msg)) return read_room_code(in, p, m->room_code);
  if (auto* m = std::get_if<record_public_addr>(&msg)) {
    return i == 0 ? read_room_code(in, p, m->room_code) : in.read_bool(m->is_creator, "is_creator");
  }
  auto& m = std::get<ready_to_share>(msg);
  switch (i) {
    case 0:
      return read_contact(in, "local_contact", m.local_contact);
    case 1:
      return read_room_code(in, p, m.room_code);
    default:
      return in.read_bool(m.is_creator, "is_creator");
  }
}

// ---- replies --------------------------------------------------------------

std::optional<server_msg_type> server_variant(std::string_view name, profile p) {
  auto type = server_msg_type_from_name(name);
  if (type == server_msg_type::error_internal && !has_error_internal(p)) return std::nullopt;
  return type;
}

bool unknown_server_variant(json_reader& in, std::size_t at, const std::string& name) {
  return in.fail_at(at, error::unknown_variant, "unknown reply variant \"" + name + "\"");
}

// ---- externally tagged (v1) -------------------------------------------------

// Reads `{"Name": <value>}` around a callback that reads the value.
template <class OnVariant>
bool read_external_object(json_reader& in, OnVariant&& on_variant) {
  in.bump();  // '{'
  int c = in.peek_token();
  if (c < 0) return in.fail(error::eof, "body ends inside the message object");
  if (c == '}') {
    return in.fail(error::invalid_type, "expected an object with one key naming the message");
  }
  if (c != '"') return in.fail(error::invalid_json, "object key must be a string");
  const std::size_t name_at = in.pos();
  std::string name;
  if (!in.read_string(name)) return false;
  if (!on_variant(name, name_at, /*colon_first=*/true)) return false;
  c = in.peek_token();
  if (c < 0) return in.fail(error::eof, "body ends inside the message object");
  if (c == ',') {
    return in.fail(error::unexpected_key,
                   "the message object must have exactly one key (the variant \"" + name + "\")");
  }
  if (c != '}')
    return in.fail(error::invalid_json, "expected '}', found " + detail::describe_byte(c));
  in.bump();
  return true;
}

bool read_colon(json_reader& in) {
  const int c = in.peek_token();
  if (c < 0) return in.fail(error::eof, "body ends inside the message object");
  if (c != ':') return in.fail(error::invalid_json, "expected ':' after the variant name");
  in.bump();
  return true;
}

bool decode_client_external(json_reader& in, profile p, client_msg& out) {
  const int c = in.peek_token();
  if (c == '"') {
    const std::size_t at = in.pos();
    std::string name;
    if (!in.read_string(name)) return false;
    if (!client_variant_index(name)) return unknown_client_variant(in, at, name);
    return in.fail_at(at, error::invalid_type,
                      "\"" + name + "\" has fields: expected {\"" + name + "\":{...}}");
  }
  if (c != '{') {
    return in.wrong_type("a request must be an object like {\"CreateRoom\":{...}}");
  }
  return read_external_object(in, [&](const std::string& name, std::size_t at, bool) {
    auto variant = client_variant_index(name);
    if (!variant) return unknown_client_variant(in, at, name);
    if (!read_colon(in)) return false;
    out = make_client_msg(*variant);
    return read_struct(in, name, client_fields(*variant),
                       [&](std::size_t i) { return read_client_field(in, p, out, i); });
  });
}

bool decode_server_external(json_reader& in, profile p, server_msg& out) {
  const int c = in.peek_token();
  if (c == '"') {
    const std::size_t at = in.pos();
    std::string name;
    if (!in.read_string(name)) return false;
    auto type = server_variant(name, p);
    if (!type) return unknown_server_variant(in, at, name);
    if (carries_contact(*type)) {
      return in.fail_at(at, error::invalid_type,
                        "\"" + name + "\" carries a contact: expected {\"" + name + "\":{...}}");
    }
    out = server_msg{*type, {}};
    return true;
  }
  if (c != '{') return in.wrong_type("a reply must be a string or a one-key object");
  return read_external_object(in, [&](const std::string& name, std::size_t at, bool) {
    auto type = server_variant(name, p);
    if (!type) return unknown_server_variant(in, at, name);
    if (!read_colon(in)) return false;
    out = server_msg{*type, {}};
    if (!carries_contact(*type)) {
      if (in.peek_token() == 'n') return read_null_or_fail(in);
      return in.wrong_type("\"" + name + "\" takes no value (null)");
    }
    return read_struct(in, name, full_contact_fields,
                       [&](std::size_t i) { return read_full_contact_field(in, out.contact, i); });
  });
}

// ---- internally tagged (v2/v3) ---------------------------------------------

struct tagged_body {
  std::string tag;
  std::size_t tag_at = 0;
  bool is_array = false;
  std::vector<json_reader::entry> entries;  // object form, without "type"
  std::vector<std::size_t> elements;        // array form, without the tag
  std::size_t at = 0;
};

bool read_tag_string(json_reader& in, std::string& out) {
  if (in.peek_token() != '"') return in.wrong_type("`type` must be a string naming the message");
  return in.read_string(out);
}

bool read_tagged(json_reader& in, tagged_body& out) {
  const int c = in.peek_token();
  out.at = in.pos();
  if (c == '{') {
    std::vector<json_reader::entry> entries;
    if (!in.collect_object(entries)) return false;
    bool have_tag = false;
    for (auto& e : entries) {
      if (e.key != "type") {
        out.entries.push_back(std::move(e));
        continue;
      }
      if (have_tag)
        return in.fail_at(e.value_pos, error::duplicate_field, "duplicate field `type`");
      have_tag = true;
      out.tag_at = e.value_pos;
      in.seek(e.value_pos);
      if (!read_tag_string(in, out.tag)) return false;
    }
    if (!have_tag) return in.fail_at(out.at, error::missing_field, "missing field `type`");
    return true;
  }
  if (c == '[') {
    std::vector<std::size_t> elements;
    if (!in.collect_array(elements)) return false;
    if (elements.empty()) {
      return in.fail_at(out.at, error::missing_field,
                        "missing field `type` (the array form starts with the message type)");
    }
    out.is_array = true;
    out.tag_at = elements[0];
    in.seek(elements[0]);
    if (!read_tag_string(in, out.tag)) return false;
    out.elements.assign(elements.begin() + 1, elements.end());
    return true;
  }
  return in.wrong_type(R"(a message must be an object like {"type":"CreateRoom",...})");
}

template <class OnField>
bool tagged_struct(json_reader& in, const tagged_body& body, std::string_view what,
                   std::span<const field_spec> fields, OnField&& on_field) {
  if (body.is_array) {
    return struct_from_array(in, what, fields, body.elements, body.at, on_field);
  }
  return struct_from_entries(in, what, fields, body.entries, on_field);
}

bool decode_client_internal(json_reader& in, profile p, client_msg& out) {
  tagged_body body;
  if (!read_tagged(in, body)) return false;
  auto variant = client_variant_index(body.tag);
  if (!variant) return unknown_client_variant(in, body.tag_at, body.tag);
  out = make_client_msg(*variant);
  return tagged_struct(in, body, body.tag, client_fields(*variant),
                       [&](std::size_t i) { return read_client_field(in, p, out, i); });
}

bool decode_server_internal(json_reader& in, profile p, server_msg& out) {
  tagged_body body;
  if (!read_tagged(in, body)) return false;
  auto type = server_variant(body.tag, p);
  if (!type) return unknown_server_variant(in, body.tag_at, body.tag);
  out = server_msg{*type, {}};
  if (!carries_contact(*type)) {
    if (body.is_array && !body.elements.empty()) {
      return in.fail_at(body.at, error::invalid_length,
                        "\"" + body.tag + "\" takes no fields in array form");
    }
    return true;
  }
  return tagged_struct(in, body, body.tag, full_contact_fields,
                       [&](std::size_t i) { return read_full_contact_field(in, out.contact, i); });
}

template <class Msg, class Decode>
result<Msg> decode_body(std::string_view body, profile p, Decode decode) {
  json_reader in(body);
  Msg msg{};
  bool ok = false;
  if (externally_tagged(p)) {
    ok = in.peek_token() < 0 ? in.fail(error::eof, "empty body") : decode(in, p, msg, true);
    ok = ok && in.expect_end();
  } else {
    ok = in.validate_document() && decode(in, p, msg, false);
  }
  if (!ok) return in.failure();
  return msg;
}

// ---- encoding ---------------------------------------------------------------

void write_contact(std::string& out, const contact& c) {
  out += "{\"v4\":";
  out += c.v4 ? "\"" + to_string(*c.v4) + "\"" : std::string("null");
  out += ",\"v6\":";
  out += c.v6 ? "\"" + to_string(*c.v6) + "\"" : std::string("null");
  out += "}";
}

void write_full_contact_fields(std::string& out, const full_contact& c) {
  out += "\"local\":";
  write_contact(out, c.local);
  out += ",\"public\":";
  write_contact(out, c.public_);
}

bool write_room_code(std::string& out, const std::string& code, profile p) {
  if (externally_tagged(p)) {
    if (code.size() != 32) return false;
    out += '[';
    for (std::size_t i = 0; i < code.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(static_cast<unsigned char>(code[i]));
    }
    out += ']';
    return true;
  }
  if (!base::is_valid_utf8(code)) return false;
  out += encode_json_string(code);
  return true;
}

}  // namespace

std::string encode_json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00" + base::encode_hex(std::string_view(&ch, 1));
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

result<client_msg> decode_client_msg(std::string_view body, profile p) {
  return decode_body<client_msg>(body, p, [](json_reader& in, profile pr, client_msg& m, bool ext) {
    return ext ? decode_client_external(in, pr, m) : decode_client_internal(in, pr, m);
  });
}

result<server_msg> decode_server_msg(std::string_view body, profile p) {
  return decode_body<server_msg>(body, p, [](json_reader& in, profile pr, server_msg& m, bool ext) {
    return ext ? decode_server_external(in, pr, m) : decode_server_internal(in, pr, m);
  });
}

result<std::string> encode_body(const client_msg& msg, profile p) {
  const bool ext = externally_tagged(p);
  const std::string_view name = variant_name(msg);
  std::string out;
  out += ext ? "{\"" + std::string(name) + "\":{" : "{\"type\":\"" + std::string(name) + "\",";
  const std::string* code = nullptr;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, ready_to_share>) {
          out += "\"local_contact\":";
          write_contact(out, m.local_contact);
          out += ',';
        }
        code = &m.room_code;
      },
      msg);
  out += "\"room_code\":";
  if (!write_room_code(out, *code, p)) {
    return make_error(error::unencodable,
                      ext ? "a v1 room_code must be exactly 32 bytes, this one has " +
                                std::to_string(code->size())
                          : std::string("a v2/v3 room_code must be valid UTF-8"));
  }
  if (const auto* r = std::get_if<record_public_addr>(&msg)) {
    out += r->is_creator ? ",\"is_creator\":true" : ",\"is_creator\":false";
  } else if (const auto* s = std::get_if<ready_to_share>(&msg)) {
    out += s->is_creator ? ",\"is_creator\":true" : ",\"is_creator\":false";
  }
  out += ext ? "}}" : "}";
  return out;
}

result<std::string> encode_body(const server_msg& msg, profile p) {
  if (msg.type == server_msg_type::error_internal && !has_error_internal(p)) {
    return make_error(error::unencodable,
                      "ErrorInternal does not exist in " + std::string(to_string(p)));
  }
  const std::string name(variant_name(msg.type));
  std::string out;
  if (externally_tagged(p)) {
    if (!carries_contact(msg.type)) return "\"" + name + "\"";
    out = "{\"" + name + "\":{";
    write_full_contact_fields(out, msg.contact);
    out += "}}";
    return out;
  }
  out = "{\"type\":\"" + name + "\"";
  if (carries_contact(msg.type)) {
    out += ',';
    write_full_contact_fields(out, msg.contact);
  }
  out += '}';
  return out;
}

}  // namespace gday::wire
