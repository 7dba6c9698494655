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

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"
#include "support/common.hpp"
#include "support/message_writer.hpp"
#include "support/round_trip.hpp"

namespace {

namespace wire = gday::wire;
using gday::fuzz::profile_of;

/// The request codec, as the shared checks and mutator see it.
struct request_codec {
  using message = wire::client_msg;
  static constexpr const char* target = "client_msg_fuzzer";
  static constexpr const char* noun = "message";
  static auto decode(std::string_view body, wire::profile p) {
    return wire::decode_client_msg(body, p);
  }
  static std::string_view name(const message& msg) { return wire::variant_name(msg); }
};

[[noreturn]] void fail(const char* what, std::string_view body, const std::string& detail = {}) {
  gday::fuzz::fail_on_body(request_codec::target, what, body, detail);
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

/// Moves a decoded message to another profile: it must work exactly when the
/// room code has a form there, and then round-trip.
void check_other_profile(const wire::client_msg& msg, wire::profile to, std::string_view body) {
  const std::string& code = room_code_of(msg);
  const bool representable = wire::externally_tagged(to) ? code.size() == 32 : valid_utf8(code);
  gday::fuzz::check_move<request_codec>(
      msg, to, representable, "a room code without a form in the other profile was encoded", body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const wire::profile p = profile_of(data[0]);
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto msg = gday::fuzz::decode_checked<request_codec>(body, p);
  if (!msg) return 0;

  if (wire::externally_tagged(p) && room_code_of(*msg).size() != 32) {
    fail("v1 decoded a room code that is not 32 bytes", body);
  }
  gday::fuzz::check_round_trip<request_codec>(*msg, p, body);
  check_other_profile(*msg, gday::fuzz::other_profile(p), body);
  return 0;
}

#ifdef GDAY_FUZZ_LIBFUZZER

namespace {

/// Writes requests in the shapes serde accepts (and now and then one it does
/// not), chosen by a random generator.
class request_writer : public gday::fuzz::message_writer {
 public:
  using message_writer::message_writer;

  std::string write(const wire::client_msg& msg) {
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
    return tagged(name, std::move(fields), as_array);
  }
};

/// Changes one or two fields of a request.
class request_mutator : public gday::fuzz::address_mutator {
 public:
  using address_mutator::address_mutator;

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
};

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  return gday::fuzz::mutate_message<request_codec, request_mutator, request_writer>(data, size,
                                                                                    max_size, seed);
}

#endif  // GDAY_FUZZ_LIBFUZZER
