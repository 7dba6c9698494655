#include "gday/wire/frame.hpp"

#include <algorithm>

namespace gday::wire {

result<std::string> encode_frame(std::string_view body, profile p) {
  if (body.size() > max_body_length(p)) {
    return make_error(error::body_too_long, "body has " + std::to_string(body.size()) + " bytes, " +
                                                std::string(to_string(p)) + " allows at most " +
                                                std::to_string(max_body_length(p)));
  }
  std::string frame;
  frame.reserve(header_size + body.size());
  frame.push_back(static_cast<char>(version_byte(p)));
  frame.push_back(static_cast<char>((body.size() >> 8) & 0xff));
  frame.push_back(static_cast<char>(body.size() & 0xff));
  frame.append(body);
  return frame;
}

result<std::string> encode_frame(const client_msg& msg, profile p) {
  auto body = encode_body(msg, p);
  if (!body) return body.error();
  return encode_frame(*body, p);
}

result<std::string> encode_frame(const server_msg& msg, profile p) {
  auto body = encode_body(msg, p);
  if (!body) return body.error();
  return encode_frame(*body, p);
}

std::size_t frame_decoder::feed(std::string_view bytes) {
  return feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            bytes.size()));
}

std::size_t frame_decoder::feed(std::span<const std::uint8_t> bytes) {
  std::size_t used = 0;
  while (state_ == state::need_more && used < bytes.size()) {
    if (have_ < header_size) {
      header_[have_++] = bytes[used++];
      ++consumed_;
      if (have_ < header_size) continue;
      if (header_[0] != version_byte(profile_)) {
        state_ = state::failed;
        error_ = make_error(error::wrong_version,
                            "version byte " + std::to_string(header_[0]) + ", expected " +
                                std::to_string(version_byte(profile_)),
                            consumed_ - header_size);
        return used;
      }
      body_len_ = (static_cast<std::size_t>(header_[1]) << 8) | header_[2];
      if (body_len_ > max_body_length(profile_)) {
        state_ = state::failed;
        error_ = make_error(error::body_too_long,
                            "length prefix " + std::to_string(body_len_) + " is over " +
                                std::string(to_string(profile_)) + "'s cap of " +
                                std::to_string(max_body_length(profile_)),
                            consumed_ - 2);
        return used;
      }
      body_.clear();
      body_.reserve(body_len_);
    } else {
      const std::size_t want = header_size + body_len_ - have_;
      const std::size_t take = std::min(want, bytes.size() - used);
      body_.append(reinterpret_cast<const char*>(bytes.data() + used), take);
      used += take;
      have_ += take;
      consumed_ += take;
    }
    if (have_ == header_size + body_len_) state_ = state::frame_ready;
  }
  return used;
}

std::string frame_decoder::take_body() {
  std::string out = std::move(body_);
  body_.clear();
  have_ = 0;
  body_len_ = 0;
  if (state_ == state::frame_ready) state_ = state::need_more;
  return out;
}

bool frame_decoder::finish() {
  if (state_ == state::failed) return false;
  if (state_ == state::need_more && have_ > 0) {
    state_ = state::failed;
    error_ = make_error(
        error::truncated,
        "stream ended after " + std::to_string(have_) + " bytes of a " +
            (have_ < header_size ? std::string("3-byte header")
                                 : std::to_string(header_size + body_len_) + "-byte frame"),
        consumed_);
    return false;
  }
  return true;
}

result<std::vector<std::string>> decode_frames(std::string_view bytes, profile p) {
  frame_decoder decoder(p);
  std::vector<std::string> frames;
  while (true) {
    const std::size_t used = decoder.feed(bytes);
    bytes.remove_prefix(used);
    if (decoder.status() == frame_decoder::state::frame_ready) {
      frames.push_back(decoder.take_body());
      continue;
    }
    if (decoder.status() == frame_decoder::state::failed) return decoder.error();
    if (bytes.empty()) break;
  }
  if (!decoder.finish()) return decoder.error();
  return frames;
}

}  // namespace gday::wire
