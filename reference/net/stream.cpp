#include "gday/net/stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <deque>

namespace gday::net {
namespace {

namespace asio = boost::asio;

// Boost's error enums as std::error_code.
template <class Enum>
std::error_code std_code(Enum e) {
  return boost::system::error_code(e);
}

void reset_socket(tcp::socket& socket) noexcept {
  boost::system::error_code ignored;
  if (!socket.is_open()) return;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

// Socket operations both socket-backed streams share.
class socket_stream : public byte_stream {
 public:
  explicit socket_stream(tcp::socket socket) : socket_(std::move(socket)) {}

  void close() noexcept override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void reset() noexcept override { reset_socket(socket_); }

  // With TLS, OpenSSL only ever waits on socket readiness, so cancelling the
  // wait loses nothing: the next SSL_read resumes where it left off.
  void cancel_read() noexcept override {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }

  asio::any_io_executor get_executor() override { return socket_.get_executor(); }

 protected:
  // TCP FIN, close, then `done` on the executor.
  void finish_shutdown(handler done) {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
    asio::post(socket_.get_executor(), [done = std::move(done)] { done({}); });
  }

  tcp::socket socket_;
};

// ---- plain TCP --------------------------------------------------------------

class tcp_stream final : public socket_stream {
 public:
  using socket_stream::socket_stream;

  void async_handshake(handler done) override {
    asio::post(socket_.get_executor(), [done = std::move(done)] { done({}); });
  }

  void async_read_some(std::span<char> buffer, read_handler done) override {
    socket_.async_read_some(
        asio::buffer(buffer.data(), buffer.size()),
        [done = std::move(done)](boost::system::error_code ec, std::size_t n) { done(ec, n); });
  }

  void async_write(std::string_view bytes, handler done) override {
    asio::async_write(
        socket_, asio::buffer(bytes.data(), bytes.size()),
        [done = std::move(done)](boost::system::error_code ec, std::size_t) { done(ec); });
  }

  void async_shutdown(bool, handler done) override { finish_shutdown(std::move(done)); }

  void shutdown_send() noexcept override {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }
};

// ---- TLS with OpenSSL on the socket -------------------------------------------
//
// OpenSSL reads and writes the non-blocking socket itself (SSL_set_fd); when it
// wants I/O we wait for readiness with async_wait. No stream buffers of our own
// beyond the caller's, and SSL_MODE_RELEASE_BUFFERS frees OpenSSL's when idle.

class tls_stream final : public socket_stream {
 public:
  tls_stream(tcp::socket socket, SSL* ssl) : socket_stream(std::move(socket)), ssl_(ssl) {}
  ~tls_stream() override { SSL_free(ssl_); }

  void async_handshake(handler done) override { handshake_step(std::move(done)); }

  void async_read_some(std::span<char> buffer, read_handler done) override {
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
    if (rc == 1) {
      asio::post(socket_.get_executor(), [done = std::move(done), n] { done({}, n); });
      return;
    }
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      wait(err, [this, buffer, done = std::move(done)](std::error_code ec) mutable {
        if (ec) return done(ec, 0);
        async_read_some(buffer, std::move(done));
      });
      return;
    }
    const std::error_code ec = read_failure(err);
    asio::post(socket_.get_executor(), [done = std::move(done), ec] { done(ec, 0); });
  }

  void async_write(std::string_view bytes, handler done) override {
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = bytes.empty() ? 1 : SSL_write_ex(ssl_, bytes.data(), bytes.size(), &n);
    if (rc == 1) {
      asio::post(socket_.get_executor(), [done = std::move(done)] { done({}); });
      return;
    }
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      wait(err, [this, bytes, done = std::move(done)](std::error_code ec) mutable {
        if (ec) return done(ec);
        async_write(bytes, std::move(done));
      });
      return;
    }
    const std::error_code ec = err == SSL_ERROR_SYSCALL && errno != 0
                                   ? std::error_code(errno, std::system_category())
                                   : std::error_code(error::tls_failed);
    asio::post(socket_.get_executor(), [done = std::move(done), ec] { done(ec); });
  }

  void async_shutdown(bool close_notify, handler done) override {
    if (close_notify) {
      ERR_clear_error();
      const int rc = SSL_shutdown(ssl_);
      if (rc < 0) {
        const int err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_WRITE) {
          wait(err, [this, done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec);
            async_shutdown(true, std::move(done));
          });
          return;
        }
      }
    }
    finish_shutdown(std::move(done));
  }

  void shutdown_send() noexcept override {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // queues and (non-blocking) sends close_notify
    ERR_clear_error();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

 private:
  void handshake_step(handler done) {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
      asio::post(socket_.get_executor(), [done = std::move(done)] { done({}); });
      return;
    }
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      wait(err, [this, done = std::move(done)](std::error_code ec) mutable {
        if (ec) return done(ec);
        handshake_step(std::move(done));
      });
      return;
    }
    const std::error_code ec = error::tls_handshake_failed;
    asio::post(socket_.get_executor(), [done = std::move(done), ec] { done(ec); });
  }

  template <class Fn>
  void wait(int ssl_error, Fn&& fn) {
    socket_.async_wait(
        ssl_error == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write,
        [fn = std::forward<Fn>(fn)](boost::system::error_code ec) mutable { fn(ec); });
  }

  std::error_code read_failure(int err) {
    if (err == SSL_ERROR_ZERO_RETURN) return error::closed_with_close_notify;
    const unsigned long e = ERR_peek_error();
    if (err == SSL_ERROR_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
      return error::closed_without_close_notify;
    }
    if (err == SSL_ERROR_SYSCALL) {
      if (errno != 0) return std::error_code(errno, std::system_category());
      return error::closed_without_close_notify;
    }
    return error::tls_failed;
  }

  SSL* ssl_;
};

// ---- in-memory pipe ---------------------------------------------------------

struct pipe_state {
  struct direction {
    std::string data;
    bool closed = false;
    std::span<char> reader_buffer;
    byte_stream::read_handler reader;
  };
  direction to[2];  // to[i]: bytes waiting for end i
};

class memory_stream final : public byte_stream {
 public:
  memory_stream(std::shared_ptr<pipe_state> state, int side, asio::any_io_executor executor)
      : state_(std::move(state)), side_(side), executor_(std::move(executor)) {}
  ~memory_stream() override { close(); }

  void async_handshake(handler done) override {
    asio::post(executor_, [done = std::move(done)] { done({}); });
  }

  void async_read_some(std::span<char> buffer, read_handler done) override {
    auto& in = state_->to[side_];
    in.reader_buffer = buffer;
    in.reader = std::move(done);
    deliver(side_);
  }

  void async_write(std::string_view bytes, handler done) override {
    auto& out = state_->to[1 - side_];
    std::error_code ec;
    if (out.closed) {
      ec = std_code(asio::error::broken_pipe);
    } else {
      out.data.append(bytes);
      deliver(1 - side_);
    }
    asio::post(executor_, [done = std::move(done), ec] { done(ec); });
  }

  void async_shutdown(bool, handler done) override {
    close();
    asio::post(executor_, [done = std::move(done)] { done({}); });
  }

  void close() noexcept override {
    if (closed_) return;
    closed_ = true;
    state_->to[1 - side_].closed = true;
    deliver(1 - side_);
    auto& in = state_->to[side_];
    if (in.reader) {
      auto reader = std::move(in.reader);
      in.reader = nullptr;
      asio::post(executor_, [reader = std::move(reader)] {
        reader(std_code(asio::error::operation_aborted), 0);
      });
    }
  }

  void reset() noexcept override { close(); }

  void shutdown_send() noexcept override {
    state_->to[1 - side_].closed = true;
    deliver(1 - side_);
  }

  void cancel_read() noexcept override {
    auto& in = state_->to[side_];
    if (!in.reader) return;
    auto reader = std::move(in.reader);
    in.reader = nullptr;
    asio::post(executor_, [reader = std::move(reader)] {
      reader(std_code(asio::error::operation_aborted), 0);
    });
  }

  asio::any_io_executor get_executor() override { return executor_; }

 private:
  void deliver(int side) {
    auto& d = state_->to[side];
    if (!d.reader || (d.data.empty() && !d.closed)) return;
    auto reader = std::move(d.reader);
    d.reader = nullptr;
    if (d.data.empty()) {
      asio::post(executor_,
                 [reader = std::move(reader)] { reader(std_code(asio::error::eof), 0); });
      return;
    }
    const std::size_t n = std::min(d.reader_buffer.size(), d.data.size());
    std::copy_n(d.data.data(), n, d.reader_buffer.data());
    d.data.erase(0, n);
    asio::post(executor_, [reader = std::move(reader), n] { reader({}, n); });
  }

  std::shared_ptr<pipe_state> state_;
  int side_;
  asio::any_io_executor executor_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<byte_stream> make_tcp_stream(tcp::socket socket) {
  return std::make_unique<tcp_stream>(std::move(socket));
}

result<std::unique_ptr<byte_stream>> make_tls_stream(tcp::socket socket, const tls_context& ctx,
                                                     bool server, const std::string& host) {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx.get());
  if (!ssl) return failure{error::tls_failed, "SSL_new failed"};
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  if (ec || SSL_set_fd(ssl, static_cast<int>(socket.native_handle())) != 1) {
    SSL_free(ssl);
    return failure{error::tls_failed, "cannot attach TLS to the socket"};
  }
  if (server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
    if (!host.empty()) {
      boost::system::error_code parse_ec;
      const auto ip = boost::asio::ip::make_address(host, parse_ec);
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (parse_ec) {
        SSL_set_tlsext_host_name(ssl, host.c_str());
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
      } else {
        X509_VERIFY_PARAM_set1_ip_asc(param, ip.to_string().c_str());
      }
    }
  }
  return std::unique_ptr<byte_stream>(std::make_unique<tls_stream>(std::move(socket), ssl));
}

std::pair<std::unique_ptr<byte_stream>, std::unique_ptr<byte_stream>> make_memory_pipe(
    asio::any_io_executor executor) {
  auto state = std::make_shared<pipe_state>();
  return {std::make_unique<memory_stream>(state, 0, executor),
          std::make_unique<memory_stream>(state, 1, executor)};
}

}  // namespace gday::net
