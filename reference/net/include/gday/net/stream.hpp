#pragma once
/// Byte streams the sessions run over: TLS (OpenSSL reading and writing the
/// transport itself, small per-connection memory) or plain bytes, over any
/// transport (transport.hpp): a socket in production, an in-memory pipe
/// (memory.hpp) in tests and fuzzers. All operations are asynchronous and
/// complete on the stream's executor; at most one read and one write may be
/// outstanding at a time.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "gday/net/tls.hpp"
#include "gday/net/transport.hpp"

namespace gday::net {

using tcp = boost::asio::ip::tcp;

/// An asynchronous, ordered byte stream.
class byte_stream {
 public:
  using handler = std::function<void(std::error_code)>;
  using read_handler = std::function<void(std::error_code, std::size_t)>;

  virtual ~byte_stream() = default;

  /// TLS handshake (server or client side, as constructed); plain streams
  /// complete at once.
  virtual void async_handshake(handler done) = 0;

  /// Reads at least one byte into `buffer`. An orderly end of input completes
  /// with boost::asio::error::eof (plain) or net::error::closed_with[out]_close_notify.
  virtual void async_read_some(std::span<char> buffer, read_handler done) = 0;

  using chunk_handler = std::function<void(std::error_code, std::string)>;
  /// The most async_read_chunk() reads at once.
  static constexpr std::size_t max_chunk = 4096;

  /// Reads at least one and at most `max` (at most max_chunk) bytes into a
  /// string made once they are there: no buffer is held while waiting, which
  /// is what a server holding many idle connections wants. Ends like
  /// async_read_some.
  virtual void async_read_chunk(std::size_t max, chunk_handler done) = 0;

  /// Writes all of `bytes` (which must stay alive until `done`) in as few
  /// writes as the transport allows: one TLS record, one send() when possible.
  virtual void async_write(std::string_view bytes, handler done) = 0;

  /// Ends the connection in order: TLS close_notify when `close_notify`, then
  /// a TCP FIN. The stream is closed afterwards.
  virtual void async_shutdown(bool close_notify, handler done) = 0;

  /// Closes at once (pending operations complete with operation_aborted).
  virtual void close() noexcept = 0;

  /// Half-closes: no more writes (TLS close_notify if TLS, then a TCP FIN);
  /// reads go on until the peer ends too.
  virtual void shutdown_send() noexcept = 0;

  /// Half-closes the transport only: a TCP FIN and no TLS close_notify, as
  /// upstream's recorder did (tests/vectors/upstream); reads go on. Fails
  /// when the transport is closed or not connected.
  virtual std::error_code shutdown_transport_send() noexcept = 0;

  /// Cancels a pending read (it completes with operation_aborted) and keeps
  /// the connection usable: no byte is lost, the next read resumes. (On
  /// sockets a pending write is cancelled too; callers have none.)
  virtual void cancel_read() noexcept = 0;

  /// Closes with a TCP reset (SO_LINGER 0), for robustness tests.
  virtual void reset() noexcept = 0;

  virtual boost::asio::any_io_executor get_executor() = 0;
};

/// Wraps a connected socket as a plain TCP stream.
std::unique_ptr<byte_stream> make_tcp_stream(tcp::socket socket);

/// A connected socket as a transport (non-blocking from now on).
std::unique_ptr<transport> make_socket_transport(tcp::socket socket);

/// A plain stream over any transport.
std::unique_ptr<byte_stream> make_plain_stream(std::unique_ptr<transport> t);

/// Wraps a connected socket as a TLS stream. `server` picks the side;
/// `host` (client side) is used for SNI (names only) and certificate checks.
result<std::unique_ptr<byte_stream>> make_tls_stream(tcp::socket socket, const tls_context& ctx,
                                                     bool server, const std::string& host = {});

/// The same TLS stream over any transport (e.g. a memory_transport).
result<std::unique_ptr<byte_stream>> make_tls_stream(std::unique_ptr<transport> t,
                                                     const tls_context& ctx, bool server,
                                                     const std::string& host = {});

/// Two connected in-memory plain streams on one executor (writes to one are
/// read from the other); memory_transport::make_pair gives the transports
/// themselves, with fault injection.
std::pair<std::unique_ptr<byte_stream>, std::unique_ptr<byte_stream>> make_memory_pipe(
    boost::asio::any_io_executor executor);

}  // namespace gday::net
