// Fuzzes the reply codec (spec §3, §4): decode_server_msg on arbitrary
// bodies. Whatever decodes must encode, decode back to itself and re-encode
// to the same bytes; v2 and v3 (one codec, two version bytes) must agree on
// every body; a reply must move between profiles unless it is ErrorInternal
// (v1 only). A failure must carry a decoding error code.
//
// Input: first byte = profile (1 v1, 2 v2, 3 v3, 0 v3; any byte modulo 3),
// the rest is the body. With libFuzzer, a structure-aware mutator decodes the
// body when it can, changes fields (reply type, contacts, profile) and writes
// it back in one of the many forms the decoder accepts (unit variants as a
// string or {"X":null}, key order, array forms, unknown keys, whitespace,
// escapes, non-canonical addresses); bodies it cannot decode get libFuzzer's
// byte mutations.
#include "gday/wire/codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"
#include "support/common.hpp"
#include "support/message_writer.hpp"
#include "support/round_trip.hpp"

namespace {

namespace wire = gday::wire;
using gday::fuzz::profile_of;

/// The reply codec, as the shared checks and mutator see it.
struct reply_codec {
  using message = wire::server_msg;
  static constexpr const char* target = "server_msg_fuzzer";
  static constexpr const char* noun = "reply";
  static auto decode(std::string_view body, wire::profile p) {
    return wire::decode_server_msg(body, p);
  }
  static std::string_view name(const message& msg) { return wire::variant_name(msg.type); }
};

[[noreturn]] void fail(const char* what, std::string_view body, const std::string& detail = {}) {
  gday::fuzz::fail_on_body(reply_codec::target, what, body, detail);
}

/// Moves a decoded reply to another profile: it must work unless the reply
/// has no form there (ErrorInternal in v2/v3), and then round-trip.
void check_other_profile(const wire::server_msg& msg, wire::profile to, std::string_view body) {
  const bool representable =
      wire::has_error_internal(to) || msg.type != wire::server_msg_type::error_internal;
  gday::fuzz::check_move<reply_codec>(msg, to, representable,
                                      "ErrorInternal was encoded in a profile without it", body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const wire::profile p = profile_of(data[0]);
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto msg = gday::fuzz::decode_checked<reply_codec>(body, p);
  if (!msg) return 0;

  if (!wire::has_error_internal(p) && msg->type == wire::server_msg_type::error_internal) {
    fail("ErrorInternal decoded in a profile without it", body);
  }
  const std::string_view name = wire::variant_name(msg->type);
  if (wire::server_msg_type_from_name(name) != msg->type)
    fail("the variant name does not map back", body);
  if (wire::describe(*msg).empty()) fail("a reply without a description", body);

  gday::fuzz::check_round_trip<reply_codec>(*msg, p, body);
  check_other_profile(*msg, gday::fuzz::other_profile(p), body);
  return 0;
}

#ifdef GDAY_FUZZ_LIBFUZZER

namespace {

/// Writes replies in the shapes serde accepts (and now and then one it does
/// not), chosen by a random generator.
class reply_writer : public gday::fuzz::message_writer {
 public:
  using message_writer::message_writer;

  std::string write(const wire::server_msg& msg) {
    const std::string name(wire::variant_name(msg.type));
    std::vector<std::pair<std::string, std::string>> fields;
    if (wire::carries_contact(msg.type)) {
      fields.emplace_back("local", contact(msg.contact.local));
      fields.emplace_back("public", contact(msg.contact.public_));
    }
    const bool as_array = pick(5) == 0;
    if (wire::externally_tagged(profile_) && fields.empty()) {
      // A unit variant: "Name", or {"Name":null}.
      if (pick(3) != 0) return string(name);
      std::vector<std::pair<std::string, std::string>> outer;
      outer.emplace_back(name, "null");
      return object(outer, /*unknown_keys=*/false);
    }
    return tagged(name, std::move(fields), as_array);
  }
};

/// Changes one or two fields of a reply.
class reply_mutator : public gday::fuzz::address_mutator {
 public:
  using address_mutator::address_mutator;

  void mutate(wire::server_msg& msg, wire::profile& p) {
    const std::size_t changes = 1 + pick(2);
    for (std::size_t i = 0; i < changes; ++i) mutate_once(msg, p);
    if (!wire::has_error_internal(p) && msg.type == wire::server_msg_type::error_internal) {
      msg.type = wire::server_msg_type::error_syntax;
    }
  }

 private:
  void mutate_once(wire::server_msg& msg, wire::profile& p) {
    switch (pick(5)) {
      case 0:
        msg.type = static_cast<wire::server_msg_type>(pick(wire::server_msg_type_count));
        break;
      case 1:
        mutate_contact(msg.contact.local);
        break;
      case 2:
        mutate_contact(msg.contact.public_);
        break;
      case 3:
        p = static_cast<wire::profile>(1 + pick(3));
        break;
      default:
        break;  // only written differently
    }
  }
};

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  return gday::fuzz::mutate_message<reply_codec, reply_mutator, reply_writer>(data, size, max_size,
                                                                              seed);
}

#endif  // GDAY_FUZZ_LIBFUZZER
