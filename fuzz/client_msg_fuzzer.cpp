// Fuzzes the request codec (spec §3): decode_client_msg on arbitrary bodies.
// Whatever decodes must encode, decode back to itself and re-encode to the
// same bytes; v2 and v3 (one codec, two version bytes) must agree on every
// body; a message must move between profiles exactly when its room code is
// representable in both. A failure must carry a decoding error code.
//
// Input: first byte = profile (1 v1, 2 v2, 3 v3, 0 v3; any byte modulo 3),
// the rest is the body. With libFuzzer, a structure-aware mutator decodes the
// body when it can, changes fields (variant, room code, is_creator, addresses,
// profile) and writes it back in one of the many forms the decoder accepts
// (key order, array forms, unknown keys, whitespace, escapes, non-canonical
// addresses); bodies it cannot decode get libFuzzer's byte mutations.
#include "gday/wire/codec.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gday/wire/address.hpp"
#include "gday/wire/error.hpp"
#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"

namespace {

namespace wire = gday::wire;

[[noreturn]] void fail(const char* what, std::string_view body, const std::string& detail = {}) {
  std::fprintf(stderr, "client_msg_fuzzer: %s\nbody: %.*s\n%s\n", what,
               static_cast<int>(body.size()), body.data(), detail.c_str());
  std::abort();
}

wire::profile profile_of(std::uint8_t selector) {
  switch (selector % 3) {
    case 1:
      return wire::profile::v1;
    case 2:
      return wire::profile::v2;
    default:
      return wire::profile::v3;
  }
}

const std::string& room_code_of(const wire::client_msg& msg) {
  return std::visit([](const auto& m) -> const std::string& { return m.room_code; }, msg);
}

/// RFC 3629 UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF): what
/// a v2/v3 room code must be.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t min = 0, cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1, min = 0x80, cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2, min = 0x800, cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3, min = 0x10000, cp = c & 0x07u;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

bool is_decode_error(wire::error code) {
  switch (code) {
    case wire::error::wrong_version:
    case wire::error::body_too_long:
    case wire::error::truncated:
    case wire::error::unencodable:
      return false;
    default:
      return !wire::to_string(code).empty();
  }
}

/// Moves a decoded message to another profile: it must work exactly when the
/// room code has a form there, and then round-trip.
void check_other_profile(const wire::client_msg& msg, wire::profile to, std::string_view body) {
  const std::string& code = room_code_of(msg);
  const bool representable = wire::externally_tagged(to) ? code.size() == 32 : valid_utf8(code);
  auto encoded = wire::encode_body(msg, to);
  if (!representable) {
    if (encoded || encoded.error().code != wire::error::unencodable) {
      fail("a room code without a form in the other profile was encoded", body);
    }
    return;
  }
  if (!encoded) fail("a representable message does not encode", body, encoded.error().what());
  auto back = wire::decode_client_msg(*encoded, to);
  if (!back) fail("a message moved to another profile does not decode", *encoded);
  if (!(*back == msg)) fail("a message moved to another profile changed", body, *encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const wire::profile p = profile_of(data[0]);
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto msg = wire::decode_client_msg(body, p);

  // v2 and v3 differ only in the version byte: same verdict on every body.
  if (p != wire::profile::v1) {
    const wire::profile twin_profile =
        p == wire::profile::v2 ? wire::profile::v3 : wire::profile::v2;
    auto twin = wire::decode_client_msg(body, twin_profile);
    if (msg.has_value() != twin.has_value()) fail("v2 and v3 disagree on a body", body);
    if (msg && !(*msg == *twin)) fail("v2 and v3 decode a body differently", body);
    if (!msg &&
        (msg.error().code != twin.error().code || msg.error().offset != twin.error().offset)) {
      fail("v2 and v3 reject a body differently", body,
           msg.error().what() + "\n" + twin.error().what());
    }
  }

  if (!msg) {
    const wire::error_info& error = msg.error();
    if (!is_decode_error(error.code)) fail("a decode failed with a non-decoding error", body);
    if (error.offset > body.size()) fail("an error offset past the body", body, error.what());
    if (wire::rule_of(error.code).empty()) fail("an error without a rule", body);
    return 0;
  }

  if (wire::externally_tagged(p) && room_code_of(*msg).size() != 32) {
    fail("v1 decoded a room code that is not 32 bytes", body);
  }
  auto encoded = wire::encode_body(*msg, p);
  if (!encoded) fail("a decoded message does not encode", body, encoded.error().what());
  if (encoded->find(wire::variant_name(*msg)) == std::string::npos) {
    fail("the encoding does not name the variant", body, *encoded);
  }
  auto back = wire::decode_client_msg(*encoded, p);
  if (!back) fail("the canonical encoding does not decode", body, *encoded);
  if (!(*back == *msg)) fail("decode(encode(m)) != m", body, *encoded);
  auto again = wire::encode_body(*back, p);
  if (!again || *again != *encoded) fail("encode(decode(encode(m))) != encode(m)", body, *encoded);

  if (p == wire::profile::v1) {
    check_other_profile(*msg, wire::profile::v3, body);
  } else {
    check_other_profile(*msg, wire::profile::v1, body);
  }
  return 0;
}

#ifdef GDAY_FUZZ_LIBFUZZER

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

/// Writes messages in the shapes serde accepts (and now and then one it does
/// not), chosen by a random generator.
class writer {
 public:
  writer(std::minstd_rand& rng, wire::profile p) : rng_(rng), profile_(p) {
    spaced_ = pick(4) == 0;
  }

  std::size_t pick(std::size_t n) { return n == 0 ? 0 : rng_() % n; }

  std::string request(const wire::client_msg& msg) {
    std::vector<std::pair<std::string, std::string>> fields;
    if (const auto* ready = std::get_if<wire::ready_to_share>(&msg)) {
      fields.emplace_back("local_contact", contact(ready->local_contact));
    }
    fields.emplace_back("room_code", room_code(room_code_of(msg)));
    if (const auto* record = std::get_if<wire::record_public_addr>(&msg)) {
      fields.emplace_back("is_creator", record->is_creator ? "true" : "false");
    } else if (const auto* ready = std::get_if<wire::ready_to_share>(&msg)) {
      fields.emplace_back("is_creator", ready->is_creator ? "true" : "false");
    }
    const std::string name(wire::variant_name(msg));
    const bool as_array = pick(5) == 0;
    if (wire::externally_tagged(profile_)) {
      std::vector<std::pair<std::string, std::string>> outer;
      outer.emplace_back(name, as_array ? array_of(fields) : object(fields));
      return object(outer, /*unknown_keys=*/pick(32) == 0);
    }
    if (as_array) {
      fields.insert(fields.begin(), {"type", string(name)});
      return array_of(fields);
    }
    fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(pick(fields.size() + 1)),
                  {"type", string(name)});
    return object(fields);
  }

 private:
  std::string ws() {
    if (!spaced_) return {};
    static constexpr std::array<std::string_view, 6> spaces{"", " ", "\n  ", "\t", "\r\n", "  "};
    return std::string(spaces[pick(spaces.size())]);
  }

  /// A JSON string, now and then with an ASCII character written as \u00XX
  /// or '/' as "\/" (serde reads both).
  std::string string(std::string_view text) {
    std::string out = "\"";
    const bool escape_some = pick(6) == 0;
    for (char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (escape_some && c >= 0x20 && c < 0x7f && pick(4) == 0) {
        static constexpr char hex[] = "0123456789abcdef";
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
      } else if (c == '/' && pick(2) == 0) {
        out += "\\/";
      } else {
        std::string one = wire::encode_json_string(std::string_view(&ch, 1));
        out += one.substr(1, one.size() - 2);
      }
    }
    return out + "\"";
  }

  std::string unknown_value() {
    static constexpr std::array<std::string_view, 14> values{"1",
                                                             "-0.5e10",
                                                             "\"x\"",
                                                             "null",
                                                             "true",
                                                             "[]",
                                                             "{}",
                                                             "[{}]",
                                                             "1e400",
                                                             "\"\\ud800\"",
                                                             "\"\xff\"",
                                                             "[[[[1]]]]",
                                                             "{\"a\":{\"b\":[]}}",
                                                             "0"};
    return std::string(values[pick(values.size())]);
  }

  std::string object(std::vector<std::pair<std::string, std::string>> fields,
                     bool unknown_keys = true) {
    if (pick(4) == 0) std::shuffle(fields.begin(), fields.end(), rng_);
    if (unknown_keys && pick(4) == 0) {
      const std::size_t at = pick(fields.size() + 1);
      fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(at),
                    {"zz_" + std::to_string(pick(100)), unknown_value()});
    }
    if (pick(64) == 0 && !fields.empty()) fields.push_back(fields[pick(fields.size())]);
    std::string out = "{" + ws();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += "," + ws();
      out += string(fields[i].first) + ws() + ":" + ws() + fields[i].second + ws();
    }
    return out + "}";
  }

  std::string array_of(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out = "[" + ws();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += "," + ws();
      out += fields[i].second + ws();
    }
    return out + "]";
  }

  std::string room_code(const std::string& code) {
    if (!wire::externally_tagged(profile_)) return string(code);
    std::string out = "[" + ws();
    for (std::size_t i = 0; i < code.size(); ++i) {
      if (i > 0) out += "," + ws();
      out += std::to_string(static_cast<unsigned char>(code[i]));
    }
    return out + ws() + "]";
  }

  std::string v4_text(const wire::socket_addr_v4& addr) {
    if (pick(4) != 0) return string(wire::to_string(addr));
    // Leading zeros in the port are allowed.
    std::string text = std::to_string(addr.octets[0]);
    for (std::size_t i = 1; i < 4; ++i) text += "." + std::to_string(addr.octets[i]);
    return string(text + ":00" + std::to_string(addr.port));
  }

  std::string v6_text(const wire::socket_addr_v6& addr) {
    if (pick(3) != 0) return string(wire::to_string(addr));
    // The uncompressed form, maybe in upper case.
    static constexpr char lower[] = "0123456789abcdef";
    static constexpr char upper[] = "0123456789ABCDEF";
    const char* digits = pick(2) == 0 ? lower : upper;
    std::string text = "[";
    for (std::size_t i = 0; i < 8; ++i) {
      if (i > 0) text += ':';
      const std::uint16_t s = addr.segments[i];
      bool started = false;
      for (int shift = 12; shift >= 0; shift -= 4) {
        const auto nibble = static_cast<unsigned>((s >> shift) & 0xf);
        if (nibble != 0 || started || shift == 0) {
          text += digits[nibble];
          started = true;
        }
      }
    }
    if (addr.scope_id != 0) text += "%" + std::to_string(addr.scope_id);
    return string(text + "]:" + std::to_string(addr.port));
  }

  std::string bad_address() {
    static constexpr std::array<std::string_view, 10> bad{
        "\"1.2.3.04:5\"", "\"1.2.3.4\"",     "\"[::1]\"", "\"::1:5\"",     "\"1.2.3.4:65536\"",
        "\"[::1]:-1\"",   "\"[1::2::3]:4\"", "5",         "\"[::1%x]:1\"", "\"1.2.3.4:5 \""};
    return std::string(bad[pick(bad.size())]);
  }

  std::string contact(const wire::contact& c) {
    std::string v4 = c.v4 ? v4_text(*c.v4) : "null";
    std::string v6 = c.v6 ? v6_text(*c.v6) : "null";
    if (pick(64) == 0) (pick(2) == 0 ? v4 : v6) = bad_address();
    if (pick(6) == 0) return "[" + ws() + v4 + "," + ws() + v6 + ws() + "]";
    std::vector<std::pair<std::string, std::string>> fields;
    // Option fields may be left out when null.
    if (c.v4 || pick(3) != 0) fields.emplace_back("v4", v4);
    if (c.v6 || pick(3) != 0) fields.emplace_back("v6", v6);
    return object(fields);
  }

  std::minstd_rand& rng_;
  wire::profile profile_;
  bool spaced_ = false;
};

/// Changes one or two fields of a message.
class message_mutator {
 public:
  explicit message_mutator(std::minstd_rand& rng) : rng_(rng) {}

  std::size_t pick(std::size_t n) { return n == 0 ? 0 : rng_() % n; }

  void mutate(wire::client_msg& msg, wire::profile& p) {
    const std::size_t changes = 1 + pick(2);
    for (std::size_t i = 0; i < changes; ++i) mutate_once(msg, p);
    make_encodable(msg, p);
  }

 private:
  void mutate_once(wire::client_msg& msg, wire::profile& p) {
    std::string code = room_code_of(msg);
    bool is_creator = false;
    wire::contact local;
    if (const auto* r = std::get_if<wire::record_public_addr>(&msg)) is_creator = r->is_creator;
    if (const auto* r = std::get_if<wire::ready_to_share>(&msg)) {
      is_creator = r->is_creator;
      local = r->local_contact;
    }
    std::size_t variant = msg.index();
    switch (pick(6)) {
      case 0:
        variant = pick(3);
        break;
      case 1:
        mutate_room_code(code, p);
        break;
      case 2:
        is_creator = !is_creator;
        break;
      case 3:
        variant = 2;
        mutate_contact(local);
        break;
      case 4:
        p = static_cast<wire::profile>(1 + pick(3));
        break;
      default:
        break;  // only written differently
    }
    switch (variant) {
      case 0:
        msg = wire::create_room{code};
        break;
      case 1:
        msg = wire::record_public_addr{code, is_creator};
        break;
      default:
        msg = wire::ready_to_share{local, code, is_creator};
        break;
    }
  }

  void mutate_room_code(std::string& code, wire::profile p) {
    if (wire::externally_tagged(p)) {
      code.resize(32, '\0');
      switch (pick(4)) {
        case 0:
          code[pick(32)] = static_cast<char>(pick(256));
          break;
        case 1:
          for (char& c : code) c = static_cast<char>(pick(256));
          break;
        case 2:
          code.assign(32, static_cast<char>(pick(256)));
          break;
        default:
          code = "room-" + std::to_string(pick(8));
          code.resize(32, '.');
          break;
      }
      return;
    }
    static constexpr std::array<std::string_view, 14> pieces{
        "a", "Z",    "0",   " ",           "\"", "\\", "\n", "\x01", "\xc3\xa9", "\xf0\x9f\x98\x80",
        "/", "\x7f", "hv-", "\xe2\x80\xa8"};
    switch (pick(5)) {
      case 0:
        code.clear();
        break;
      case 1:
        if (!code.empty()) code.erase(pick(code.size()), 1);
        break;
      case 2:
        code.append(std::string(1 + pick(200), 'a'));
        break;
      default:
        code.insert(pick(code.size() + 1), pieces[pick(pieces.size())]);
        break;
    }
  }

  wire::socket_addr_v4 some_v4() {
    wire::socket_addr_v4 a;
    static constexpr std::array<std::array<std::uint8_t, 4>, 4> known{
        {{0, 0, 0, 0}, {255, 255, 255, 255}, {127, 0, 0, 1}, {1, 2, 3, 4}}};
    if (pick(2) == 0) {
      a.octets = known[pick(known.size())];
    } else {
      for (auto& o : a.octets) o = static_cast<std::uint8_t>(pick(256));
    }
    static constexpr std::array<std::uint16_t, 4> ports{0, 1, 65535, 8080};
    a.port = pick(2) == 0 ? ports[pick(ports.size())] : static_cast<std::uint16_t>(pick(65536));
    return a;
  }

  wire::socket_addr_v6 some_v6() {
    wire::socket_addr_v6 a;
    switch (pick(6)) {
      case 0:
        break;  // ::
      case 1:
        a.segments[7] = 1;  // ::1
        break;
      case 2:  // ::ffff:a.b.c.d
        a.segments[5] = 0xffff;
        a.segments[6] = static_cast<std::uint16_t>(pick(65536));
        a.segments[7] = static_cast<std::uint16_t>(pick(65536));
        break;
      case 3:  // ::a.b.c.d (embedded, not mapped)
        a.segments[6] = static_cast<std::uint16_t>(pick(65536));
        a.segments[7] = static_cast<std::uint16_t>(pick(65536));
        break;
      case 4:  // fe80::x
        a.segments[0] = 0xfe80;
        a.segments[7] = static_cast<std::uint16_t>(pick(65536));
        break;
      default:
        for (auto& s : a.segments) s = pick(3) == 0 ? 0 : static_cast<std::uint16_t>(pick(65536));
        break;
    }
    a.port = static_cast<std::uint16_t>(pick(65536));
    if (pick(4) == 0) a.scope_id = pick(2) == 0 ? 0xffffffffu : static_cast<std::uint32_t>(rng_());
    return a;
  }

  void mutate_contact(wire::contact& c) {
    switch (pick(4)) {
      case 0:
        c.v4 = pick(3) == 0 ? std::nullopt : std::optional(some_v4());
        break;
      case 1:
        c.v6 = pick(3) == 0 ? std::nullopt : std::optional(some_v6());
        break;
      case 2:
        c = {};
        break;
      default:
        c.v4 = some_v4();
        c.v6 = some_v6();
        break;
    }
  }

  static void make_encodable(wire::client_msg& msg, wire::profile p) {
    std::visit(
        [p](auto& m) {
          if (wire::externally_tagged(p)) {
            m.room_code.resize(32, '.');
          } else if (!valid_utf8(m.room_code)) {
            for (char& c : m.room_code) {
              if (static_cast<unsigned char>(c) >= 0x80) c = '?';
            }
          }
        },
        msg);
  }

  std::minstd_rand& rng_;
};

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  if (size >= 1 && max_size >= 2 && rng() % 8 != 0) {
    wire::profile p = profile_of(data[0]);
    auto msg = wire::decode_client_msg(
        std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), p);
    if (msg) {
      message_mutator(rng).mutate(*msg, p);
      const std::string body = writer(rng, p).request(*msg);
      if (body.size() + 1 <= max_size) {
        data[0] = wire::version_byte(p);
        std::memcpy(data + 1, body.data(), body.size());
        std::size_t out = body.size() + 1;
        // Now and then a byte-level change on top of a well-formed body.
        if (rng() % 8 == 0) out = 1 + LLVMFuzzerMutate(data + 1, out - 1, max_size - 1);
        return out;
      }
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

#endif  // GDAY_FUZZ_LIBFUZZER
