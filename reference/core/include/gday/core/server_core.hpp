#pragma once
/// The reference server of the gday contact exchange protocol as a pure state
/// machine (sans-I/O): the caller feeds it connection events and bytes with the
/// current time, and takes back the frames to send and the connections to
/// close. No sockets, threads, clocks or sleeps: the same inputs always give
/// the same outputs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gday/core/config.hpp"
#include "gday/wire/address.hpp"

namespace gday::core {

/// The caller's name for one connection. Unique among open connections; may be
/// reused after the connection was closed.
using connection_id = std::uint64_t;

/// The peer address of a connection. Its family decides whether
/// RecordPublicAddr fills `public.v4` or `public.v6` (spec M-2); its IP is the
/// key of the rate limit (spec R-1).
using endpoint = std::variant<wire::socket_addr_v4, wire::socket_addr_v6>;

/// Queued, unprocessed input a connection may hold while its reading is paused
/// (spec M-7); one byte more and the core closes the connection.
inline constexpr std::size_t max_queued_input = 128 * 1024;

/// One thing the transport must do.
struct output {
  enum class kind {
    send,   ///< write `bytes` to `conn`
    close,  ///< close `conn` (after writing everything sent before); `bytes` is empty
    reset,  ///< as `close`, but with a TCP reset (a scripted answer, client testing)
  };
  kind what = kind::send;
  connection_id conn = 0;
  /// For `send`: exactly one whole frame, header and body, so that the
  /// transport writes each reply in one write (spec T-6). (Only the
  /// `reply-split-writes` fault breaks this on purpose.)
  std::string bytes;

  friend bool operator==(const output&, const output&) = default;
};

/// The server: rooms, sides, timeouts and rate limits (spec §4–§6) over the
/// framing and JSON of `wire` (spec §2, §3, §7).
///
/// Every event carries `now`, which must not go backwards (an earlier value is
/// treated as the latest one seen). Before handling an event the core runs
/// every timer due at `now`, so calling `advance()` is needed only to make
/// timers fire when nothing else happens; `next_deadline()` says when.
///
/// Events for unknown or already closed connections are ignored. Outputs for a
/// connection are in the order the transport must carry them out; outputs for
/// different connections are independent.
class server_core {
 public:
  /// A core with no connections and no rooms; `now` starts the rate windows.
  server_core(config cfg, clock_time now);
  ~server_core();
  server_core(server_core&&) noexcept;
  server_core& operator=(server_core&&) noexcept;
  server_core(const server_core&) = delete;
  server_core& operator=(const server_core&) = delete;

  /// A connection from `peer` was accepted. Ignored if `id` is already open.
  /// After a crash the connection is closed at once.
  void open(connection_id id, endpoint peer, clock_time now);

  /// Bytes arrived on a connection, in any split. They are processed frame by
  /// frame; while the connection waits after ReadyToShare (spec M-7) they are
  /// queued and processed in order once the wait ends. More than
  /// `max_queued_input` queued bytes close the connection.
  void receive(connection_id id, std::string_view bytes, clock_time now);

  /// The peer half-closed the connection (end of its input). Like upstream,
  /// the core answers ErrorSyntax and closes, whether the input ended between
  /// frames or inside one (spec F-5); queued behind a wait like any input.
  void end_of_input(connection_id id, clock_time now);

  /// The connection is gone (reset, closed by the peer, or closed after a
  /// `close` output): the core forgets it, drops its untaken outputs and never
  /// outputs to it again. Its room state stays, as upstream's does.
  void closed(connection_id id, clock_time now);

  /// Runs every timer due at `now`: room expiry (L-1, L-3), rate window reset
  /// stalled frame deadline (F-5).
  void advance(clock_time now);

  /// The earliest time at which `advance()` has work, or nullopt if none.
  std::optional<clock_time> next_deadline() const;

  /// Moves out every output produced so far, oldest first.
  std::vector<output> take_outputs();

  /// True while the transport should not read from the connection: it waits
  /// after ReadyToShare (spec M-7), or a fault stopped its reading. False for
  /// unknown connections, and always false while `config::trace` is set (a
  /// recorded conversation shows requests when they arrive; the core still
  /// queues or drops them as it would).
  bool reading_paused(connection_id id) const;

  /// True once the `crash-on-empty-body` fault has stopped the server: every
  /// connection was closed and all further input is ignored. A server binary
  /// should then abort(); an in-process server should stop.
  bool crashed() const noexcept;

  /// Connections opened and not yet closed (by either side).
  std::size_t open_connections() const noexcept;
  /// Rooms that currently exist.
  std::size_t live_rooms() const noexcept;
  /// Whole frames read from all connections (including ones whose body was
  /// not a valid request).
  std::uint64_t frames_in() const noexcept;
  /// Reply frames produced.
  std::uint64_t frames_out() const noexcept;

  /// The configuration this core runs with.
  const config& settings() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gday::core
