#pragma once
// Checks the codec fuzzers (client_msg, server_msg) make on every body:
// decode_checked (v2/v3 agreement, well-formed failures), check_round_trip
// (decode → encode → decode is the identity, encoding a fixed point) and
// check_move (moving a message to another profile).
//
// A Codec describes one message type:
//   using message = ...;                    what decodes
//   static constexpr const char* target;    the fuzzer's name, heading failure reports
//   static constexpr const char* noun;      "message" or "reply", in failure reports
//   static wire::result<message> decode(std::string_view body, wire::profile p);
//   static std::string_view name(const message& msg);  the variant name its encoding carries

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gday/wire/codec.hpp"
#include "gday/wire/error.hpp"
#include "gday/wire/profile.hpp"

namespace gday::fuzz {

/// Reports a broken invariant: prints "<target>: <what>", the body and the
/// detail to stderr, then aborts.
[[noreturn]] inline void fail_on_body(const char* target, std::string_view what,
                                      std::string_view body, const std::string& detail = {}) {
  std::fprintf(stderr, "%s: %.*s\nbody: %.*s\n%s\n", target, static_cast<int>(what.size()),
               what.data(), static_cast<int>(body.size()), body.data(), detail.c_str());
  std::abort();
}

/// Whether a decoder may fail with `code`: any error but the framing and
/// encoding ones, and only one that has a name.
inline bool is_decode_error(wire::error code) {
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

/// The profile a decoded message is moved to by check_move: v3 from v1, v1
/// from v2 and v3.
inline wire::profile other_profile(wire::profile p) {
  return p == wire::profile::v1 ? wire::profile::v3 : wire::profile::v1;
}

/// Decodes `body` in profile `p` and returns the result, after checking it:
/// v2 and v3 differ only in the version byte, so they must give the same
/// verdict on every body; a failure must be a decoding error, at an offset
/// inside the body, with a rule.
template <class Codec>
auto decode_checked(std::string_view body, wire::profile p) {
  auto msg = Codec::decode(body, p);

  if (p != wire::profile::v1) {
    const wire::profile twin_profile =
        p == wire::profile::v2 ? wire::profile::v3 : wire::profile::v2;
    auto twin = Codec::decode(body, twin_profile);
    if (msg.has_value() != twin.has_value()) {
      fail_on_body(Codec::target, "v2 and v3 disagree on a body", body);
    }
    if (msg && !(*msg == *twin)) {
      fail_on_body(Codec::target, "v2 and v3 decode a body differently", body);
    }
    if (!msg &&
        (msg.error().code != twin.error().code || msg.error().offset != twin.error().offset)) {
      fail_on_body(Codec::target, "v2 and v3 reject a body differently", body,
                   msg.error().what() + "\n" + twin.error().what());
    }
  }

  if (!msg) {
    const wire::error_info& error = msg.error();
    if (!is_decode_error(error.code)) {
      fail_on_body(Codec::target, "a decode failed with a non-decoding error", body);
    }
    if (error.offset > body.size()) {
      fail_on_body(Codec::target, "an error offset past the body", body, error.what());
    }
    if (wire::rule_of(error.code).empty()) {
      fail_on_body(Codec::target, "an error without a rule", body);
    }
  }
  return msg;
}

/// For `msg`, decoded from `body` in profile `p`: its encoding must name the
/// variant and decode back to `msg`, and encoding that must give the same
/// bytes again.
template <class Codec>
void check_round_trip(const typename Codec::message& msg, wire::profile p, std::string_view body) {
  auto encoded = wire::encode_body(msg, p);
  if (!encoded) {
    fail_on_body(Codec::target, std::string("a decoded ") + Codec::noun + " does not encode", body,
                 encoded.error().what());
  }
  if (encoded->find(Codec::name(msg)) == std::string::npos) {
    fail_on_body(Codec::target, "the encoding does not name the variant", body, *encoded);
  }
  auto back = Codec::decode(*encoded, p);
  if (!back) fail_on_body(Codec::target, "the canonical encoding does not decode", body, *encoded);
  if (!(*back == msg)) fail_on_body(Codec::target, "decode(encode(m)) != m", body, *encoded);
  auto again = wire::encode_body(*back, p);
  if (!again || *again != *encoded) {
    fail_on_body(Codec::target, "encode(decode(encode(m))) != encode(m)", body, *encoded);
  }
}

/// Moves `msg`, decoded from `body`, to profile `to`. When it has a form there
/// (`representable`) it must encode and decode back to itself; otherwise
/// encoding must fail as unencodable, or the check fails with `unrepresentable`.
template <class Codec>
void check_move(const typename Codec::message& msg, wire::profile to, bool representable,
                const char* unrepresentable, std::string_view body) {
  auto encoded = wire::encode_body(msg, to);
  if (!representable) {
    if (encoded || encoded.error().code != wire::error::unencodable) {
      fail_on_body(Codec::target, unrepresentable, body);
    }
    return;
  }
  const std::string noun = Codec::noun;
  if (!encoded) {
    fail_on_body(Codec::target, "a representable " + noun + " does not encode", body,
                 encoded.error().what());
  }
  auto back = Codec::decode(*encoded, to);
  if (!back) {
    fail_on_body(Codec::target, "a " + noun + " moved to another profile does not decode",
                 *encoded);
  }
  if (!(*back == msg)) {
    fail_on_body(Codec::target, "a " + noun + " moved to another profile changed", body, *encoded);
  }
}

}  // namespace gday::fuzz
