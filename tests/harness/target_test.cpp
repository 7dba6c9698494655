#include "gday/harness/target.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace {

namespace h = gday::harness;
using gday::wire::profile;

std::unique_ptr<h::target> remote(const h::remote_options& options) {
  auto t = h::make_remote_target(options);
  if (!t) throw std::runtime_error(t.error().what());
  return std::move(*t);
}

h::remote_options loopback() {
  h::remote_options o;
  o.target4 = "127.0.0.1:2311";
  return o;
}

TEST(target_test, remote_refuses_a_fresh_server) {
  auto t = remote(loopback());
  h::settings needs;
  needs.fresh_server = true;
  const auto got = t->prepare(needs, profile::v1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::skip);
  EXPECT_EQ(got.error().what(), "needs a fresh server (the harness cannot restart --target)");
  EXPECT_FALSE(t->restartable());
}

TEST(target_test, remote_without_a_declared_room_timeout_skips_timeout_scenarios) {
  auto t = remote(loopback());
  h::settings needs;
  needs.max_room_timeout_s = 1.5;
  const auto got = t->prepare(needs, profile::v1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::skip);
  EXPECT_EQ(got.error().what(),
            "needs a room timeout of at most 1.500000 s; declare the server's with --room-timeout");
}

TEST(target_test, remote_with_another_declared_room_timeout_skips_and_names_it) {
  auto o = loopback();
  o.room_timeout_s = 5;
  auto t = remote(o);
  h::settings too_long;
  too_long.max_room_timeout_s = 1;
  const auto longer = t->prepare(too_long, profile::v1);
  ASSERT_FALSE(longer);
  EXPECT_EQ(longer.error().code, h::error::skip);
  EXPECT_EQ(longer.error().what(), "needs another room timeout than the declared 5.000000 s");

  h::settings too_short;
  too_short.min_room_timeout_s = 10;
  const auto shorter = t->prepare(too_short, profile::v1);
  ASSERT_FALSE(shorter);
  EXPECT_EQ(shorter.error().what(), "needs another room timeout than the declared 5.000000 s");

  h::settings fits;
  fits.min_room_timeout_s = 4;
  fits.max_room_timeout_s = 6;
  const auto ok = t->prepare(fits, profile::v1);
  ASSERT_TRUE(ok) << ok.error().what();
  EXPECT_EQ((*ok)->endpoints().port4, 2311);
}

TEST(target_test, remote_needs_the_declared_request_limit) {
  h::settings needs;
  needs.request_limit = 3;
  const auto undeclared = remote(loopback())->prepare(needs, profile::v1);
  ASSERT_FALSE(undeclared);
  EXPECT_EQ(undeclared.error().code, h::error::skip);
  EXPECT_EQ(undeclared.error().what(),
            "needs request limit 3; declare the server's with --request-limit");

  auto o = loopback();
  o.request_limit = 7;
  const auto other = remote(o)->prepare(needs, profile::v1);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().what(), "needs request limit 3, the server's is 7");
}

TEST(target_test, remote_rerun_flags_repeat_every_declared_setting) {
  auto o = loopback();
  o.target6 = "[::1]:2311";
  o.plain = true;
  o.tls_options.insecure = true;
  o.tls_options.ca_file = "ca.pem";
  o.server_name = "localhost";
  o.room_timeout_s = 2.5;
  o.request_limit = 9;
  auto t = remote(o);
  EXPECT_EQ(t->rerun_flags(),
            " --target 127.0.0.1:2311 --target-v6 [::1]:2311 --plain --insecure --ca ca.pem"
            " --sni localhost --room-timeout 2.500000 --request-limit 9");
  EXPECT_EQ(t->describe(), "server at 127.0.0.1:2311 and [::1]:2311 (plain TCP)");
}

TEST(target_test, remote_ipv6_target_is_the_ipv6_endpoint_only) {
  h::remote_options o;
  o.target4 = "[::1]:4567";
  auto t = remote(o);
  const auto got = t->prepare({}, profile::v1);
  ASSERT_TRUE(got) << got.error().what();
  const auto& ep = (*got)->endpoints();
  EXPECT_EQ(ep.port4, 0);
  EXPECT_EQ(ep.host6, "::1");
  EXPECT_EQ(ep.port6, 4567);
  EXPECT_TRUE(ep.tls);
}

TEST(target_test, remote_target_v6_must_be_an_ipv6_address) {
  auto o = loopback();
  o.target6 = "127.0.0.1:2311";
  const auto got = h::make_remote_target(o);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::usage);
  EXPECT_EQ(got.error().what(), "--target-v6 '127.0.0.1:2311' is not an address like [::1]:2311");
}

TEST(target_test, remote_refuses_a_target_that_is_not_an_address) {
  h::remote_options o;
  o.target4 = "localhost:2311";
  const auto got = h::make_remote_target(o);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::usage);
  EXPECT_EQ(got.error().what(), "--target 'localhost:2311' is not an address like 127.0.0.1:2311");
}

TEST(target_test, remote_refuses_non_loopback_unless_allowed) {
  h::remote_options o;
  o.target4 = "192.0.2.1:2311";  // TEST-NET-1: never connected to here
  const auto refused = h::make_remote_target(o);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, h::error::usage);
  EXPECT_EQ(refused.error().what(),
            "refusing non-loopback target 192.0.2.1 (pass --allow-non-loopback to test a "
            "server on another host)");
  o.allow_non_loopback = true;
  EXPECT_TRUE(h::make_remote_target(o));
}

TEST(target_test, launched_skips_a_sub_second_room_timeout) {
  // Refused before anything is started: the command is never run.
  auto t = h::make_launched_target({"exit 1", true, std::chrono::milliseconds(100)});
  h::settings sub_second;
  sub_second.max_room_timeout_s = 0.5;
  const auto got = t->prepare(sub_second, profile::v1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::skip);
  EXPECT_EQ(got.error().what(),
            "needs a sub-second room timeout; a launched server takes whole seconds");

  // 1.5 s at most and 1.2 s at least: whole seconds cannot meet both.
  h::settings between;
  between.max_room_timeout_s = 1.5;
  between.min_room_timeout_s = 1.2;
  const auto also = t->prepare(between, profile::v1);
  ASSERT_FALSE(also);
  EXPECT_EQ(also.error().code, h::error::skip);
}

TEST(target_test, launched_describes_its_command_and_rerun_flags) {
  auto t = h::make_launched_target({"my-server -p {port}", true, std::chrono::milliseconds(100)});
  EXPECT_EQ(t->describe(), "server launched by: my-server -p {port}");
  EXPECT_EQ(t->rerun_flags(), " --server-cmd 'my-server -p {port}' --plain");
  EXPECT_TRUE(t->restartable());
}

TEST(target_test, embedded_describes_its_faults) {
  auto t = h::make_embedded_target(true, "wrong-error-for-taken-room");
  EXPECT_EQ(t->describe(),
            "embedded reference server (plain TCP, faults: wrong-error-for-taken-room)");
  EXPECT_EQ(t->rerun_flags(), " --plain --embedded-fault wrong-error-for-taken-room");
}

TEST(target_test, chosen_settings_default_to_generous_values) {
  h::settings none;
  EXPECT_EQ(h::chosen_room_timeout(none), 600.0);
  EXPECT_EQ(h::chosen_request_limit(none), 100000u);
  h::settings longer;
  longer.min_room_timeout_s = 900;
  EXPECT_EQ(h::chosen_room_timeout(longer), 900.0);
  longer.max_room_timeout_s = 950;
  EXPECT_EQ(h::chosen_room_timeout(longer), 950.0);
}

}  // namespace
