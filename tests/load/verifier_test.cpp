#include "gday/load/verifier.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace gday::load {
namespace {

using wire::server_msg_type;

side_view side(std::uint8_t host, std::uint16_t port) {
  side_view s;
  s.seen_address = wire::socket_addr_v4{{127, 0, 0, host}, port};
  s.local_sent.v4 = s.seen_address;
  return s;
}

TEST(verifier_test, expected_contact_is_local_as_sent_and_public_as_seen) {
  const auto s = side(3, 4000);
  const auto c = expected_contact(s);
  EXPECT_EQ(c.local, s.local_sent);
  ASSERT_TRUE(c.public_.v4);
  EXPECT_EQ(*c.public_.v4, s.seen_address);
  EXPECT_FALSE(c.public_.v6);
}

TEST(verifier_test, reply_types_are_checked) {
  EXPECT_FALSE(check_reply_type(server_msg_type::room_created, server_msg_type::room_created));
  EXPECT_EQ(check_reply_type(server_msg_type::client_contact, server_msg_type::peer_contact),
            error_kind::unexpected_reply);
  EXPECT_EQ(check_reply_type(server_msg_type::room_created, server_msg_type::error_room_taken),
            error_kind::error_reply);
  EXPECT_EQ(
      check_reply_type(server_msg_type::received_addr, server_msg_type::error_too_many_requests),
      error_kind::error_reply);
}

TEST(verifier_test, client_contact_must_be_what_was_sent_and_seen) {
  const auto me = side(2, 5000);
  EXPECT_FALSE(check_client_contact(me, expected_contact(me)));
  auto wrong_port = expected_contact(me);
  wrong_port.public_.v4->port = 5001;
  EXPECT_EQ(check_client_contact(me, wrong_port), error_kind::wrong_own_contact);
  auto dropped_local = expected_contact(me);
  dropped_local.local = {};
  EXPECT_EQ(check_client_contact(me, dropped_local), error_kind::wrong_own_contact);
  auto wrong_family = expected_contact(me);
  wrong_family.public_.v6 = wire::socket_addr_v6{};
  wrong_family.public_.v4.reset();
  EXPECT_EQ(check_client_contact(me, wrong_family), error_kind::wrong_own_contact);
}

TEST(verifier_test, peer_contact_must_be_the_peers) {
  const auto creator = side(1, 6000), joiner = side(2, 6001);
  EXPECT_FALSE(check_peer_contact(creator, joiner, expected_contact(joiner)));
  EXPECT_FALSE(check_peer_contact(joiner, creator, expected_contact(creator)));
}

TEST(verifier_test, own_contact_in_peer_contact_is_its_own_kind) {
  const auto creator = side(1, 6000), joiner = side(2, 6001);
  EXPECT_EQ(check_peer_contact(creator, joiner, expected_contact(creator)),
            error_kind::peer_contact_is_own);
}

TEST(verifier_test, a_contact_of_another_room_is_told_apart) {
  const auto creator = side(1, 6000), joiner = side(2, 6001), stranger = side(9, 7000);
  std::set<std::uint16_t> live_ports = {6000, 6001, 7000};
  auto known = [&](const wire::socket_addr_v4& a) { return live_ports.count(a.port) > 0; };
  EXPECT_EQ(check_peer_contact(creator, joiner, expected_contact(stranger), known),
            error_kind::peer_contact_from_other_room);
  // Unknown to the run (or no lookup given): just wrong.
  EXPECT_EQ(check_peer_contact(creator, joiner, expected_contact(side(8, 1234)), known),
            error_kind::peer_contact_wrong);
  EXPECT_EQ(check_peer_contact(creator, joiner, expected_contact(stranger)),
            error_kind::peer_contact_wrong);
}

TEST(verifier_test, a_peer_contact_with_a_wrong_local_part_is_wrong) {
  const auto creator = side(1, 6000), joiner = side(2, 6001);
  auto c = expected_contact(joiner);
  c.local.v4->port = 1;
  EXPECT_EQ(check_peer_contact(creator, joiner, c), error_kind::peer_contact_wrong);
}

TEST(verifier_test, every_kind_has_a_distinct_name_and_a_class) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < error_kind_count; ++i) {
    names.insert(std::string(to_string(static_cast<error_kind>(i))));
  }
  EXPECT_EQ(names.size(), error_kind_count);
  EXPECT_EQ(names.count("unknown"), 0u);
  EXPECT_TRUE(is_wrong_reply(error_kind::peer_contact_is_own));
  EXPECT_FALSE(is_wrong_reply(error_kind::connection_reset));
}

TEST(verifier_test, error_counts_add_and_merge) {
  error_counts a, b;
  a.add(error_kind::timeout);
  b.add(error_kind::timeout, 2);
  b.add(error_kind::connection_reset);
  a.merge(b);
  EXPECT_EQ(a.of(error_kind::timeout), 3u);
  EXPECT_EQ(a.of(error_kind::connection_reset), 1u);
  EXPECT_EQ(a.total(), 4u);
}

}  // namespace
}  // namespace gday::load
