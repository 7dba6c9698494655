#include "gday/client/client.hpp"

#include "gday/net/sigpipe.hpp"

#include <openssl/err.h>
#include <openssl/sha.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <thread>

namespace gday::client {
namespace {

namespace asio = boost::asio;
using net::tcp;

net::failure timed_out(const std::string& what) {
  return net::failure{net::error::timed_out, what + " timed out"};
}

// The replies after PeerContact in upstream's order are the errors.
bool is_error_reply(wire::server_msg_type type) {
  return type >= wire::server_msg_type::error_room_taken;
}

net::failure not_open() {
  return net::failure{
      std::make_error_code(std::errc::not_connected),
      "the connection is closed (an earlier wait timed out, or close() was called)"};
}

// OpenSSL writes to the socket with write(), so a write to a connection the
// server has reset raises SIGPIPE, which kills a process that did not ignore
// it. While a connection operation runs, SIGPIPE is blocked on this thread; a
// SIGPIPE raised meanwhile is consumed so that it never fires later (the
// write itself fails with EPIPE). This is what libpq does.

}  // namespace

struct connection::state {
  asio::io_context io;
  std::unique_ptr<net::byte_stream> stream;
  bool open = false;  // false once the stream was closed
  tcp::endpoint local;
  wire::profile profile = wire::profile::v1;
  wire::frame_decoder decoder{wire::profile::v1};
  std::string pending;    // received bytes not yet given to the decoder
  std::string frame_raw;  // bytes of the current frame given to the decoder
  std::array<char, 4096> buffer{};

  void close_now() {
    if (stream && open) stream->close();
    open = false;
  }

  // Runs the io_context until `finished` or the deadline; on the deadline
  // `cancel` (default: closing the stream) makes the operation complete, and
  // false is returned.
  bool run_until(const bool& finished, std::chrono::milliseconds timeout,
                 const std::function<void()>& cancel = {}) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!finished) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      if (io.run_one_for(left) == 0 && io.stopped()) io.restart();
    }
    if (finished) return true;
    if (cancel) {
      cancel();
    } else {
      close_now();
    }
    // Let the cancelled operation complete (it refers to the caller's locals).
    io.restart();
    io.run_for(std::chrono::seconds(1));
    return false;
  }
};

connection::connection(std::unique_ptr<state> s) : state_(std::move(s)) {}
connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&&) noexcept = default;
connection::~connection() = default;

net::result<connection> connection::open(const connect_options& options) {
  net::sigpipe_guard no_sigpipe;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto time_left = [&] {
    return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(
                                                      deadline - std::chrono::steady_clock::now()));
  };
  auto s = std::make_unique<state>();
  s->profile = options.profile;
  s->decoder = wire::frame_decoder(options.profile);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return net::failure{net::error::bad_address,
                        "'" + options.host + "' is not an IPv4 or IPv6 address"};
  }
  tcp::socket socket(s->io);
  const tcp::endpoint remote(address, options.port);
  socket.open(remote.protocol(), ec);
  if (!ec && !options.bind_address.empty()) {
    const auto local = asio::ip::make_address(options.bind_address, ec);
    if (!ec) socket.bind(tcp::endpoint(local, 0), ec);
  }
  if (ec) return net::failure{std::error_code(ec), "cannot open a socket: " + ec.message()};
  bool finished = false;
  boost::system::error_code result_ec;
  socket.async_connect(remote, [&](boost::system::error_code e) {
    result_ec = e;
    finished = true;
  });
  const std::string where = options.host + " port " + std::to_string(options.port);
  if (!s->run_until(finished, time_left(), [&] {
        boost::system::error_code ignored;
        socket.close(ignored);
      })) {
    return timed_out("connecting to " + where);
  }
  if (result_ec) {
    return net::failure{std::error_code(result_ec),
                        "cannot connect to " + where + ": " + result_ec.message()};
  }
  socket.set_option(tcp::no_delay(true), ec);
  s->local = socket.local_endpoint(ec);
  return over(std::move(s), net::make_socket_transport(std::move(socket)), options, where,
              time_left());
}

net::result<connection> connection::open(const connect_options& options,
                                         const transport_factory& make_transport) {
  net::sigpipe_guard no_sigpipe;
  auto s = std::make_unique<state>();
  s->profile = options.profile;
  s->decoder = wire::frame_decoder(options.profile);
  auto transport = make_transport(s->io.get_executor());
  return over(std::move(s), std::move(transport), options, "the transport", options.timeout);
}

net::result<connection> connection::over(std::unique_ptr<state> s,
                                         std::unique_ptr<net::transport> transport,
                                         const connect_options& options, const std::string& where,
                                         std::chrono::milliseconds timeout) {
  if (!options.tls) {
    s->stream = net::make_plain_stream(std::move(transport));
    s->open = true;
    return connection(std::move(s));
  }
  auto ctx = net::make_client_context(options.tls_options);
  if (!ctx) return ctx.error();
  const std::string name = options.server_name.empty() ? options.host : options.server_name;
  auto stream = net::make_tls_stream(std::move(transport), *ctx, false, name);
  if (!stream) return stream.error();
  s->stream = std::move(*stream);
  s->open = true;
  bool finished = false;
  std::error_code hs;
  std::string why;
  s->stream->async_handshake([&](std::error_code e) {
    hs = e;
    // OpenSSL's reason is still in this thread's error queue.
    if (const char* reason = ERR_reason_error_string(ERR_peek_last_error())) why = reason;
    finished = true;
  });
  if (!s->run_until(finished, timeout)) return timed_out("TLS handshake with " + where);
  if (hs) {
    s->close_now();
    return net::failure{hs, "TLS handshake with " + where +
                                " failed: " + (why.empty() ? hs.message() : why) +
                                " (certificate not trusted, wrong name, or not a TLS server?)"};
  }
  return connection(std::move(s));
}

net::result<net::done> connection::send(const wire::client_msg& msg) {
  auto frame = wire::encode_frame(msg, state_->profile);
  if (!frame) return net::failure{net::error::bad_address, frame.error().what()};
  return send_raw(*frame, std::chrono::seconds(5));
}

net::result<net::done> connection::send_raw(std::string_view bytes,
                                            std::chrono::milliseconds timeout) {
  net::sigpipe_guard no_sigpipe;
  if (!state_ || !state_->open) return not_open();
  bool finished = false;
  std::error_code result;
  state_->stream->async_write(bytes, [&](std::error_code e) {
    result = e;
    finished = true;
  });
  if (!state_->run_until(finished, timeout)) return timed_out("sending");
  if (result) return net::failure{result, "sending failed: " + result.message()};
  return net::done{};
}

net::result<std::string> connection::receive_raw_frame(std::chrono::milliseconds timeout) {
  net::sigpipe_guard no_sigpipe;
  if (!state_) return not_open();
  auto& s = *state_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const std::size_t used = s.decoder.feed(s.pending);
    s.frame_raw.append(s.pending, 0, used);
    s.pending.erase(0, used);
    if (s.decoder.status() == wire::frame_decoder::state::frame_ready) {
      s.decoder.take_body();
      return std::exchange(s.frame_raw, {});
    }
    if (s.decoder.status() == wire::frame_decoder::state::failed) {
      return net::failure{net::error::tls_failed, "bad reply frame: " + s.decoder.error().what()};
    }
    if (!s.open) return not_open();
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      s.close_now();
      return timed_out("waiting for a reply");
    }
    bool finished = false;
    std::error_code result;
    std::size_t got = 0;
    s.stream->async_read_some(s.buffer, [&](std::error_code e, std::size_t n) {
      result = e;
      got = n;
      finished = true;
    });
    if (!s.run_until(finished, left)) return timed_out("waiting for a reply");
    if (result) {
      s.close_now();
      return net::failure{result,
                          "connection ended while waiting for a reply: " + result.message()};
    }
    s.pending.append(s.buffer.data(), got);
  }
}

net::result<std::string> connection::receive_frame(std::chrono::milliseconds timeout) {
  auto frame = receive_raw_frame(timeout);
  if (!frame) return frame.error();
  return frame->substr(wire::header_size);
}

net::result<net::done> connection::shutdown_send() {
  if (!state_ || !state_->open) return not_open();
  if (const std::error_code ec = state_->stream->shutdown_transport_send()) {
    return net::failure{ec, "half-closing the connection failed: " + ec.message()};
  }
  return net::done{};
}

net::result<wire::server_msg> connection::receive(std::chrono::milliseconds timeout) {
  auto body = receive_frame(timeout);
  if (!body) return body.error();
  auto msg = wire::decode_server_msg(*body, state_->profile);
  if (!msg) {
    return net::failure{net::error::tls_failed, "undecodable reply: " + msg.error().what()};
  }
  return *msg;
}

net::tcp::endpoint connection::local_endpoint() const { return state_->local; }

void connection::close(bool orderly) {
  net::sigpipe_guard no_sigpipe;
  if (!state_ || !state_->stream || !state_->open) return;
  if (orderly) {
    bool finished = false;
    state_->stream->async_shutdown(true, [&](std::error_code) { finished = true; });
    state_->run_until(finished, std::chrono::seconds(1));
    state_->open = false;
  } else {
    state_->close_now();
  }
}

std::string room_code_from_text(std::string_view text, wire::profile profile) {
  if (profile != wire::profile::v1) return std::string(text);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

net::result<exchange_result> exchange(const exchange_options& given) {
  auto has = [&](fault f) {
    return std::find(given.faults.begin(), given.faults.end(), f) != given.faults.end();
  };
  exchange_options options = given;
  if (has(fault::no_deadline)) {
    // A day is "never" for any test run.
    const std::chrono::milliseconds never = std::chrono::hours(24);
    options.reply_timeout = options.peer_timeout = never;
    options.v4.timeout = never;
    if (options.v6) options.v6->timeout = never;
  }
  auto tell = [&](const std::string& sentence) {
    if (options.notice) options.notice(sentence);
  };
  std::vector<connection> conns;
  auto first = connection::open(options.v4);
  if (!first) return first.error();
  conns.push_back(std::move(*first));
  if (options.v6) {
    auto second = connection::open(*options.v6);
    if (second) {
      conns.push_back(std::move(*second));
    } else if (options.v6_optional) {
      tell("IPv6 connection failed (" + second.error().what() + "); going on with IPv4 only");
    } else {
      return second.error();
    }
  }
  auto unexpected = [](const wire::client_msg& msg, const wire::server_msg& reply) {
    return net::failure{net::error::tls_failed,
                        "server replied " + std::string(wire::variant_name(reply.type)) + " to " +
                            std::string(wire::variant_name(msg)) + ": " + wire::describe(reply)};
  };
  // The reply to a request: an error reply under waits-forever-on-error is
  // ignored, and the client waits on (until the connection ends).
  auto reply_to = [&](connection& c,
                      std::chrono::milliseconds timeout) -> net::result<wire::server_msg> {
    auto r = c.receive(timeout);
    while (r && has(fault::waits_forever_on_error) && is_error_reply(r->type)) {
      r = c.receive(std::chrono::hours(24));
    }
    return r;
  };
  // Sends one request and returns the reply, whatever it is.
  auto ask = [&](connection& c, const wire::client_msg& msg,
                 std::chrono::milliseconds timeout) -> net::result<wire::server_msg> {
    if (auto sent = c.send(msg); !sent) return sent.error();
    return reply_to(c, timeout);
  };
  const auto& code = options.room_code;
  const wire::client_msg record = wire::record_public_addr{code, options.is_creator};
  std::size_t recorded = 0;  // connections already recorded
  if (options.is_creator) {
    const wire::client_msg msg = wire::create_room{code};
    if (has(fault::skips_room_created_wait)) {
      // Both requests at once; the replies are read afterwards.
      if (auto sent = conns[0].send(msg); !sent) return sent.error();
      if (auto sent = conns[0].send(record); !sent) return sent.error();
      auto r = reply_to(conns[0], options.reply_timeout);
      if (!r) return r.error();
      if (r->type != wire::server_msg_type::room_created) return unexpected(msg, *r);
      auto a = reply_to(conns[0], options.reply_timeout);
      if (!a) return a.error();
      if (a->type != wire::server_msg_type::received_addr) return unexpected(record, *a);
      recorded = 1;
    } else {
      auto r = ask(conns[0], msg, options.reply_timeout);
      if (!r) return r.error();
      if (r->type != wire::server_msg_type::room_created) return unexpected(msg, *r);
    }
  }
  // records-one-connection: the IPv4 connection only.
  const std::size_t to_record = has(fault::records_one_connection) ? 1 : conns.size();
  const auto give_up = std::chrono::steady_clock::now() + options.wait_for_room;
  for (std::size_t i = recorded; i < to_record; ++i) {
    const wire::client_msg& msg = record;
    bool waited = false;
    while (true) {
      auto r = ask(conns[i], msg, options.reply_timeout);
      if (!r) return r.error();
      if (r->type == wire::server_msg_type::received_addr) break;
      const bool may_retry = !options.is_creator && i == 0 &&
                             r->type == wire::server_msg_type::error_no_such_room_code &&
                             std::chrono::steady_clock::now() + options.retry_interval <= give_up;
      if (!may_retry) {
        auto failure = unexpected(msg, *r);
        if (waited) failure.message += " (gave up waiting for the room to be created)";
        return failure;
      }
      if (!waited) {
        tell("the room does not exist yet; asking again every " +
             std::to_string(options.retry_interval.count()) + " ms for up to " +
             std::to_string(options.wait_for_room.count()) + " ms");
        waited = true;
      }
      std::this_thread::sleep_for(options.retry_interval);  // the retry interval, by design
    }
  }
  exchange_result out;
  const wire::client_msg ready =
      wire::ready_to_share{options.local_contact, code, options.is_creator};
  // records-one-connection: ReadyToShare on the connection it did not record.
  connection& waiter = has(fault::records_one_connection) ? conns.back() : conns[0];
  auto own = ask(waiter, ready, options.reply_timeout);
  if (!own) return own.error();
  if (own->type != wire::server_msg_type::client_contact) return unexpected(ready, *own);
  out.own = own->contact;
  if (has(fault::sends_after_ready)) {
    if (auto sent = waiter.send(record); !sent) return sent.error();
  }
  if (has(fault::ready_twice)) {
    if (auto sent = waiter.send(ready); !sent) return sent.error();
  }
  auto peer = reply_to(waiter, options.peer_timeout);
  if (!peer) {
    auto failure = peer.error();
    if (failure.code == net::error::timed_out) {
      failure.message = "no PeerContact within " + std::to_string(options.peer_timeout.count()) +
                        " ms (the other side never sent ReadyToShare)";
    }
    return failure;
  }
  if (peer->type != wire::server_msg_type::peer_contact) {
    return net::failure{net::error::tls_failed,
                        "server replied " + std::string(wire::variant_name(peer->type)) +
                            " instead of PeerContact: " + wire::describe(*peer)};
  }
  out.peer = peer->contact;
  for (auto& c : conns) c.close();
  return out;
}

}  // namespace gday::client
