#pragma once
// The parts of the structure-aware mutators of the codec fuzzers (client_msg,
// server_msg) that do not depend on the message type: message_writer writes
// JSON in the shapes serde accepts, address_mutator changes contacts, and
// mutate_message (libFuzzer builds only) is the LLVMFuzzerCustomMutator that
// drives them.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gday/wire/address.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"
#include "support/common.hpp"

#ifdef GDAY_FUZZ_LIBFUZZER
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);
#endif

namespace gday::fuzz {

/// Writes the pieces of a message in the shapes serde accepts (and now and
/// then one it does not), chosen by a random generator. A target derives from
/// it and adds write(msg), which puts the pieces together.
class message_writer {
 public:
  message_writer(std::minstd_rand& rng, wire::profile p) : rng_(rng), profile_(p) {
    spaced_ = pick(4) == 0;
  }

  /// A number in [0, n), 0 when n is 0.
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : rng_() % n; }

 protected:
  /// Nothing, or (for a writer that spaces its output) some white space.
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

  /// The value of an unknown key, which the decoder must skip.
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

  /// A JSON object of (key, written value) pairs, now and then shuffled, with
  /// an unknown key (if `unknown_keys`) or with a key repeated.
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

  /// The values of `fields`, in order, as a JSON array (serde's sequence form
  /// of a struct).
  std::string array_of(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out = "[" + ws();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += "," + ws();
      out += fields[i].second + ws();
    }
    return out + "]";
  }

  /// A message of the variant `name` with the written `fields`: in v1
  /// {"Name": fields}, the fields as an object or (`as_array`) an array; in
  /// v2/v3 the fields with a "type" key, anywhere in an object or first in an
  /// array.
  std::string tagged(const std::string& name,
                     std::vector<std::pair<std::string, std::string>> fields, bool as_array) {
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

  /// A room code: a string, or in v1 an array of its byte values.
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

  /// An address the decoder must reject.
  std::string bad_address() {
    static constexpr std::array<std::string_view, 10> bad{
        "\"1.2.3.04:5\"", "\"1.2.3.4\"",     "\"[::1]\"", "\"::1:5\"",     "\"1.2.3.4:65536\"",
        "\"[::1]:-1\"",   "\"[1::2::3]:4\"", "5",         "\"[::1%x]:1\"", "\"1.2.3.4:5 \""};
    return std::string(bad[pick(bad.size())]);
  }

  /// A contact as an object (null addresses maybe left out) or an array,
  /// rarely with a bad address.
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

/// Changes contacts, with addresses at the edges of their ranges. A target
/// derives from it and adds mutate(msg, profile), which changes one or two
/// fields of a message (and maybe its profile).
class address_mutator {
 public:
  explicit address_mutator(std::minstd_rand& rng) : rng_(rng) {}

  /// A number in [0, n), 0 when n is 0.
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : rng_() % n; }

 protected:
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

  std::minstd_rand& rng_;
};

#ifdef GDAY_FUZZ_LIBFUZZER

/// The body of a codec fuzzer's LLVMFuzzerCustomMutator. Input: a profile
/// byte, then a body. Unless the generator draws 1 in 8, a body that decodes
/// as a Codec::message (round_trip.hpp) gets Mutator(rng).mutate(msg, profile)
/// and is written back by Writer(rng, profile).write(msg), 1 in 8 times with
/// a byte-level change on top; anything else gets libFuzzer's mutations.
template <class Codec, class Mutator, class Writer>
std::size_t mutate_message(std::uint8_t* data, std::size_t size, std::size_t max_size,
                           unsigned int seed) {
  std::minstd_rand rng(seed);
  if (size >= 1 && max_size >= 2 && rng() % 8 != 0) {
    wire::profile p = profile_of(data[0]);
    auto msg =
        Codec::decode(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), p);
    if (msg) {
      Mutator(rng).mutate(*msg, p);
      const std::string body = Writer(rng, p).write(*msg);
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

}  // namespace gday::fuzz
