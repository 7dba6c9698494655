#include "gday/net/stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio/post.hpp>

#include "gday/net/memory.hpp"

namespace gday::net {
namespace {

namespace asio = boost::asio;

std::error_code end_of_file() { return boost::system::error_code(asio::error::eof); }

// ---- transports the streams are instantiated with -----------------------------

// A connected socket in non-blocking mode. The streams hold it by value and
// call it through its final type (no allocation or virtual call of its own),
// since a server holds one per connection.
class socket_transport final : public transport {
 public:
  explicit socket_transport(tcp::socket socket) : socket_(std::move(socket)) {}

  bool set_non_blocking() {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    return !ec;
  }

  io_result read_some(std::span<char> buffer) override {
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
    if (!ec) return {io_status::done, n, {}};
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      return {io_status::would_block, 0, {}};
    }
    if (ec == asio::error::eof) return {io_status::end_of_input, 0, {}};
    return {io_status::failed, 0, ec};
  }

  io_result write_some(std::span<const char> bytes) override {
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
    if (!ec) return {io_status::done, n, {}};
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      return {io_status::would_block, 0, {}};
    }
    return {io_status::failed, 0, ec};
  }

  void async_wait(wait_type what, transport::wait_handler done) override {
    socket_.async_wait(what == wait_type::read ? tcp::socket::wait_read : tcp::socket::wait_write,
                       [done = std::move(done)](boost::system::error_code ec) { done(ec); });
  }

  void cancel() noexcept override {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }

  std::error_code shutdown_send() noexcept override {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    return ec;
  }

  void close() noexcept override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void reset() noexcept override {
    if (!socket_.is_open()) return;
    boost::system::error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }

  asio::any_io_executor get_executor() override { return socket_.get_executor(); }

 private:
  tcp::socket socket_;
};

// Any transport, owned through the interface.
class any_transport {
 public:
  explicit any_transport(std::unique_ptr<transport> t) : t_(std::move(t)) {}
  io_result read_some(std::span<char> buffer) { return t_->read_some(buffer); }
  io_result write_some(std::span<const char> bytes) { return t_->write_some(bytes); }
  void async_wait(wait_type what, transport::wait_handler done) {
    t_->async_wait(what, std::move(done));
  }
  void cancel() noexcept { t_->cancel(); }
  std::error_code shutdown_send() noexcept { return t_->shutdown_send(); }
  void close() noexcept { t_->close(); }
  void reset() noexcept { t_->reset(); }
  asio::any_io_executor get_executor() { return t_->get_executor(); }

 private:
  std::unique_ptr<transport> t_;
};

// What both stream kinds do the same way on their transport.
template <class Transport>
class stream_base : public byte_stream {
 public:
  explicit stream_base(Transport t) : transport_(std::move(t)) {}

  void close() noexcept override { transport_.close(); }
  void reset() noexcept override { transport_.reset(); }
  // Both streams only ever wait on readiness, so cancelling the wait loses
  // nothing: the next read resumes where it left off.
  void cancel_read() noexcept override { transport_.cancel(); }
  std::error_code shutdown_transport_send() noexcept override { return transport_.shutdown_send(); }
  asio::any_io_executor get_executor() override { return transport_.get_executor(); }

 protected:
  template <class Fn>
  void post(Fn&& fn) {
    asio::post(transport_.get_executor(), std::forward<Fn>(fn));
  }

  // FIN, close, then `done` on the executor.
  void finish_shutdown(handler done) {
    (void)transport_.shutdown_send();
    transport_.close();
    post([done = std::move(done)] { done({}); });
  }

  Transport transport_;
};

// ---- plain bytes ---------------------------------------------------------------

template <class Transport>
class plain_stream final : public stream_base<Transport> {
  using base = stream_base<Transport>;

 public:
  using base::base;
  using byte_stream::max_chunk;
  using typename byte_stream::chunk_handler;
  using typename byte_stream::handler;
  using typename byte_stream::read_handler;

  void async_handshake(handler done) override {
    this->post([done = std::move(done)] { done({}); });
  }

  void async_read_some(std::span<char> buffer, read_handler done) override {
    const io_result r = this->transport_.read_some(buffer);
    switch (r.status) {
      case io_status::done:
        if (r.bytes > 0) return this->post([done = std::move(done), n = r.bytes] { done({}, n); });
        [[fallthrough]];
      case io_status::would_block:
        this->transport_.async_wait(
            wait_type::read, [this, buffer, done = std::move(done)](std::error_code ec) mutable {
              if (ec) return done(ec, 0);
              async_read_some(buffer, std::move(done));
            });
        return;
      case io_status::end_of_input:
        return this->post([done = std::move(done)] { done(end_of_file(), 0); });
      case io_status::failed:
        return this->post([done = std::move(done), ec = r.error] { done(ec, 0); });
    }
  }

  void async_read_chunk(std::size_t max, chunk_handler done) override {
    std::array<char, max_chunk> buffer;
    const io_result r = this->transport_.read_some({buffer.data(), std::min(max, buffer.size())});
    switch (r.status) {
      case io_status::done:
        if (r.bytes > 0) {
          return this->post([done = std::move(done), bytes = std::string(buffer.data(), r.bytes)] {
            done({}, std::move(bytes));
          });
        }
        [[fallthrough]];
      case io_status::would_block:
        this->transport_.async_wait(
            wait_type::read, [this, max, done = std::move(done)](std::error_code ec) mutable {
              if (ec) return done(ec, {});
              async_read_chunk(max, std::move(done));
            });
        return;
      case io_status::end_of_input:
        return this->post([done = std::move(done)] { done(end_of_file(), {}); });
      case io_status::failed:
        return this->post([done = std::move(done), ec = r.error] { done(ec, {}); });
    }
  }

  void async_write(std::string_view bytes, handler done) override {
    while (!bytes.empty()) {
      const io_result r = this->transport_.write_some(bytes);
      if (r.status == io_status::done && r.bytes > 0) {
        bytes.remove_prefix(r.bytes);
        continue;
      }
      if (r.status == io_status::failed) {
        return this->post([done = std::move(done), ec = r.error] { done(ec); });
      }
      this->transport_.async_wait(
          wait_type::write, [this, bytes, done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec);
            async_write(bytes, std::move(done));
          });
      return;
    }
    this->post([done = std::move(done)] { done({}); });
  }

  void async_shutdown(bool, handler done) override { this->finish_shutdown(std::move(done)); }

  void shutdown_send() noexcept override { (void)this->transport_.shutdown_send(); }
};

// ---- TLS -------------------------------------------------------------------------
//
// OpenSSL reads and writes the transport itself, through a BIO whose calls are
// the transport's non-blocking reads and writes; when it wants I/O we wait for
// readiness. No stream buffers of our own beyond the caller's, and
// SSL_MODE_RELEASE_BUFFERS frees OpenSSL's while idle.

template <class Transport>
class tls_stream final : public stream_base<Transport> {
  using base = stream_base<Transport>;

 public:
  using byte_stream::max_chunk;
  using typename byte_stream::chunk_handler;
  using typename byte_stream::handler;
  using typename byte_stream::read_handler;

  tls_stream(Transport t, SSL* ssl) : base(std::move(t)), ssl_(ssl) {
    BIO* bio = BIO_new(bio_method());
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_ from now on
  }
  ~tls_stream() override { SSL_free(ssl_); }

  void async_handshake(handler done) override {
    begin_call();
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) return this->post([done = std::move(done)] { done({}); });
    const int err = SSL_get_error(ssl_, rc);
    if (wants_io(err)) {
      return wait(err, [this, done = std::move(done)](std::error_code ec) mutable {
        if (ec) return done(ec);
        async_handshake(std::move(done));
      });
    }
    this->post([done = std::move(done)] { done(error::tls_handshake_failed); });
  }

  void async_read_some(std::span<char> buffer, read_handler done) override {
    begin_call();
    std::size_t n = 0;
    const int rc = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
    if (rc == 1) return this->post([done = std::move(done), n] { done({}, n); });
    const int err = SSL_get_error(ssl_, rc);
    if (wants_io(err)) {
      return wait(err, [this, buffer, done = std::move(done)](std::error_code ec) mutable {
        if (ec) return done(ec, 0);
        async_read_some(buffer, std::move(done));
      });
    }
    this->post([done = std::move(done), ec = read_failure(err)] { done(ec, 0); });
  }

  void async_read_chunk(std::size_t max, chunk_handler done) override {
    begin_call();
    std::array<char, max_chunk> buffer;
    std::size_t n = 0;
    const int rc = SSL_read_ex(ssl_, buffer.data(), std::min(max, buffer.size()), &n);
    if (rc == 1) {
      return this->post([done = std::move(done), bytes = std::string(buffer.data(), n)] {
        done({}, std::move(bytes));
      });
    }
    const int err = SSL_get_error(ssl_, rc);
    if (wants_io(err)) {
      return wait(err, [this, max, done = std::move(done)](std::error_code ec) mutable {
        if (ec) return done(ec, {});
        async_read_chunk(max, std::move(done));
      });
    }
    this->post([done = std::move(done), ec = read_failure(err)] { done(ec, {}); });
  }

  void async_write(std::string_view bytes, handler done) override {
    begin_call();
    std::size_t n = 0;
    const int rc = bytes.empty() ? 1 : SSL_write_ex(ssl_, bytes.data(), bytes.size(), &n);
    if (rc == 1) return this->post([done = std::move(done)] { done({}); });
    const int err = SSL_get_error(ssl_, rc);
    if (wants_io(err)) {
      return wait(err, [this, bytes, done = std::move(done)](std::error_code ec) mutable {
        if (ec) return done(ec);
        async_write(bytes, std::move(done));
      });
    }
    const std::error_code ec =
        err == SSL_ERROR_SYSCALL && last_error_ ? last_error_ : std::error_code(error::tls_failed);
    this->post([done = std::move(done), ec] { done(ec); });
  }

  void async_shutdown(bool close_notify, handler done) override {
    if (close_notify) {
      begin_call();
      const int rc = SSL_shutdown(ssl_);
      if (rc < 0 && SSL_get_error(ssl_, rc) == SSL_ERROR_WANT_WRITE) {
        return wait(SSL_ERROR_WANT_WRITE,
                    [this, done = std::move(done)](std::error_code ec) mutable {
                      if (ec) return done(ec);
                      async_shutdown(true, std::move(done));
                    });
      }
    }
    this->finish_shutdown(std::move(done));
  }

  void shutdown_send() noexcept override {
    begin_call();
    SSL_shutdown(ssl_);  // queues and (non-blocking) sends close_notify
    ERR_clear_error();
    (void)this->transport_.shutdown_send();
  }

 private:
  static bool wants_io(int err) {
    return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
  }

  void begin_call() {
    ERR_clear_error();
    last_error_.clear();
  }

  template <class Fn>
  void wait(int ssl_error, Fn&& fn) {
    this->transport_.async_wait(
        ssl_error == SSL_ERROR_WANT_READ ? wait_type::read : wait_type::write,
        std::forward<Fn>(fn));
  }

  std::error_code read_failure(int err) const {
    if (err == SSL_ERROR_ZERO_RETURN) return error::closed_with_close_notify;
    const unsigned long e = ERR_peek_error();
    if (err == SSL_ERROR_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
      return error::closed_without_close_notify;
    }
    if (err == SSL_ERROR_SYSCALL) {
      return last_error_ ? last_error_ : std::error_code(error::closed_without_close_notify);
    }
    return error::tls_failed;
  }

  // The BIO OpenSSL reads and writes through: the transport's calls.
  static tls_stream& of(BIO* bio) { return *static_cast<tls_stream*>(BIO_get_data(bio)); }

  static int bio_read(BIO* bio, char* out, int size) {
    BIO_clear_retry_flags(bio);
    tls_stream& self = of(bio);
    const io_result r = self.transport_.read_some({out, static_cast<std::size_t>(size)});
    switch (r.status) {
      case io_status::done:
        if (r.bytes > 0) return static_cast<int>(r.bytes);
        [[fallthrough]];
      case io_status::would_block:
        BIO_set_retry_read(bio);
        return -1;
      case io_status::end_of_input:
        self.end_of_input_ = true;
        return 0;
      case io_status::failed:
        self.last_error_ = r.error;
        return -1;
    }
    return -1;
  }

  static int bio_write(BIO* bio, const char* bytes, int size) {
    BIO_clear_retry_flags(bio);
    tls_stream& self = of(bio);
    const io_result r = self.transport_.write_some({bytes, static_cast<std::size_t>(size)});
    if (r.status == io_status::done && r.bytes > 0) return static_cast<int>(r.bytes);
    if (r.status == io_status::failed) {
      self.last_error_ = r.error;
      return -1;
    }
    BIO_set_retry_write(bio);
    return -1;
  }

  static long bio_ctrl(BIO* bio, int command, long, void*) {
    switch (command) {
      case BIO_CTRL_FLUSH:
        return 1;
      case BIO_CTRL_EOF:  // lets SSL_OP_IGNORE_UNEXPECTED_EOF see an orderly end
        return of(bio).end_of_input_ ? 1 : 0;
      default:
        return 0;
    }
  }

  static int bio_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  static BIO_METHOD* bio_method() {
    static BIO_METHOD* const method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gday transport");
      BIO_meth_set_read(m, &tls_stream::bio_read);
      BIO_meth_set_write(m, &tls_stream::bio_write);
      BIO_meth_set_ctrl(m, &tls_stream::bio_ctrl);
      BIO_meth_set_create(m, &tls_stream::bio_create);
      return m;
    }();
    return method;
  }

  SSL* ssl_;
  std::error_code last_error_;  // the transport's failure behind SSL_ERROR_SYSCALL
  bool end_of_input_ = false;
};

// An SSL for one side of a connection, checking `host` on the client side.
result<SSL*> new_ssl(const tls_context& ctx, bool server, const std::string& host) {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx.get());
  if (!ssl) return failure{error::tls_failed, "SSL_new failed"};
  if (server) {
    SSL_set_accept_state(ssl);
    return ssl;
  }
  SSL_set_connect_state(ssl);
  if (!host.empty()) {
    boost::system::error_code parse_ec;
    const auto ip = asio::ip::make_address(host, parse_ec);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (parse_ec) {
      SSL_set_tlsext_host_name(ssl, host.c_str());
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(param, ip.to_string().c_str());
    }
  }
  return ssl;
}

}  // namespace

std::unique_ptr<byte_stream> make_tcp_stream(tcp::socket socket) {
  socket_transport t(std::move(socket));
  t.set_non_blocking();  // fails only for a socket that is not open, whose reads fail too
  return std::make_unique<plain_stream<socket_transport>>(std::move(t));
}

std::unique_ptr<transport> make_socket_transport(tcp::socket socket) {
  auto t = std::make_unique<socket_transport>(std::move(socket));
  t->set_non_blocking();  // fails only for a socket that is not open, whose reads fail too
  return t;
}

std::unique_ptr<byte_stream> make_plain_stream(std::unique_ptr<transport> t) {
  return std::make_unique<plain_stream<any_transport>>(any_transport(std::move(t)));
}

result<std::unique_ptr<byte_stream>> make_tls_stream(tcp::socket socket, const tls_context& ctx,
                                                     bool server, const std::string& host) {
  socket_transport t(std::move(socket));
  if (!t.set_non_blocking()) return failure{error::tls_failed, "cannot attach TLS to the socket"};
  auto ssl = new_ssl(ctx, server, host);
  if (!ssl) return ssl.error();
  return std::unique_ptr<byte_stream>(
      std::make_unique<tls_stream<socket_transport>>(std::move(t), *ssl));
}

result<std::unique_ptr<byte_stream>> make_tls_stream(std::unique_ptr<transport> t,
                                                     const tls_context& ctx, bool server,
                                                     const std::string& host) {
  auto ssl = new_ssl(ctx, server, host);
  if (!ssl) return ssl.error();
  return std::unique_ptr<byte_stream>(
      std::make_unique<tls_stream<any_transport>>(any_transport(std::move(t)), *ssl));
}

std::pair<std::unique_ptr<byte_stream>, std::unique_ptr<byte_stream>> make_memory_pipe(
    asio::any_io_executor executor) {
  auto [first, second] = memory_transport::make_pair(executor, executor);
  return {make_plain_stream(std::move(first)), make_plain_stream(std::move(second))};
}

}  // namespace gday::net
