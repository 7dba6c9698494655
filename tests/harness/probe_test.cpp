// The scenario connection (harness-private): how it reports connections that
// cannot be opened, written or read.
#include "probe.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <system_error>

#include "gday/net/error.hpp"
#include "test_targets.hpp"

namespace {

namespace h = gday::harness;
namespace asio = boost::asio;
using gday::harness::detail::probe;
using gday::harness::testing::fixed_target;
using gday::harness::testing::raw_server;
using gday::wire::profile;
using std::chrono::milliseconds;

h::result<std::unique_ptr<probe>> open_plain(std::uint16_t port, bool tls = false,
                                             milliseconds timeout = milliseconds(2000)) {
  return probe::open(fixed_target::plain_v4(port), 4, tls, {}, profile::v1, timeout);
}

TEST(probe_test, a_family_without_a_listener_is_unusable) {
  h::endpoint_info ep;
  ep.port4 = 2311;
  const auto v6 = probe::open(ep, 6, false, {}, profile::v1, milliseconds(100));
  ASSERT_FALSE(v6);
  EXPECT_EQ(v6.error().code, h::error::target_unusable);
  EXPECT_EQ(v6.error().what(), "the target has no IPv6 listener");
  ep.port4 = 0;
  ep.port6 = 2311;
  const auto v4 = probe::open(ep, 4, false, {}, profile::v1, milliseconds(100));
  ASSERT_FALSE(v4);
  EXPECT_EQ(v4.error().what(), "the target has no IPv4 listener");
}

TEST(probe_test, a_host_that_is_not_an_address_is_unusable) {
  h::endpoint_info ep;
  ep.host4 = "localhost";
  ep.port4 = 2311;
  const auto got = probe::open(ep, 4, false, {}, profile::v1, milliseconds(100));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_EQ(got.error().what(), "'localhost' is not an IP address");
}

TEST(probe_test, a_connect_that_is_never_accepted_times_out) {
  // A listener whose accept queue (backlog 0: one connection) is full drops
  // further SYNs: the next connect neither succeeds nor fails.
  asio::io_context io;
  asio::ip::tcp::acceptor full(io);
  full.open(asio::ip::tcp::v4());
  full.bind({asio::ip::make_address("127.0.0.1"), 0});
  full.listen(0);
  const auto port = full.local_endpoint().port();
  asio::ip::tcp::socket first(io);
  first.connect(full.local_endpoint());
  const auto got = open_plain(port, false, milliseconds(150));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_EQ(got.error().what(),
            "connecting to 127.0.0.1 port " + std::to_string(port) + " timed out");
}

TEST(probe_test, a_tls_handshake_with_a_server_that_is_not_tls_fails) {
  raw_server server(raw_server::send("this is not TLS\n", true));
  const auto got = open_plain(server.port(), true);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_EQ(got.error().what(), "TLS handshake with 127.0.0.1 port " +
                                    std::to_string(server.port()) +
                                    " failed (untrusted certificate, or not TLS?)");
}

TEST(probe_test, a_server_that_does_not_read_times_the_write_out) {
  raw_server server(raw_server::say_nothing, 4096);
  auto p = open_plain(server.port());
  ASSERT_TRUE(p) << p.error().what();
  // Far more than the socket buffers of both sides hold.
  const std::string big(32u << 20, 'x');
  const auto written = (*p)->write(big, h::chunking{}, milliseconds(150));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, h::error::target_unusable);
  EXPECT_EQ(written.error().what(), "writing timed out (the server does not read)");
  EXPECT_TRUE((*p)->closed());
  // The connection is gone for writing and reading.
  const auto again = (*p)->write("x", h::chunking{}, milliseconds(150));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().what(), "the connection is closed");
  const auto e = (*p)->next(milliseconds(150));
  EXPECT_EQ(e.what, probe::event::kind::closed);
  EXPECT_EQ(e.detail, "connection closed");
}

TEST(probe_test, a_reset_is_reported_as_rst) {
  raw_server server(raw_server::reset_after_a_byte);
  auto p = open_plain(server.port());
  ASSERT_TRUE(p) << p.error().what();
  ASSERT_TRUE((*p)->write("x", h::chunking{}, milliseconds(2000)));
  const auto e = (*p)->next(milliseconds(2000));
  EXPECT_EQ(e.what, probe::event::kind::closed);
  EXPECT_EQ(e.detail, "closed by server (RST)");
  EXPECT_TRUE((*p)->closed());
}

TEST(probe_test, a_close_inside_a_frame_says_so) {
  raw_server server(raw_server::send(std::string("\x01\x00\x10{", 4), true));
  auto p = open_plain(server.port());
  ASSERT_TRUE(p) << p.error().what();
  const auto e = (*p)->next(milliseconds(2000));
  EXPECT_EQ(e.what, probe::event::kind::closed);
  EXPECT_EQ(e.detail, "closed by server (FIN) inside a frame");
  EXPECT_EQ(e.raw, std::string("\x01\x00\x10{", 4));
}

TEST(probe_test, describe_close_names_every_way_a_connection_ends) {
  using gday::harness::detail::describe_close;
  EXPECT_EQ(describe_close(gday::net::error::closed_with_close_notify),
            "closed by server (close_notify, then FIN)");
  EXPECT_EQ(describe_close(gday::net::error::closed_without_close_notify),
            "closed by server (FIN without TLS close_notify)");
  EXPECT_EQ(describe_close(std::make_error_code(std::errc::connection_reset)),
            "closed by server (RST)");
  const auto other = std::make_error_code(std::errc::timed_out);
  EXPECT_EQ(describe_close(other), "connection failed: " + other.message());
}

}  // namespace
