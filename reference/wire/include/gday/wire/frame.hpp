#pragma once
/// Framing (spec §2): 1 version byte, 2-byte big-endian body length, body.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gday/wire/codec.hpp"
#include "gday/wire/profile.hpp"
#include "gday/wire/result.hpp"

namespace gday::wire {

/// Size of a frame header.
inline constexpr std::size_t header_size = 3;

/// Writes header + body as one contiguous buffer (so a reply leaves in one
/// write, spec T-6). Fails with `body_too_long` over the profile's cap.
result<std::string> encode_frame(std::string_view body, profile p);

/// Encodes a message and frames it.
result<std::string> encode_frame(const client_msg& msg, profile p);
result<std::string> encode_frame(const server_msg& msg, profile p);

/// An incremental frame decoder. Feed it any split of a byte stream; it stops
/// at the end of each frame (it never consumes bytes of the next one), so the
/// caller decides when to read on, as upstream's server does (spec M-7).
///
/// Checks happen where upstream makes them: the version byte and the length
/// cap as soon as the 3 header bytes are in (spec F-2, §7), before any body.
class frame_decoder {
 public:
  enum class state {
    need_more,    ///< inside a frame (or between frames): feed more bytes
    frame_ready,  ///< a whole frame is buffered: call take_body()
    failed,       ///< the header was bad: see error(); feed() consumes nothing more
  };

  explicit frame_decoder(profile p) noexcept : profile_(p) {}

  /// Consumes bytes up to the end of the current frame and returns how many it
  /// took. Consumes nothing while a frame is ready or after a failure.
  std::size_t feed(std::span<const std::uint8_t> bytes);
  std::size_t feed(std::string_view bytes);

  state status() const noexcept { return state_; }

  /// Moves the ready frame's body out and starts on the next frame.
  std::string take_body();

  /// The failure after status() == failed.
  const error_info& error() const noexcept { return error_; }

  /// The stream ended. Returns false (and fails with `truncated`) when it
  /// ended inside a frame; true when it ended cleanly between frames.
  bool finish();

  /// True when some bytes of an unfinished frame are buffered.
  bool mid_frame() const noexcept { return state_ == state::need_more && (have_ > 0); }

  /// Bytes of the current frame seen so far (header included).
  std::size_t frame_bytes_seen() const noexcept { return have_; }

  /// The profile this decoder checks against.
  profile protocol() const noexcept { return profile_; }

 private:
  profile profile_;
  state state_ = state::need_more;
  std::uint8_t header_[header_size] = {};
  std::size_t have_ = 0;      // bytes of the current frame consumed
  std::size_t body_len_ = 0;  // valid once the header is complete
  std::size_t consumed_ = 0;  // total stream offset, for error offsets
  std::string body_;
  error_info error_;
};

/// Splits a complete byte string into frame bodies. Fails on the first bad
/// header, or with `truncated` when the bytes end inside a frame.
result<std::vector<std::string>> decode_frames(std::string_view bytes, profile p);

}  // namespace gday::wire
