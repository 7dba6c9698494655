// The TLS and plain streams over the in-memory transport: the code the
// server and client run on sockets, with short reads and writes and with the
// transport failing at each step of a handshake.
#include "gday/net/stream.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "gday/net/memory.hpp"
#include "gday/net/tls.hpp"

namespace {

namespace net = gday::net;
using namespace std::chrono_literals;

struct contexts {
  net::tls_context server, client;
};

const contexts& tls() {
  static const contexts value = [] {
    auto pki = net::generate_test_pki();
    if (!pki) throw std::runtime_error(pki.error().what());
    auto server = net::make_server_context(pki->server_cert_pem, pki->server_key_pem);
    net::client_tls_options trust;
    trust.ca_pem = pki->ca_cert_pem;
    auto client = net::make_client_context(trust);
    if (!server || !client) throw std::runtime_error("cannot make the TLS contexts");
    return contexts{*server, *client};
  }();
  return value;
}

// A server and a client stream over one memory pipe, on one io_context.
// Runs `io`'s handlers until `done` holds; false after 5 s.
bool run_io_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= 0s) return false;
    io.restart();
    io.run_one_for(left);
  }
  return true;
}

struct stream_pair {
  boost::asio::io_context io;
  net::memory_transport* server_end = nullptr;
  net::memory_transport* client_end = nullptr;
  std::unique_ptr<net::byte_stream> server, client;

  explicit stream_pair(bool use_tls, const net::memory_faults& server_faults = {},
                       const net::memory_faults& client_faults = {}) {
    auto [s, c] = net::memory_transport::make_pair(io.get_executor(), io.get_executor());
    s->set_faults(server_faults);
    c->set_faults(client_faults);
    server_end = s.get();
    client_end = c.get();
    if (use_tls) {
      server = net::make_tls_stream(std::move(s), tls().server, true).value();
      client = net::make_tls_stream(std::move(c), tls().client, false, "localhost").value();
    } else {
      server = net::make_plain_stream(std::move(s));
      client = net::make_plain_stream(std::move(c));
    }
  }

  bool run_until(const std::function<bool()>& done) { return run_io_until(io, done); }

  // Both handshakes; a side whose handshake fails closes its stream, as the
  // server and client do. Returns {server's, client's} outcome.
  std::pair<std::error_code, std::error_code> handshake() {
    std::optional<std::error_code> s, c;
    server->async_handshake([&](std::error_code ec) {
      s = ec;
      if (ec) server->close();
    });
    client->async_handshake([&](std::error_code ec) {
      c = ec;
      if (ec) client->close();
    });
    EXPECT_TRUE(run_until([&] { return s && c; })) << "a handshake hangs";
    return {s.value_or(net::error::timed_out), c.value_or(net::error::timed_out)};
  }

  // Reads from `from` until `count` bytes came or the stream fails.
  std::pair<std::string, std::error_code> read(net::byte_stream& from, std::size_t count) {
    std::string got;
    std::error_code failure;
    char buffer[512];
    while (got.size() < count && !failure) {
      bool finished = false;
      from.async_read_some(buffer, [&](std::error_code ec, std::size_t n) {
        failure = ec;
        got.append(buffer, n);
        finished = true;
      });
      if (!run_until([&] { return finished; })) return {got, net::error::timed_out};
    }
    return {got, failure};
  }

  std::error_code write(net::byte_stream& to, std::string_view bytes) {
    std::optional<std::error_code> result;
    to.async_write(bytes, [&](std::error_code ec) { result = ec; });
    if (!run_until([&] { return result.has_value(); })) return net::error::timed_out;
    return *result;
  }
};

TEST(stream_test, tls_with_one_byte_reads_and_writes_carries_a_large_message) {
  net::memory_faults bytewise;
  bytewise.max_read = bytewise.max_write = 1;
  stream_pair p(true, bytewise, bytewise);
  const auto [server_hs, client_hs] = p.handshake();
  ASSERT_FALSE(server_hs) << server_hs.message();
  ASSERT_FALSE(client_hs) << client_hs.message();
  const std::string message(40000, 'g');
  std::error_code written;
  bool finished = false;
  p.client->async_write(message, [&](std::error_code ec) {
    written = ec;
    finished = true;
  });
  const auto [got, failure] = p.read(*p.server, message.size());
  EXPECT_TRUE(p.run_until([&] { return finished; }));
  EXPECT_FALSE(written) << written.message();
  EXPECT_FALSE(failure) << failure.message();
  EXPECT_EQ(got, message);
  EXPECT_GT(p.client_end->writes(), 40000u) << "every write was cut to one byte";
}

// Beast's fail_count pattern: fail the n-th transport operation for n = 1, 2,
// ... until a handshake gets through without reaching it. Every failure must
// end both handshakes with an error, never a hang or a success.
void fail_each_operation_of_a_handshake(bool server_side, bool reads) {
  for (std::size_t n = 1;; ++n) {
    ASSERT_LT(n, 100u) << "the handshake never got through";
    net::memory_faults faults;
    faults.error = std::make_error_code(std::errc::io_error);
    (reads ? faults.fail_read_at : faults.fail_write_at) = n;
    stream_pair p(true, server_side ? faults : net::memory_faults{},
                  server_side ? net::memory_faults{} : faults);
    const auto [server_hs, client_hs] = p.handshake();
    auto& faulty = server_side ? *p.server_end : *p.client_end;
    const std::size_t done_ops = reads ? faulty.reads() : faulty.writes();
    if (done_ops < n) {
      EXPECT_FALSE(server_hs) << "n = " << n << ": " << server_hs.message();
      EXPECT_FALSE(client_hs) << "n = " << n << ": " << client_hs.message();
      EXPECT_GT(n, 1u) << "the first operation already went past the fault";
      return;
    }
    EXPECT_TRUE(server_hs || client_hs) << "n = " << n << ": the fault went unnoticed";
    const std::error_code& own = server_side ? server_hs : client_hs;
    EXPECT_EQ(own, net::error::tls_handshake_failed) << "n = " << n << ": " << own.message();
  }
}

TEST(stream_test, a_failed_server_write_at_any_handshake_step_fails_both_sides) {
  fail_each_operation_of_a_handshake(true, false);
}

TEST(stream_test, a_failed_server_read_at_any_handshake_step_fails_both_sides) {
  fail_each_operation_of_a_handshake(true, true);
}

TEST(stream_test, a_failed_client_write_at_any_handshake_step_fails_both_sides) {
  fail_each_operation_of_a_handshake(false, false);
}

TEST(stream_test, a_failed_client_read_at_any_handshake_step_fails_both_sides) {
  fail_each_operation_of_a_handshake(false, true);
}

TEST(stream_test, tls_reads_and_writes_report_the_transports_own_error) {
  stream_pair p(true);
  ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
  const auto injected = std::make_error_code(std::errc::io_error);
  net::memory_faults faults;
  faults.fail_read_at = faults.fail_write_at = 1;
  faults.error = injected;
  p.server_end->set_faults(faults);
  EXPECT_EQ(p.write(*p.server, "reply"), injected);
  ASSERT_FALSE(p.write(*p.client, "request"));
  EXPECT_EQ(p.read(*p.server, 1).second, injected);
}

TEST(stream_test, tls_half_close_without_close_notify_is_an_orderly_end) {
  stream_pair p(true);
  ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
  // The server context reads a bare EOF as close_notify (spec F-5)...
  ASSERT_FALSE(p.client->shutdown_transport_send());
  const auto at_server = p.read(*p.server, 1).second;
  EXPECT_EQ(at_server, net::error::closed_with_close_notify) << at_server.message();
  // ...the client context as what it is.
  ASSERT_FALSE(p.server->shutdown_transport_send());
  const auto at_client = p.read(*p.client, 1).second;
  EXPECT_EQ(at_client, net::error::closed_without_close_notify) << at_client.message();
  EXPECT_TRUE(net::is_orderly_close(at_client));
}

TEST(stream_test, tls_orderly_shutdown_sends_close_notify_only_when_asked) {
  for (const bool notify : {true, false}) {
    stream_pair p(true);
    ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
    bool finished = false;
    p.server->async_shutdown(notify, [&](std::error_code) { finished = true; });
    ASSERT_TRUE(p.run_until([&] { return finished; }));
    EXPECT_EQ(p.read(*p.client, 1).second, notify ? net::error::closed_with_close_notify
                                                  : net::error::closed_without_close_notify)
        << "close_notify " << notify;
  }
}

TEST(stream_test, a_reset_fails_the_peers_reads) {
  for (const bool use_tls : {true, false}) {
    stream_pair p(use_tls);
    ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
    p.server->reset();
    const auto failure = p.read(*p.client, 1).second;
    EXPECT_EQ(failure, std::make_error_code(std::errc::connection_reset))
        << (use_tls ? "tls: " : "plain: ") << failure.message();
  }
}

TEST(stream_test, cancel_read_aborts_the_read_and_loses_nothing) {
  for (const bool use_tls : {true, false}) {
    stream_pair p(use_tls);
    ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
    std::optional<std::error_code> first;
    char buffer[16];
    p.client->async_read_some(buffer, [&](std::error_code ec, std::size_t) { first = ec; });
    p.client->cancel_read();
    ASSERT_TRUE(p.run_until([&] { return first.has_value(); }));
    EXPECT_EQ(*first, boost::system::error_code(boost::asio::error::operation_aborted));
    ASSERT_FALSE(p.write(*p.server, "after"));
    EXPECT_EQ(p.read(*p.client, 5).first, "after") << (use_tls ? "tls" : "plain");
  }
}

TEST(stream_test, read_chunk_gives_at_most_max_bytes_and_ends_like_read_some) {
  for (const bool use_tls : {true, false}) {
    stream_pair p(use_tls);
    ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
    ASSERT_FALSE(p.write(*p.server, "chunked"));
    std::string got;
    std::optional<std::error_code> end;
    std::function<void(std::error_code, std::string)> next = [&](std::error_code ec,
                                                                 std::string bytes) {
      EXPECT_LE(bytes.size(), 3u);
      got += bytes;
      if (ec) {
        end = ec;
      } else if (got.size() == 7) {
        p.server->async_shutdown(true, [](std::error_code) {});
        p.client->async_read_chunk(3, next);
      } else {
        p.client->async_read_chunk(3, next);
      }
    };
    p.client->async_read_chunk(3, next);
    ASSERT_TRUE(p.run_until([&] { return end.has_value(); }));
    EXPECT_EQ(got, "chunked");
    EXPECT_TRUE(net::is_orderly_close(*end)) << end->message();
  }
}

TEST(stream_test, plain_writes_complete_across_short_transport_writes) {
  net::memory_faults short_writes;
  short_writes.max_write = 3;
  stream_pair p(false, {}, short_writes);
  const std::string message(1000, 'p');
  ASSERT_FALSE(p.write(*p.client, message));
  EXPECT_GE(p.client_end->writes(), 334u);
  EXPECT_EQ(p.read(*p.server, message.size()).first, message);
  ASSERT_FALSE(p.client->shutdown_transport_send());
  const auto end = p.read(*p.server, 1).second;
  EXPECT_TRUE(net::is_orderly_close(end)) << end.message();
}

TEST(stream_test, plain_read_chunk_reports_the_transports_own_error) {
  net::memory_faults faults;
  faults.fail_read_at = 1;
  faults.error = std::make_error_code(std::errc::io_error);
  stream_pair p(false, {}, faults);
  ASSERT_FALSE(p.write(*p.server, "lost"));
  std::optional<std::error_code> end;
  std::string got;
  p.client->async_read_chunk(16, [&](std::error_code ec, std::string bytes) {
    end = ec;
    got = std::move(bytes);
  });
  ASSERT_TRUE(p.run_until([&] { return end.has_value(); }));
  EXPECT_EQ(*end, faults.error) << end->message();
  EXPECT_EQ(got, "");
}

// A plain write the transport cannot take now waits for room and goes on.
TEST(stream_test, plain_write_waits_while_the_transport_takes_nothing) {
  net::memory_faults full;
  full.max_write = 0;  // every write_some() moves nothing, as a full socket buffer
  stream_pair p(false, {}, full);
  std::optional<std::error_code> written;
  p.client->async_write("waited", [&](std::error_code ec) { written = ec; });
  EXPECT_FALSE(written.has_value());
  p.client_end->set_faults({});  // room again
  ASSERT_TRUE(p.run_until([&] { return written.has_value(); }));
  EXPECT_FALSE(*written) << written->message();
  EXPECT_EQ(p.read(*p.server, 6).first, "waited");
}

// The same for TLS: OpenSSL's write through the transport wants to write
// again, and the stream waits for room instead of failing.
TEST(stream_test, tls_write_waits_while_the_transport_takes_nothing) {
  stream_pair p(true);
  ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
  net::memory_faults full;
  full.max_write = 0;
  p.client_end->set_faults(full);
  std::optional<std::error_code> written;
  p.client->async_write("sealed", [&](std::error_code ec) { written = ec; });
  EXPECT_FALSE(written.has_value());
  p.client_end->set_faults({});
  ASSERT_TRUE(p.run_until([&] { return written.has_value(); }));
  EXPECT_FALSE(*written) << written->message();
  EXPECT_EQ(p.read(*p.server, 6).first, "sealed");
}

// close_notify that cannot be written at once is sent when there is room,
// and the peer reads an end with close_notify.
TEST(stream_test, tls_shutdown_waits_to_send_its_close_notify) {
  stream_pair p(true);
  ASSERT_EQ(p.handshake(), std::make_pair(std::error_code(), std::error_code()));
  net::memory_faults full;
  full.max_write = 0;
  p.server_end->set_faults(full);
  bool finished = false;
  std::error_code shutdown_result;
  p.server->async_shutdown(true, [&](std::error_code ec) {
    shutdown_result = ec;
    finished = true;
  });
  EXPECT_FALSE(finished);
  p.server_end->set_faults({});
  ASSERT_TRUE(p.run_until([&] { return finished; }));
  EXPECT_FALSE(shutdown_result) << shutdown_result.message();
  const auto end = p.read(*p.client, 1).second;
  EXPECT_EQ(end, net::error::closed_with_close_notify) << end.message();
}

// Two streams over a connected loopback TCP socket pair with a small send
// buffer, so that a large write fills the buffers and has to wait for the
// reader. (A tiny receive buffer would make TCP crawl on zero-window probes.)
struct socket_pair {
  boost::asio::io_context io;
  std::unique_ptr<net::byte_stream> writer, reader;

  explicit socket_pair(bool use_tls) {
    using tcp = boost::asio::ip::tcp;
    tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    tcp::socket a(io), b(io);
    a.open(tcp::v4());
    a.set_option(boost::asio::socket_base::send_buffer_size(64 * 1024));
    a.connect(acceptor.local_endpoint());
    acceptor.accept(b);
    if (use_tls) {
      writer = net::make_tls_stream(std::move(a), tls().client, false, "localhost").value();
      reader = net::make_tls_stream(std::move(b), tls().server, true).value();
    } else {
      writer = net::make_tcp_stream(std::move(a));
      reader = net::make_tcp_stream(std::move(b));
    }
  }

  bool run_until(const std::function<bool()>& done) { return run_io_until(io, done); }
};

TEST(stream_test, a_socket_write_larger_than_the_buffers_waits_for_the_reader) {
  for (const bool use_tls : {true, false}) {
    SCOPED_TRACE(use_tls ? "tls" : "plain");
    socket_pair p(use_tls);
    std::optional<std::error_code> writer_hs, reader_hs;
    p.writer->async_handshake([&](std::error_code ec) { writer_hs = ec; });
    p.reader->async_handshake([&](std::error_code ec) { reader_hs = ec; });
    ASSERT_TRUE(p.run_until([&] { return writer_hs && reader_hs; }));
    ASSERT_FALSE(*writer_hs || *reader_hs);
    std::string message(4 << 20, 'w');
    for (std::size_t i = 0; i < message.size(); i += 997) message[i] = static_cast<char>(i % 251);
    std::optional<std::error_code> written;
    p.writer->async_write(message, [&](std::error_code ec) { written = ec; });
    p.io.restart();
    p.io.poll();
    ASSERT_FALSE(written.has_value()) << "4 MiB fitted into the socket buffers at once";
    std::string got;
    std::optional<std::error_code> failure;
    std::function<void(std::error_code, std::string)> next = [&](std::error_code ec,
                                                                 std::string bytes) {
      got += bytes;
      if (ec) {
        failure = ec;
      } else if (got.size() < message.size()) {
        p.reader->async_read_chunk(net::byte_stream::max_chunk, next);
      }
    };
    p.reader->async_read_chunk(net::byte_stream::max_chunk, next);
    ASSERT_TRUE(p.run_until([&] { return written && (failure || got.size() == message.size()); }))
        << "written " << written.has_value() << ", read " << got.size();
    EXPECT_FALSE(*written) << written->message();
    EXPECT_FALSE(failure) << failure->message();
    EXPECT_TRUE(got == message) << "the reader got " << got.size() << " bytes, not the same";
  }
}

TEST(stream_test, closing_a_stream_aborts_its_write_waiting_for_the_reader) {
  for (const bool use_tls : {true, false}) {
    SCOPED_TRACE(use_tls ? "tls" : "plain");
    socket_pair p(use_tls);
    std::optional<std::error_code> writer_hs, reader_hs;
    p.writer->async_handshake([&](std::error_code ec) { writer_hs = ec; });
    p.reader->async_handshake([&](std::error_code ec) { reader_hs = ec; });
    ASSERT_TRUE(p.run_until([&] { return writer_hs && reader_hs; }));
    ASSERT_FALSE(*writer_hs || *reader_hs);
    const std::string message(4 << 20, 'x');
    std::optional<std::error_code> written;
    p.writer->async_write(message, [&](std::error_code ec) { written = ec; });
    p.io.restart();
    p.io.poll();  // nobody reads: the write stays waiting
    ASSERT_FALSE(written.has_value()) << "4 MiB fitted into the socket buffers at once";
    p.writer->close();
    ASSERT_TRUE(p.run_until([&] { return written.has_value(); }));
    EXPECT_EQ(*written, boost::system::error_code(boost::asio::error::operation_aborted))
        << written->message();
  }
}

}  // namespace
