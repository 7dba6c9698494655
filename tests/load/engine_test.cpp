#include "gday/load/engine.hpp"

#include <gtest/gtest.h>

#include <set>

#include "gday/load/responder.hpp"

namespace gday::load {
namespace {

// The calibration responder as a target: the load generator's own loopback
// peer, TLS with its CA trusted.
target_address responder_target(const canned_responder& r) {
  target_address t;
  t.remote = r.endpoint();
  auto ctx = net::make_client_context(r.client_options());
  EXPECT_TRUE(ctx);
  if (ctx) t.tls_context = *ctx;
  return t;
}

TEST(engine_test, source_addresses_rotate_within_loopback_skipping_0_and_255) {
  EXPECT_EQ(source_address(0).to_string(), "127.0.0.1");
  EXPECT_EQ(source_address(253).to_string(), "127.0.0.254");
  EXPECT_EQ(source_address(254).to_string(), "127.0.1.1");
  std::set<std::string> seen;
  for (std::uint32_t n = 0; n < 5000; ++n) {
    const auto a = source_address(n);
    EXPECT_TRUE(a.is_loopback());
    EXPECT_NE(a.to_bytes()[3], 0);
    EXPECT_NE(a.to_bytes()[3], 255);
    seen.insert(a.to_string());
  }
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_EQ(source_address(254u * 65536u), source_address(0));  // wraps within 127/8
}

TEST(engine_test, runs_exactly_the_exchanges_asked_for) {
  auto r = canned_responder::start(wire::profile::v1, false);
  ASSERT_TRUE(r) << r.error();
  exchange_options o;
  o.pairs = 3;
  o.exchanges = 40;
  o.verify_contacts = false;  // the canned contacts are nobody's
  o.source_addresses = 16;
  const auto s = run_exchange_load(responder_target(**r), o);
  EXPECT_EQ(s.exchanges_ok, 40u);
  EXPECT_EQ(s.exchanges_failed, 0u);
  EXPECT_EQ(s.errors.total(), 0u);
  EXPECT_EQ(s.requests, 40u * 5);  // CreateRoom, RecordPublicAddr x2, ReadyToShare x2
  EXPECT_EQ(s.handshakes, 6u);     // persistent: one connection per side
  EXPECT_EQ(s.request_latency.count(), s.requests);
  EXPECT_EQ(s.exchange_latency.count(), 40u);
}

TEST(engine_test, fresh_connections_open_a_pair_per_exchange) {
  auto r = canned_responder::start(wire::profile::v3, false);
  ASSERT_TRUE(r) << r.error();
  exchange_options o;
  o.profile = wire::profile::v3;
  o.pairs = 2;
  o.exchanges = 10;
  o.fresh_connections = true;
  o.verify_contacts = false;
  const auto s = run_exchange_load(responder_target(**r), o);
  EXPECT_EQ(s.exchanges_ok, 10u);
  EXPECT_EQ(s.handshakes, 20u);
}

TEST(engine_test, canned_contacts_fail_verification) {
  auto r = canned_responder::start(wire::profile::v1, false);
  ASSERT_TRUE(r) << r.error();
  exchange_options o;
  o.pairs = 1;
  o.exchanges = 3;
  const auto s = run_exchange_load(responder_target(**r), o);
  EXPECT_EQ(s.exchanges_ok, 0u);
  EXPECT_EQ(s.exchanges_failed, 3u);
  EXPECT_EQ(s.errors.of(error_kind::wrong_own_contact), 3u);
  EXPECT_FALSE(s.error_examples.empty());
}

TEST(engine_test, nothing_listening_is_counted_as_connect_failures) {
  target_address t;
  t.remote = boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 1);
  t.tls = false;
  exchange_options o;
  o.exchanges = 2;
  const auto s = run_exchange_load(t, o);
  EXPECT_EQ(s.exchanges_ok, 0u);
  EXPECT_EQ(s.exchanges_failed, 2u);
  EXPECT_GE(s.errors.of(error_kind::connect_failed), 2u);
}

TEST(engine_test, idle_connections_are_held_and_served) {
  auto r = canned_responder::start(wire::profile::v1, false);
  ASSERT_TRUE(r) << r.error();
  idle_options o;
  o.connections = 50;
  o.opening_at_once = 8;
  std::size_t held_when_called = 0;
  o.on_held = [&](std::size_t held) { held_when_called = held; };
  const auto s = run_idle(responder_target(**r), o);
  EXPECT_EQ(held_when_called, 50u);
  EXPECT_EQ(s.held, 50u);
  EXPECT_EQ(s.served, 50u);
  EXPECT_EQ(s.errors.total(), 0u);
}

TEST(engine_test, merge_adds_runs_and_shifts_the_series) {
  run_stats a, b;
  a.seconds = 2;
  a.exchanges_ok = 5;
  a.series.push_back({1.0, 5, 25, 0, 0, 0, 0});
  b.seconds = 3;
  b.exchanges_ok = 7;
  b.errors.add(error_kind::timeout);
  b.request_latency.record(1000);
  b.series.push_back({1.0, 7, 35, 0, 1, 0, 0});
  merge(a, b);
  EXPECT_DOUBLE_EQ(a.seconds, 5);
  EXPECT_EQ(a.exchanges_ok, 12u);
  EXPECT_EQ(a.errors.total(), 1u);
  EXPECT_EQ(a.request_latency.count(), 1u);
  ASSERT_EQ(a.series.size(), 2u);
  EXPECT_DOUBLE_EQ(a.series[1].elapsed_s, 3.0);
}

}  // namespace
}  // namespace gday::load
