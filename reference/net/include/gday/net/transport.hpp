#pragma once
/// The byte transport every stream runs over: non-blocking reads and writes
/// plus readiness waits, the way a non-blocking socket works. TLS and plain
/// streams (stream.hpp) are written once against this interface, so the code
/// that serves sockets in production is the code that tests and fuzzers run
/// over an in-memory transport (memory.hpp).

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <span>
#include <system_error>

namespace gday::net {

/// How a non-blocking transport call ended.
enum class io_status {
  done,          ///< `bytes` were read or written (at least one)
  would_block,   ///< nothing can move now: wait for readiness, then call again
  end_of_input,  ///< reads only: the peer ended its output in order (TCP FIN)
  failed,        ///< the transport failed; `error` says how
};

/// The outcome of one read_some() or write_some().
struct io_result {
  io_status status = io_status::done;
  std::size_t bytes = 0;
  std::error_code error;  ///< set when status is failed
};

/// Which readiness a wait is for.
enum class wait_type { read, write };

/// A connected, ordered byte transport with non-blocking operations. All
/// calls happen on the transport's executor (one at a time); at most one read
/// wait and one write wait may be pending.
class transport {
 public:
  using wait_handler = std::function<void(std::error_code)>;

  virtual ~transport() = default;

  /// Reads what is available now, up to `buffer.size()` bytes.
  virtual io_result read_some(std::span<char> buffer) = 0;

  /// Writes what fits now, up to `bytes.size()` bytes.
  virtual io_result write_some(std::span<const char> bytes) = 0;

  /// Calls `done` (through the executor) once a read_some() or write_some()
  /// may make progress: data, end of input or an error for reads, room for
  /// writes. Completes with operation_aborted after cancel() or close().
  virtual void async_wait(wait_type what, wait_handler done) = 0;

  /// Makes every pending wait complete with operation_aborted; the transport
  /// stays usable and loses no byte.
  virtual void cancel() noexcept = 0;

  /// Ends this side's output (TCP FIN); reads go on. Fails when the
  /// transport is closed or not connected.
  virtual std::error_code shutdown_send() noexcept = 0;

  /// Closes at once; pending waits complete with operation_aborted.
  virtual void close() noexcept = 0;

  /// Closes with a reset (TCP RST, SO_LINGER 0): the peer's reads fail.
  virtual void reset() noexcept = 0;

  virtual boost::asio::any_io_executor get_executor() = 0;
};

}  // namespace gday::net
