// Fuzzes wire::frame_decoder (spec §2) with arbitrary bytes fed in arbitrary
// splits. The decoder must agree with a whole-stream model of the framing and
// with decode_frames(); every body it yields that decodes as a request or a
// reply must encode, decode back to itself and re-encode to the same bytes.
//
// Input, read with FuzzedDataProvider (integers come off the end, bytes off
// the front): last byte = profile (1 v1, 2 v2, 3 v3, 0 v3; any byte modulo 3),
// the byte before = flags (bit 0: end the stream with finish()), then per
// chunk one length byte from the end and that many stream bytes from the
// front. corpus/frame_decoder/ seeds are `stream + chunk lengths (last chunk
// first) + flags + profile`.
#include "gday/wire/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<fuzzer/FuzzedDataProvider.h>)
#include <fuzzer/FuzzedDataProvider.h>
#else
#include "support/fuzzed_data_provider.hpp"
#endif

#include "gday/wire/codec.hpp"
#include "gday/wire/messages.hpp"
#include "support/common.hpp"

namespace {

namespace wire = gday::wire;
using gday::fuzz::profile_of;
using wire::frame_decoder;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "frame_decoder_fuzzer: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

/// What the framing rules say about a whole stream.
struct model {
  std::vector<std::string> bodies;
  std::optional<wire::error> failure;  ///< wrong_version or body_too_long
  std::size_t failed_frame_at = 0;     ///< stream offset of the bad frame
  std::size_t consumed = 0;            ///< bytes a decoder takes in total
  std::size_t partial = 0;             ///< bytes of an unfinished frame at the end
};

model frame_model(std::string_view stream, wire::profile p) {
  model m;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t left = stream.size() - pos;
    if (left < wire::header_size) {
      m.partial = left;
      pos = stream.size();
      break;
    }
    const auto version = static_cast<std::uint8_t>(stream[pos]);
    const std::size_t length =
        (static_cast<std::size_t>(static_cast<std::uint8_t>(stream[pos + 1])) << 8) |
        static_cast<std::uint8_t>(stream[pos + 2]);
    if (version != wire::version_byte(p)) {
      m.failure = wire::error::wrong_version;
    } else if (length > wire::max_body_length(p)) {
      m.failure = wire::error::body_too_long;
    }
    if (m.failure) {
      m.failed_frame_at = pos;
      pos += wire::header_size;
      break;
    }
    if (left - wire::header_size < length) {
      m.partial = left;
      pos = stream.size();
      break;
    }
    m.bodies.emplace_back(stream.substr(pos + wire::header_size, length));
    pos += wire::header_size + length;
  }
  m.consumed = pos;
  return m;
}

/// decode → encode → decode must be the identity, and encoding a fixed point.
template <class Msg, class Decode>
void check_message_roundtrip(std::string_view body, wire::profile p, Decode decode,
                             const char* direction) {
  auto msg = decode(body, p);
  if (!msg) return;
  const std::string where = std::string(direction) + " body: " + std::string(body);
  auto encoded = wire::encode_body(*msg, p);
  if (!encoded) fail("a decoded message does not encode", where + "\n" + encoded.error().what());
  auto back = decode(*encoded, p);
  if (!back) fail("an encoded message does not decode", *encoded + "\n" + back.error().what());
  check(*back == *msg, "decode(encode(m)) != m", where + "\nencoded: " + *encoded);
  auto again = wire::encode_body(*back, p);
  check(again && *again == *encoded, "encode(decode(encode(m))) != encode(m)", *encoded);

  // Framed, it must come back as exactly that body (or be refused as too long:
  // the canonical form can be longer than a lenient body, e.g. added nulls).
  auto frame = wire::encode_frame(*msg, p);
  if (encoded->size() > wire::max_body_length(p)) {
    check(!frame && frame.error().code == wire::error::body_too_long,
          "an over-long body was framed", *encoded);
    return;
  }
  if (!frame) fail("a message does not frame", frame.error().what());
  auto bodies = wire::decode_frames(*frame, p);
  check(bodies && bodies->size() == 1 && bodies->front() == *encoded,
        "decode_frames(encode_frame(m)) is not encode_body(m)", *encoded);
}

void check_body(const std::string& body, wire::profile p) {
  check(body.size() <= wire::max_body_length(p), "a body over the profile's cap was accepted");
  check_message_roundtrip<wire::client_msg>(
      body, p, [](std::string_view b, wire::profile pr) { return wire::decode_client_msg(b, pr); },
      "request");
  check_message_roundtrip<wire::server_msg>(
      body, p, [](std::string_view b, wire::profile pr) { return wire::decode_server_msg(b, pr); },
      "reply");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const wire::profile p = profile_of(provider.ConsumeIntegral<std::uint8_t>());
  const bool call_finish = (provider.ConsumeIntegral<std::uint8_t>() & 1) != 0;

  frame_decoder decoder(p);
  check(decoder.protocol() == p, "protocol() is not the profile");
  std::string stream;  // every byte offered to the decoder, in order
  std::vector<std::string> bodies;
  std::size_t consumed = 0;
  bool failed = false;

  while (provider.remaining_bytes() > 0) {
    const auto length = provider.ConsumeIntegral<std::uint8_t>();
    const std::string chunk = provider.ConsumeBytesAsString(length);
    if (failed) {
      // After a failure the decoder takes nothing more, ever.
      check(decoder.feed(chunk) == 0, "feed() consumed bytes after a failure");
      continue;
    }
    stream += chunk;
    std::string_view rest = chunk;
    while (true) {
      const std::size_t used = decoder.feed(rest);
      check(used <= rest.size(), "feed() consumed more than it was given");
      consumed += used;
      rest.remove_prefix(used);
      const auto state = decoder.status();
      if (state == frame_decoder::state::frame_ready) {
        check(decoder.feed(rest) == 0, "feed() consumed bytes while a frame was ready");
        check(!decoder.mid_frame(), "mid_frame() while a frame is ready");
        bodies.push_back(decoder.take_body());
        check(decoder.status() == frame_decoder::state::need_more,
              "take_body() did not start the next frame");
        check(decoder.frame_bytes_seen() == 0, "take_body() kept bytes of the old frame");
        continue;
      }
      if (state == frame_decoder::state::failed) {
        check(decoder.feed(rest) == 0, "feed() consumed bytes after a failure");
        failed = true;
        break;
      }
      check(rest.empty(), "need_more with input left over");
      break;
    }
  }

  const model expected = frame_model(stream, p);
  check(bodies == expected.bodies, "the bodies differ from the framing model");
  check(consumed == expected.consumed, "consumed a different number of bytes than the model");
  check(failed == expected.failure.has_value(), "failed where the model does not (or vice versa)");
  if (failed) {
    const wire::error_info& error = decoder.error();
    check(error.code == *expected.failure, "wrong failure code", error.what());
    check(error.offset >= expected.failed_frame_at &&
              error.offset <= expected.failed_frame_at + wire::header_size,
          "the failure offset is outside the bad header", error.what());
    check(!error.what().empty(), "empty error text");
  } else {
    check(decoder.mid_frame() == (expected.partial > 0), "mid_frame() disagrees with the model");
    check(decoder.frame_bytes_seen() == expected.partial,
          "frame_bytes_seen() disagrees with the model");
  }

  // The same stream in one piece.
  auto whole = wire::decode_frames(stream, p);
  if (expected.failure) {
    check(!whole && whole.error().code == *expected.failure,
          "decode_frames() does not fail like the incremental decoder");
  } else if (expected.partial > 0) {
    check(!whole && whole.error().code == wire::error::truncated,
          "decode_frames() accepted a stream that ends inside a frame");
  } else {
    check(whole && *whole == expected.bodies, "decode_frames() disagrees with the decoder");
  }

  if (call_finish) {
    const bool clean = decoder.finish();
    check(clean == (!expected.failure && expected.partial == 0),
          "finish() disagrees with the model");
    if (!expected.failure && expected.partial > 0) {
      check(decoder.error().code == wire::error::truncated,
            "finish() inside a frame: not truncated");
    }
  }

  for (const std::string& body : bodies) check_body(body, p);
  return 0;
}
