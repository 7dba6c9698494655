#pragma once
// Private to gday::harness: one scenario connection, blocking with deadlines.
// A wait that times out cancels the read and keeps the connection (so
// "expect silence" does not disturb it).

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "gday/harness/error.hpp"
#include "gday/harness/scenario.hpp"
#include "gday/harness/target.hpp"
#include "gday/net/stream.hpp"
#include "gday/wire/frame.hpp"

namespace gday::harness::detail {

class probe {
 public:
  struct event {
    enum class kind { frame, closed, timeout, bad_frame } what = kind::timeout;
    std::string raw;        // frame: header + body; bad_frame: the bytes so far
    std::string body;       // frame
    std::string detail;     // closed: how; bad_frame: why
    std::size_t reads = 0;  // frame: how many reads (TLS records, with TLS) it spanned
  };

  /// Connects (v4 from `bind_v4` when not empty) and handshakes; why not as
  /// a target_unusable failure.
  static result<std::unique_ptr<probe>> open(const endpoint_info& ep, int family, bool tls,
                                             const std::string& bind_v4, wire::profile profile,
                                             std::chrono::milliseconds timeout);

  ~probe();

  /// Writes `bytes` split as `chunks`, or says why it could not.
  result<done> write(std::string_view bytes, const chunking& chunks,
                     std::chrono::milliseconds timeout);

  /// The next reply frame, or the end of the connection, or a timeout.
  event next(std::chrono::milliseconds timeout);

  /// Ends the connection from this side.
  void close(step::close_mode how);

  bool closed() const { return closed_; }
  const net::tcp::endpoint& local() const { return local_; }

 private:
  probe() = default;
  bool run_until(const bool& finished, std::chrono::milliseconds timeout);

  boost::asio::io_context io_;
  std::unique_ptr<net::byte_stream> stream_;
  net::tcp::endpoint local_;
  wire::frame_decoder decoder_{wire::profile::v1};
  std::string pending_;
  std::deque<std::pair<std::uint64_t, std::size_t>>
      pending_reads_;        // (read number, bytes) of pending_
  std::uint64_t reads_ = 0;  // reads so far
  std::uint64_t frame_first_read_ = 0, frame_last_read_ = 0;
  std::string frame_bytes_;  // bytes of the frame being decoded
  bool closed_ = false;
  bool frame_failed_ = false;
  std::array<char, 4096> buffer_{};
};

/// Describes how a connection ended, from the read error.
std::string describe_close(const std::error_code& ec);

}  // namespace gday::harness::detail
