#pragma once
/// The reference client: a blocking connection to a gday server (every wait
/// has a deadline) and one side of a contact exchange (spec §8).

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gday/client/fault.hpp"
#include "gday/net/stream.hpp"
#include "gday/wire/frame.hpp"
#include "gday/wire/messages.hpp"

namespace gday::client {

/// Where and how to connect.
struct connect_options {
  std::string host = "127.0.0.1";  ///< an IPv4/IPv6 literal (loopback in this project)
  std::uint16_t port = 2311;
  bool tls = true;  ///< false: plain TCP
  net::client_tls_options tls_options;
  std::string server_name;   ///< name checked in the certificate and sent as SNI; default: host
  std::string bind_address;  ///< local source address, empty = any
  std::chrono::milliseconds timeout{5000};  ///< connect + handshake deadline
  wire::profile profile = wire::profile::v1;
};

/// One connection. Not thread-safe; move-only. Every operation runs on the
/// calling thread; SIGPIPE is blocked there while it runs (a write to a
/// connection the server has closed fails with EPIPE instead of killing the
/// process).
class connection {
 public:
  /// Connects (and handshakes) within options.timeout. Failures say where and
  /// why: "cannot connect to 127.0.0.1 port 1: Connection refused", a TLS
  /// handshake failure with OpenSSL's reason ("certificate verify failed"),
  /// or timed_out.
  static net::result<connection> open(const connect_options& options);

  /// Makes the transport a connection runs over, on the executor given.
  using transport_factory =
      std::function<std::unique_ptr<net::transport>(boost::asio::any_io_executor)>;

  /// The same over a transport the caller makes (tests and fuzzers: an
  /// in-memory pipe, with injected faults): options.tls, tls_options,
  /// server_name (default: host), timeout and profile apply; the address
  /// fields do not, and local_endpoint() is empty.
  static net::result<connection> open(const connect_options& options,
                                      const transport_factory& make_transport);

  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  ~connection();

  /// Sends one request, encoded for the profile, in one write.
  net::result<net::done> send(const wire::client_msg& msg);

  /// Sends raw bytes as they are.
  net::result<net::done> send_raw(std::string_view bytes, std::chrono::milliseconds timeout);

  /// Waits up to `timeout` for one reply frame and decodes it. Fails with
  /// timed_out, an orderly-close code, or a decode failure naming the rule.
  /// A wait that times out or ends the connection closes it: later calls
  /// fail at once.
  net::result<wire::server_msg> receive(std::chrono::milliseconds timeout);

  /// Waits up to `timeout` for one whole frame's body, undecoded.
  net::result<std::string> receive_frame(std::chrono::milliseconds timeout);

  /// Waits up to `timeout` for one whole frame and returns it exactly as it
  /// arrived: version byte, 2-byte length, body. A header with another
  /// version byte than the profile's fails like receive_frame().
  net::result<std::string> receive_raw_frame(std::chrono::milliseconds timeout);

  /// Ends this side's sending with a TCP half-close (shutdown(SHUT_WR)) and
  /// no TLS close_notify, as upstream's recorder did (tests/vectors/upstream):
  /// the server reads an end of input, and replies can still be received.
  /// Fails if the connection is already closed.
  net::result<net::done> shutdown_send();

  /// This side's address, as the server sees it on loopback.
  net::tcp::endpoint local_endpoint() const;

  /// Closes (TLS close_notify + FIN when `orderly`, else at once). After a
  /// timed-out wait the connection is already closed; close() is then a no-op.
  void close(bool orderly = true);

 private:
  struct state;
  explicit connection(std::unique_ptr<state> s);
  // The rest of open(): the stream over `transport`, and its TLS handshake.
  static net::result<connection> over(std::unique_ptr<state> s,
                                      std::unique_ptr<net::transport> transport,
                                      const connect_options& options, const std::string& where,
                                      std::chrono::milliseconds timeout);
  std::unique_ptr<state> state_;
};

/// A room code for the profile from what a user typed: v1 uses the SHA-256 of
/// the text (as upstream clients do, spec C-4); v2/v3 use the text itself.
std::string room_code_from_text(std::string_view text, wire::profile profile);

/// One side of an exchange.
struct exchange_options {
  connect_options v4;                              ///< the IPv4 connection
  std::optional<connect_options> v6;               ///< an IPv6 connection too, if available
  std::string room_code;                           ///< already in the profile's form
  bool is_creator = true;                          ///< creators send CreateRoom first
  wire::contact local_contact;                     ///< what ReadyToShare tells the server
  std::chrono::milliseconds reply_timeout{5000};   ///< per request/reply
  std::chrono::milliseconds peer_timeout{600000};  ///< wait for PeerContact
  /// When the IPv6 connection cannot be opened, go on with IPv4 only (and say
  /// so through `notice`) instead of failing.
  bool v6_optional = false;
  /// Joiner only: while RecordPublicAddr is answered ErrorNoSuchRoomCode (the
  /// creator has not created the room yet), send it again every
  /// `retry_interval` until this much time has passed. Zero: no retry. Each
  /// such reply counts toward the server's request limit (spec R-1; upstream
  /// allows 10 a minute), so a long wait ends in ErrorTooManyRequests.
  std::chrono::milliseconds wait_for_room{0};
  std::chrono::milliseconds retry_interval{200};
  /// Called with a sentence for a human when the exchange does something the
  /// user may want to know (IPv6 skipped, waiting for the room). May be empty.
  std::function<void(const std::string&)> notice;
  /// Deliberate bugs (client suite self-test). exits-zero-on-error and
  /// wrong-room-hash are the caller's to apply (exit status, room_code).
  std::vector<fault> faults;
};

/// What the exchange yields.
struct exchange_result {
  wire::full_contact own;   ///< ClientContact
  wire::full_contact peer;  ///< PeerContact
};

/// Runs one side of an exchange (C-1, C-2). Fails with the server's error
/// reply in words (upstream's text) or a transport failure.
net::result<exchange_result> exchange(const exchange_options& options);

}  // namespace gday::client
