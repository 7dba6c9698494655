#include "probe.hpp"

#include "gday/net/sigpipe.hpp"

#include <boost/asio/connect.hpp>
#include <thread>

namespace gday::harness::detail {
namespace {

failure unusable(std::string why) { return failure{error::target_unusable, std::move(why)}; }

namespace asio = boost::asio;
using net::tcp;

}  // namespace

std::string describe_close(const std::error_code& ec) {
  if (ec == net::error::closed_with_close_notify)
    return "closed by server (close_notify, then FIN)";
  if (ec == net::error::closed_without_close_notify) {
    return "closed by server (FIN without TLS close_notify)";
  }
  if (net::is_orderly_close(ec)) return "closed by server (FIN)";
  if (ec == std::errc::connection_reset) return "closed by server (RST)";
  return "connection failed: " + ec.message();
}

probe::~probe() {
  if (stream_) stream_->close();
}

bool probe::run_until(const bool& finished, std::chrono::milliseconds timeout) {
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!finished) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    io_.run_one_for(left);
  }
  return finished;
}

result<std::unique_ptr<probe>> probe::open(const endpoint_info& ep, int family, bool tls,
                                           const std::string& bind_v4, wire::profile profile,
                                           std::chrono::milliseconds timeout) {
  net::sigpipe_guard no_sigpipe;
  std::unique_ptr<probe> p(new probe());
  p->decoder_ = wire::frame_decoder(profile);
  const std::string host = family == 6 ? ep.host6 : ep.host4;
  const std::uint16_t port = family == 6 ? ep.port6 : ep.port4;
  if (port == 0)
    return unusable(std::string("the target has no IPv") + (family == 6 ? "6" : "4") + " listener");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return unusable("'" + host + "' is not an IP address");
  const tcp::endpoint remote(address, port);
  tcp::socket socket(p->io_);
  socket.open(remote.protocol(), ec);
  if (!ec && family == 4 && !bind_v4.empty()) {
    socket.bind(tcp::endpoint(asio::ip::make_address(bind_v4, ec), 0), ec);
  }
  if (ec) return unusable("cannot open a socket: " + ec.message());
  bool finished = false;
  boost::system::error_code connect_ec;
  socket.async_connect(remote, [&](boost::system::error_code e) {
    connect_ec = e;
    finished = true;
  });
  const std::string where = remote.address().to_string() + " port " + std::to_string(port);
  if (!p->run_until(finished, timeout)) {
    socket.close(ec);
    p->run_until(finished, std::chrono::seconds(1));
    return unusable("connecting to " + where + " timed out");
  }
  if (connect_ec) return unusable("cannot connect to " + where + ": " + connect_ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  p->local_ = socket.local_endpoint(ec);
  if (tls) {
    auto ctx = net::make_client_context(ep.tls_options);
    if (!ctx) return unusable(ctx.error().what());
    auto stream = net::make_tls_stream(std::move(socket), *ctx, false,
                                       ep.server_name.empty() ? host : ep.server_name);
    if (!stream) return unusable(stream.error().what());
    p->stream_ = std::move(*stream);
    finished = false;
    std::error_code hs;
    p->stream_->async_handshake([&](std::error_code e) {
      hs = e;
      finished = true;
    });
    if (!p->run_until(finished, timeout)) {
      p->stream_->close();
      p->run_until(finished, std::chrono::seconds(1));
      return unusable("TLS handshake with " + where + " timed out");
    }
    if (hs)
      return unusable("TLS handshake with " + where +
                      " failed (untrusted certificate, or not TLS?)");
  } else {
    p->stream_ = net::make_tcp_stream(std::move(socket));
  }
  return p;
}

result<done> probe::write(std::string_view bytes, const chunking& chunks,
                          std::chrono::milliseconds timeout) {
  net::sigpipe_guard no_sigpipe;
  if (closed_) return unusable("the connection is closed");
  std::size_t offset = 0, index = 0;
  while (offset < bytes.size() || (bytes.empty() && index == 0)) {
    std::size_t size = bytes.size() - offset;
    if (chunks.how == chunking::mode::bytewise) size = 1;
    if (chunks.how == chunking::mode::sizes && !chunks.sizes.empty()) {
      size = chunks.sizes[std::min(index, chunks.sizes.size() - 1)];
    }
    size = std::min(size, bytes.size() - offset);
    if (index > 0 && chunks.pause.count() > 0) std::this_thread::sleep_for(chunks.pause);
    bool finished = false;
    std::error_code result;
    stream_->async_write(bytes.substr(offset, size), [&](std::error_code e) {
      result = e;
      finished = true;
    });
    if (!run_until(finished, timeout)) {
      stream_->close();
      closed_ = true;
      run_until(finished, std::chrono::seconds(1));
      return unusable("writing timed out (the server does not read)");
    }
    if (result) {
      closed_ = true;
      return unusable("cannot write: " + result.message());
    }
    offset += size;
    ++index;
    if (bytes.empty()) break;
  }
  return done{};
}

probe::event probe::next(std::chrono::milliseconds timeout) {
  net::sigpipe_guard no_sigpipe;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (!frame_failed_) {
      const std::size_t used = decoder_.feed(pending_);
      frame_bytes_.append(pending_, 0, used);
      pending_.erase(0, used);
      // Which reads the consumed bytes came from.
      for (std::size_t left = used; left > 0 && !pending_reads_.empty();) {
        auto& [read, bytes] = pending_reads_.front();
        if (frame_first_read_ == 0) frame_first_read_ = read;
        frame_last_read_ = read;
        const std::size_t take = std::min(left, bytes);
        bytes -= take;
        left -= take;
        if (bytes == 0) pending_reads_.pop_front();
      }
      if (decoder_.status() == wire::frame_decoder::state::frame_ready) {
        event e{event::kind::frame, std::move(frame_bytes_), decoder_.take_body(), {}};
        e.reads = frame_first_read_ == 0 ? 1 : frame_last_read_ - frame_first_read_ + 1;
        frame_first_read_ = frame_last_read_ = 0;
        frame_bytes_.clear();
        return e;
      }
      if (decoder_.status() == wire::frame_decoder::state::failed) {
        frame_failed_ = true;
        return event{event::kind::bad_frame,
                     frame_bytes_ + pending_,
                     {},
                     "bad reply frame: " + decoder_.error().what()};
      }
    }
    if (closed_) {
      return event{event::kind::closed, frame_bytes_ + pending_, {}, "connection closed"};
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return event{event::kind::timeout, frame_bytes_, {}, {}};
    bool finished = false;
    std::error_code result;
    std::size_t got = 0;
    stream_->async_read_some(buffer_, [&](std::error_code e, std::size_t n) {
      result = e;
      got = n;
      finished = true;
    });
    if (!run_until(finished, left)) {
      // Deadline: cancel the read (the connection stays usable) and let the
      // loop report the timeout, after decoding anything that did arrive.
      stream_->cancel_read();
      if (!run_until(finished, std::chrono::seconds(1))) {
        stream_->close();
        closed_ = true;
        run_until(finished, std::chrono::seconds(1));
        return event{event::kind::timeout, frame_bytes_ + pending_, {}, {}};
      }
      const bool ended =
          result && (net::is_orderly_close(result) || result == std::errc::connection_reset);
      if (!ended) {
        if (!result && got > 0) {
          pending_.append(buffer_.data(), got);
          pending_reads_.emplace_back(++reads_, got);
        }
        continue;
      }
    }
    if (result) {
      closed_ = true;
      std::string leftover = frame_bytes_ + pending_;
      if (decoder_.mid_frame()) {
        return event{event::kind::closed, leftover, {}, describe_close(result) + " inside a frame"};
      }
      return event{event::kind::closed, leftover, {}, describe_close(result)};
    }
    pending_.append(buffer_.data(), got);
    pending_reads_.emplace_back(++reads_, got);
  }
}

void probe::close(step::close_mode how) {
  net::sigpipe_guard no_sigpipe;
  if (closed_) return;
  switch (how) {
    case step::close_mode::rst:
      stream_->reset();
      closed_ = true;
      break;
    case step::close_mode::half:
      stream_->shutdown_send();
      break;
    case step::close_mode::fin: {
      bool finished = false;
      stream_->async_shutdown(true, [&](std::error_code) { finished = true; });
      run_until(finished, std::chrono::seconds(2));
      closed_ = true;
      break;
    }
  }
}

}  // namespace gday::harness::detail
