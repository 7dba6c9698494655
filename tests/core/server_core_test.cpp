#include "gday/core/server_core.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core_test_support.hpp"

namespace {

using namespace gday::core;
using namespace gday::core::test;
namespace wire = gday::wire;
using replies = std::vector<wire::server_msg>;

wire::full_contact full(wire::contact local, wire::contact public_contact) {
  return wire::full_contact{local, public_contact};
}

const wire::contact local1{addr4("1.8.3.1:2304"), addr6("[ab:41::b:43]:92")};
const wire::contact local2{addr4("3.1.4.1:7853"), addr6("[ab:41:ac::b:1]:5052")};

config with_limit(std::uint32_t limit) {
  config cfg;
  cfg.request_limit = limit;
  return cfg;
}

// ---- M-1 ------------------------------------------------------------------

TEST(server_core_test, create_room_replies_room_created) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)));
  EXPECT_EQ(d.replies(1), replies{room_created});
  EXPECT_FALSE(d.closed(1));
  EXPECT_EQ(d.core.live_rooms(), 1u);
}

TEST(server_core_test, create_room_on_taken_code_replies_error_room_taken_and_stays_open) {
  driver d;
  d.open(1);
  d.open(2, v4(10, 0, 0, 2, 1));
  d.send(1, create(code(1)));
  d.send(2, create(code(1)));
  d.send(1, create(code(1)));
  EXPECT_EQ(d.replies(2), replies{error_room_taken});
  EXPECT_EQ(d.replies(1), (replies{room_created, error_room_taken}));
  d.send(2, create(code(2)));
  EXPECT_EQ(d.replies(2), replies{room_created});
  EXPECT_FALSE(d.closed(1));
  EXPECT_FALSE(d.closed(2));
}

// ---- M-2 ------------------------------------------------------------------

TEST(server_core_test, record_public_addr_records_an_ipv4_peer_as_public_v4) {
  driver d;
  d.open(1, v4(1, 2, 3, 4, 5555));
  d.send(1, create(code(1)) + record(code(1), creator) + ready(code(1), creator));
  EXPECT_EQ(d.replies(1),
            (replies{room_created, received_addr,
                     client_contact(full({}, {addr4("1.2.3.4:5555"), std::nullopt}))}));
}

TEST(server_core_test, record_public_addr_records_an_ipv6_peer_as_public_v6) {
  driver d;
  d.open(1, wire::socket_addr_v6{{0x2001, 0xdb8, 0, 0, 0, 0, 0, 7}, 6000, 3});
  d.send(1, create(code(1)) + record(code(1), joiner) + ready(code(1), joiner));
  EXPECT_EQ(d.replies(1),
            (replies{room_created, received_addr,
                     client_contact(full({}, {std::nullopt, addr6("[2001:db8::7%3]:6000")}))}));
}

TEST(server_core_test, record_public_addr_on_two_connections_fills_both_families) {
  driver d;
  d.open(1, v4(192, 0, 2, 1, 1000));
  d.open(2, v6_loopback(2000));
  d.send(1, create(code(1)) + record(code(1), creator));
  d.send(2, record(code(1), creator) + ready(code(1), creator, local1));
  EXPECT_EQ(d.replies(1), (replies{room_created, received_addr}));
  EXPECT_EQ(d.replies(2),
            (replies{received_addr, client_contact(full(
                                        local1, {addr4("192.0.2.1:1000"), addr6("[::1]:2000")}))}));
}

TEST(server_core_test, record_public_addr_of_one_side_leaves_the_other_side_alone) {
  driver d;
  d.open(1, v4(192, 0, 2, 1, 1000));
  d.open(2, v4(192, 0, 2, 2, 2000));
  d.send(1, create(code(1)) + record(code(1), creator));
  d.send(2, ready(code(1), joiner));
  EXPECT_EQ(d.replies(2), replies{client_contact(full({}, {}))});
}

TEST(server_core_test, record_public_addr_again_overwrites_that_family) {
  driver d;
  d.open(1, v4(192, 0, 2, 1, 1000));
  d.open(2, v4(192, 0, 2, 9, 9000));
  d.send(1, create(code(1)) + record(code(1), creator));
  d.send(2, record(code(1), creator) + ready(code(1), creator));
  EXPECT_EQ(d.replies(2),
            (replies{received_addr, client_contact(full({}, {addr4("192.0.2.9:9000"), {}}))}));
}

TEST(server_core_test, record_public_addr_on_unknown_room_replies_error_no_such_room_code) {
  driver d;
  d.open(1);
  d.send(1, record(code(1), creator) + record(code(1), joiner));
  EXPECT_EQ(d.replies(1), (replies{error_no_such_room_code, error_no_such_room_code}));
  EXPECT_FALSE(d.closed(1));
}

// ---- M-3 ------------------------------------------------------------------

TEST(server_core_test, ready_to_share_replies_client_contact_at_once) {
  driver d;
  d.open(1, v4(127, 0, 0, 1, 4444));
  d.send(1, create(code(1)) + record(code(1), creator) + ready(code(1), creator, local1));
  EXPECT_EQ(d.replies(1), (replies{room_created, received_addr,
                                   client_contact(full(local1, {addr4("127.0.0.1:4444"), {}}))}));
  EXPECT_TRUE(d.core.reading_paused(1));
}

TEST(server_core_test, ready_to_share_on_unknown_room_replies_error_no_such_room_code) {
  driver d;
  d.open(1);
  d.send(1, ready(code(1), creator));
  d.send(1, ready(code(1), joiner, {addr4("1.2.3.4:5"), {}}));
  d.send(1, ready(code(1), joiner, local1));
  EXPECT_EQ(d.replies(1),
            (replies{error_no_such_room_code, error_no_such_room_code, error_no_such_room_code}));
  EXPECT_FALSE(d.closed(1));
  EXPECT_FALSE(d.core.reading_paused(1));
}

// ---- M-4 ------------------------------------------------------------------

TEST(server_core_test, both_sides_ready_exchange_their_full_contacts) {
  driver d;
  d.open(1, v4(198, 51, 100, 1, 1111));
  d.open(2, v6_loopback(2222));
  d.send(1, create(code(1)) + record(code(1), creator));
  d.send(2, record(code(1), joiner));
  d.send(1, ready(code(1), creator, local1));
  const auto contact1 = full(local1, {addr4("198.51.100.1:1111"), {}});
  const auto contact2 = full(local2, {{}, addr6("[::1]:2222")});
  EXPECT_EQ(d.replies(1), (replies{room_created, received_addr, client_contact(contact1)}));
  EXPECT_TRUE(d.core.reading_paused(1));

  d.send(2, ready(code(1), joiner, local2));
  EXPECT_EQ(d.replies(2),
            (replies{received_addr, client_contact(contact2), peer_contact(contact1)}));
  EXPECT_EQ(d.replies(1), replies{peer_contact(contact2)});
  EXPECT_FALSE(d.core.reading_paused(1));
  EXPECT_FALSE(d.core.reading_paused(2));
  EXPECT_EQ(d.core.live_rooms(), 0u);
  EXPECT_FALSE(d.closed(1));
  EXPECT_FALSE(d.closed(2));
}

TEST(server_core_test, exchange_works_without_record_public_addr_and_joiner_ready_first) {
  // Like upstream's v1-multi-002 recording.
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)));
  d.send(2, ready(code(1), joiner));
  d.send(1, ready(code(1), creator));
  EXPECT_EQ(d.replies(1),
            (replies{room_created, client_contact(full({}, {})), peer_contact(full({}, {}))}));
  EXPECT_EQ(d.replies(2), (replies{client_contact(full({}, {})), peer_contact(full({}, {}))}));
}

// ---- M-5 ------------------------------------------------------------------

TEST(server_core_test, record_public_addr_after_ready_to_share_replies_error_unexpected_msg) {
  driver d;
  d.open(1);
  d.open(2, v6_loopback(7));
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.send(2, record(code(1), creator));
  EXPECT_EQ(d.replies(2), replies{error_unexpected_msg});
  EXPECT_FALSE(d.closed(2));
  // The joiner is unaffected.
  d.send(2, record(code(1), joiner));
  EXPECT_EQ(d.replies(2), replies{received_addr});
}

TEST(server_core_test, second_ready_to_share_with_local_contact_replies_error_unexpected_msg) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.send(2, ready(code(1), creator, {addr4("1.2.3.4:5"), {}}));
  EXPECT_EQ(d.replies(2), replies{error_unexpected_msg});
  EXPECT_EQ(d.replies(1), (replies{room_created, client_contact(full({}, {}))}));
  EXPECT_TRUE(d.core.reading_paused(1));  // the first waiter was not replaced
}

// ---- M-6 ------------------------------------------------------------------

TEST(server_core_test, error_replies_other_than_syntax_and_rate_limit_leave_the_connection_usable) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(2, create(code(1)) + ready(code(1), creator));
  d.send(1, create(code(1)));                 // ErrorRoomTaken
  d.send(1, record(code(2), creator));        // ErrorNoSuchRoomCode
  d.send(1, ready(code(2), joiner, local1));  // ErrorNoSuchRoomCode
  d.send(1, record(code(1), creator));        // ErrorUnexpectedMsg
  d.send(1, create(code(3)));
  EXPECT_EQ(d.replies(1), (replies{error_room_taken, error_no_such_room_code,
                                   error_no_such_room_code, error_unexpected_msg, room_created}));
  EXPECT_FALSE(d.closed(1));
}

// ---- M-7 ------------------------------------------------------------------

TEST(server_core_test, waiting_connection_is_not_read_until_peer_contact) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator) + create(code(2)));
  EXPECT_EQ(d.replies(1), (replies{room_created, client_contact(full({}, {}))}));
  EXPECT_TRUE(d.core.reading_paused(1));
  d.send(1, create(code(3)));
  EXPECT_TRUE(d.replies(1).empty());
  EXPECT_EQ(d.core.live_rooms(), 1u);

  d.send(2, ready(code(1), joiner));
  EXPECT_EQ(d.replies(1), (replies{peer_contact(full({}, {})), room_created, room_created}));
  EXPECT_FALSE(d.core.reading_paused(1));
  EXPECT_EQ(d.core.live_rooms(), 2u);
}

TEST(server_core_test, garbage_behind_a_wait_is_not_read_while_waiting) {
  // upstream v1-seq-024
  driver d;
  d.open(1);
  d.send(1, create(code(1)));
  d.send(1, ready(code(1), creator));
  d.send(1, raw_frame(1, "not json"));
  d.wait(1s);
  EXPECT_EQ(d.replies(1), (replies{room_created, client_contact(full({}, {}))}));
  EXPECT_FALSE(d.closed(1));
  d.wait(600s);  // the room expires: the wait ends, the garbage is read
  EXPECT_EQ(d.replies(1), (replies{error_peer_timed_out, error_syntax}));
  EXPECT_TRUE(d.closed(1));
}

TEST(server_core_test, queued_input_is_processed_after_error_peer_timed_out) {
  config cfg;
  cfg.room_timeout = 10s;
  driver d(cfg);
  d.open(1);
  d.send(1, create(code(1)) + ready(code(1), creator) + create(code(1)));
  EXPECT_EQ(d.replies(1), (replies{room_created, client_contact(full({}, {}))}));
  d.wait(10s);
  EXPECT_EQ(d.replies(1), (replies{error_peer_timed_out, room_created}));
}

TEST(server_core_test, queued_end_of_input_is_answered_after_the_wait) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.eof(1);
  EXPECT_FALSE(d.closed(1));
  d.send(2, ready(code(1), joiner));
  EXPECT_EQ(d.replies(1), (replies{room_created, client_contact(full({}, {})),
                                   peer_contact(full({}, {})), error_syntax}));
  EXPECT_TRUE(d.closed(1));
}

TEST(server_core_test, queued_input_over_the_cap_closes_the_connection) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.replies(1);
  d.send(1, std::string(max_queued_input, ' '));
  EXPECT_FALSE(d.closed(1));
  d.send(1, " ");
  EXPECT_TRUE(d.closed(1));
  EXPECT_TRUE(d.replies(1).empty());
  EXPECT_EQ(d.core.open_connections(), 0u);
}

TEST(server_core_test, reading_paused_is_false_for_unknown_and_reading_connections) {
  driver d;
  EXPECT_FALSE(d.core.reading_paused(42));
  d.open(1);
  EXPECT_FALSE(d.core.reading_paused(1));
}

// ---- L-1, L-2 ---------------------------------------------------------------

TEST(server_core_test, room_lives_until_its_timeout_then_its_code_is_free) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)));
  d.now += 600s - 1ns;
  d.send(2, create(code(1)));
  EXPECT_EQ(d.replies(2), replies{error_room_taken});
  d.now += 1ns;  // no advance(): the event itself runs the due timer
  d.send(2, create(code(1)));
  EXPECT_EQ(d.replies(2), replies{room_created});
}

TEST(server_core_test, room_is_removed_after_the_exchange_and_its_code_is_free) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.send(2, ready(code(1), joiner));
  EXPECT_EQ(d.core.live_rooms(), 0u);
  d.send(2, create(code(1)));
  EXPECT_EQ(d.replies(2),
            (replies{client_contact(full({}, {})), peer_contact(full({}, {})), room_created}));
}

TEST(server_core_test, requests_naming_an_expired_room_get_error_no_such_room_code) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)));
  d.wait(600s);
  EXPECT_EQ(d.core.live_rooms(), 0u);
  d.send(1, record(code(1), creator) + ready(code(1), joiner));
  EXPECT_EQ(d.replies(1),
            (replies{room_created, error_no_such_room_code, error_no_such_room_code}));
}

TEST(server_core_test, sub_second_room_timeout_is_honoured) {
  config cfg;
  cfg.room_timeout = 250ms;
  driver d(cfg);
  d.open(1);
  d.send(1, create(code(1)));
  EXPECT_EQ(d.core.next_deadline(), d.now + 250ms);
  d.wait(249ms);
  EXPECT_EQ(d.core.live_rooms(), 1u);
  d.wait(1ms);
  EXPECT_EQ(d.core.live_rooms(), 0u);
}

// ---- L-3 --------------------------------------------------------------------

TEST(server_core_test, waiting_side_gets_error_peer_timed_out_when_the_room_expires) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.replies(1);
  d.wait(599s);
  EXPECT_TRUE(d.replies(1).empty());
  d.wait(1s);
  EXPECT_EQ(d.replies(1), replies{error_peer_timed_out});
  EXPECT_FALSE(d.closed(1));
  EXPECT_FALSE(d.core.reading_paused(1));
  d.send(1, create(code(1)));
  EXPECT_EQ(d.replies(1), replies{room_created});
}

// ---- L-4 --------------------------------------------------------------------

TEST(server_core_test, room_timeout_counts_from_creation_not_from_activity) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)));
  d.wait(500s);
  d.send(1, record(code(1), creator) + record(code(1), joiner));
  d.wait(100s);
  d.send(1, record(code(1), creator));
  EXPECT_EQ(d.replies(1),
            (replies{room_created, received_addr, received_addr, error_no_such_room_code}));
}

TEST(server_core_test, second_ready_to_share_replaces_the_first_waiter) {
  driver d;
  d.open(1);
  d.open(2);
  d.open(3);
  const wire::contact v4_only{addr4("10.0.0.1:1"), {}};
  d.send(1, create(code(1)) + ready(code(1), creator, v4_only));
  d.send(2, ready(code(1), creator));
  // The first waiter is told at once; the local contact it gave is kept.
  EXPECT_EQ(d.replies(1),
            (replies{room_created, client_contact(full(v4_only, {})), error_peer_timed_out}));
  EXPECT_FALSE(d.core.reading_paused(1));
  EXPECT_EQ(d.replies(2), replies{client_contact(full(v4_only, {}))});
  EXPECT_TRUE(d.core.reading_paused(2));

  d.send(3, ready(code(1), joiner));
  EXPECT_EQ(d.replies(2), replies{peer_contact(full({}, {}))});
  EXPECT_EQ(d.replies(3), (replies{client_contact(full({}, {})), peer_contact(full(v4_only, {}))}));
  EXPECT_TRUE(d.replies(1).empty());
}

// ---- L-5 --------------------------------------------------------------------

TEST(server_core_test, rooms_are_independent) {
  driver d(with_limit(100000));
  d.open(1);
  d.open(2);
  for (int i = 0; i < 1000; ++i) d.send(1, create(code(i)));
  EXPECT_EQ(d.core.live_rooms(), 1000u);
  d.replies(1);
  d.send(1, ready(code(7), creator, local1));
  d.send(2, ready(code(8), joiner, local2));
  EXPECT_EQ(d.replies(1), replies{client_contact(full(local1, {}))});
  EXPECT_EQ(d.replies(2), replies{client_contact(full(local2, {}))});
  d.open(3);
  d.send(3, ready(code(7), joiner));
  EXPECT_EQ(d.replies(3), (replies{client_contact(full({}, {})), peer_contact(full(local1, {}))}));
  EXPECT_EQ(d.replies(1), replies{peer_contact(full({}, {}))});
  EXPECT_TRUE(d.replies(2).empty());  // still waiting in its own room
  EXPECT_TRUE(d.core.reading_paused(2));
  EXPECT_EQ(d.core.live_rooms(), 999u);
}

// ---- L-6 --------------------------------------------------------------------

TEST(server_core_test, joiner_may_record_and_be_ready_before_the_creator) {
  driver d;
  d.open(1, v4(10, 0, 0, 1, 100));
  d.open(2, v4(10, 0, 0, 2, 200));
  d.send(1, create(code(1)));
  d.send(2, record(code(1), joiner) + ready(code(1), joiner, local2));
  d.send(1, record(code(1), creator) + ready(code(1), creator, local1));
  const auto creator_contact = full(local1, {addr4("10.0.0.1:100"), {}});
  const auto joiner_contact = full(local2, {addr4("10.0.0.2:200"), {}});
  EXPECT_EQ(d.replies(2), (replies{received_addr, client_contact(joiner_contact),
                                   peer_contact(creator_contact)}));
  EXPECT_EQ(d.replies(1), (replies{room_created, received_addr, client_contact(creator_contact),
                                   peer_contact(joiner_contact)}));
}

// ---- L-7 --------------------------------------------------------------------

TEST(server_core_test, recreated_code_survives_the_first_rooms_deadline) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.wait(10s);
  d.send(2, ready(code(1), joiner));  // exchange done, room gone
  d.wait(10s);
  d.send(1, create(code(1)));  // the same code again, 20 s after the first
  d.replies(1);
  d.wait(590s);  // the first room's deadline has passed
  d.send(2, record(code(1), joiner));
  EXPECT_EQ(d.replies(2).back(), received_addr);
  d.wait(10s);  // the second room's own deadline
  d.send(2, record(code(1), joiner));
  EXPECT_EQ(d.replies(2), replies{error_no_such_room_code});
}

// ---- R-1 --------------------------------------------------------------------

TEST(server_core_test, create_room_past_the_limit_gets_error_too_many_requests_and_close) {
  driver d;  // upstream's default: 10 a minute
  d.open(1);
  for (int i = 0; i < 10; ++i) d.send(1, create(code(i)));
  d.send(1, create(code(10)) + create(code(11)));
  replies expected(10, room_created);
  expected.push_back(error_too_many_requests);
  EXPECT_EQ(d.replies(1), expected);
  EXPECT_TRUE(d.closed(1));
  EXPECT_EQ(d.outputs_after_close(1), 0);
}

TEST(server_core_test, create_room_on_a_taken_code_counts_against_the_limit) {
  driver d(with_limit(2));
  d.open(1);
  d.send(1, create(code(1)) + create(code(1)) + create(code(2)));
  EXPECT_EQ(d.replies(1), (replies{room_created, error_room_taken, error_too_many_requests}));
  EXPECT_TRUE(d.closed(1));
}

TEST(server_core_test, no_such_room_and_unexpected_msg_replies_count_against_the_limit) {
  driver d(with_limit(4));
  d.open(1);
  d.open(2, v4(10, 9, 9, 9, 1));  // another IP sets the room up
  d.send(2, create(code(1)) + ready(code(1), creator));
  d.send(1, record(code(2), creator));         // 1
  d.send(1, ready(code(2), joiner));           // 2
  d.send(1, record(code(1), creator));         // 3: ErrorUnexpectedMsg
  d.send(1, ready(code(1), creator, local1));  // 4: ErrorUnexpectedMsg
  d.send(1, record(code(1), joiner));          // success, not counted
  d.send(1, record(code(2), joiner));          // 5th counted: over the limit
  EXPECT_EQ(d.replies(1),
            (replies{error_no_such_room_code, error_no_such_room_code, error_unexpected_msg,
                     error_unexpected_msg, received_addr, error_too_many_requests}));
  EXPECT_TRUE(d.closed(1));
}

TEST(server_core_test, ready_to_share_with_local_contact_on_unknown_room_counts_once) {
  driver d(with_limit(2));
  d.open(1);
  d.send(1, ready(code(1), creator, local1) + ready(code(1), creator, local1) +
                ready(code(1), creator, local1));
  EXPECT_EQ(d.replies(1),
            (replies{error_no_such_room_code, error_no_such_room_code, error_too_many_requests}));
}

TEST(server_core_test, zero_request_limit_refuses_every_counted_request) {
  driver d(with_limit(0));
  d.open(1);
  d.send(1, create(code(1)));
  EXPECT_EQ(d.replies(1), replies{error_too_many_requests});
  EXPECT_TRUE(d.closed(1));
}

// ---- R-2 --------------------------------------------------------------------

TEST(server_core_test, other_source_ips_are_unaffected_by_the_limit) {
  driver d(with_limit(3));
  d.open(1, v4(10, 0, 0, 1, 1));
  d.open(2, v4(10, 0, 0, 2, 1));
  d.open(3, v6_loopback(1));
  for (int i = 0; i < 4; ++i) d.send(1, create(code(i)));
  EXPECT_TRUE(d.closed(1));
  for (int i = 10; i < 13; ++i) d.send(2, create(code(i)));
  for (int i = 20; i < 23; ++i) d.send(3, create(code(i)));
  EXPECT_EQ(d.replies(2), replies(3, room_created));
  EXPECT_EQ(d.replies(3), replies(3, room_created));
}

TEST(server_core_test, connections_from_the_same_ip_share_the_limit) {
  driver d(with_limit(3));
  d.open(1, v4(10, 0, 0, 1, 1));
  d.open(2, v4(10, 0, 0, 1, 2));  // same IP, another port
  d.open(3, wire::socket_addr_v6{{0xfe80, 0, 0, 0, 0, 0, 0, 1}, 1, 1});
  d.open(4, wire::socket_addr_v6{{0xfe80, 0, 0, 0, 0, 0, 0, 1}, 2, 2});  // same IP, other scope
  d.send(1, create(code(1)) + create(code(2)));
  d.send(2, create(code(3)) + create(code(4)));
  EXPECT_EQ(d.replies(2), (replies{room_created, error_too_many_requests}));
  EXPECT_FALSE(d.closed(1));
  d.send(3, create(code(5)) + create(code(6)));
  d.send(4, create(code(7)) + create(code(8)));
  EXPECT_EQ(d.replies(4), (replies{room_created, error_too_many_requests}));
}

TEST(server_core_test, counters_reset_together_at_fixed_windows_from_the_start) {
  driver d(with_limit(2));  // started at 1000 s: windows end at 1060 s, 1120 s, ...
  d.now += 59s;
  d.open(1, v4(10, 0, 0, 1, 1));
  d.open(2, v4(10, 0, 0, 2, 1));
  d.send(1, create(code(1)) + create(code(2)));
  d.send(2, create(code(3)));
  EXPECT_EQ(d.core.next_deadline(), 1060s);
  d.wait(1s);  // 1060 s: both counters reset
  d.open(3, v4(10, 0, 0, 1, 2));
  d.send(3, create(code(4)) + create(code(5)));
  d.send(2, create(code(6)) + create(code(7)));
  EXPECT_EQ(d.replies(3), (replies{room_created, room_created}));
  EXPECT_EQ(d.replies(2), (replies{room_created, room_created, room_created}));
  d.wait(59s + 999ms);  // 1119.999 s: same window, not a sliding one
  d.open(4, v4(10, 0, 0, 1, 3));
  d.send(4, create(code(8)));
  EXPECT_EQ(d.replies(4), replies{error_too_many_requests});
  d.wait(1ms);  // 1120 s
  d.open(5, v4(10, 0, 0, 1, 4));
  d.send(5, create(code(9)));
  EXPECT_EQ(d.replies(5), replies{room_created});
}

TEST(server_core_test, rate_window_boundaries_stay_fixed_after_idle_windows) {
  driver d(with_limit(1));
  d.open(1, v4(10, 0, 0, 1, 1));
  d.now += 3h + 30s;  // many idle windows
  d.send(1, create(code(1)));
  EXPECT_EQ(d.core.next_deadline(), 1000s + 3h + 60s);
}

// ---- R-3 --------------------------------------------------------------------

TEST(server_core_test, successful_record_public_addr_and_ready_to_share_do_not_count) {
  driver d(with_limit(1));
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)));
  for (int i = 0; i < 20; ++i) d.send(1, record(code(1), creator) + record(code(1), joiner));
  d.send(1, ready(code(1), creator, local1));
  d.send(2, ready(code(1), joiner, local2));
  d.send(2, create(code(2)));
  const auto all = d.replies(1);
  EXPECT_EQ(std::count(all.begin(), all.end(), received_addr), 40);
  EXPECT_EQ(d.replies(2).back(), error_too_many_requests);
}

// ---- F-1, F-2 ---------------------------------------------------------------

TEST(server_core_test, each_send_is_one_whole_frame_with_the_profiles_version) {
  driver d;
  d.open(1, v4(10, 0, 0, 1, 65535));
  d.open(2, v6_loopback(1));
  d.send(1, create(code(1)) + record(code(1), creator) + ready(code(1), creator, local1));
  d.send(2, ready(code(1), joiner, local2));
  ASSERT_FALSE(d.all.empty());
  for (const output& o : d.all) {
    ASSERT_EQ(o.what, output::kind::send);
    ASSERT_GE(o.bytes.size(), 3u);
    EXPECT_EQ(o.bytes[0], 1);
    const std::size_t length =
        (static_cast<std::uint8_t>(o.bytes[1]) << 8) | static_cast<std::uint8_t>(o.bytes[2]);
    EXPECT_EQ(length, o.bytes.size() - 3);
  }
  EXPECT_EQ(d.all.front().bytes, std::string("\x01\x00\x0d\"RoomCreated\"", 16));
  EXPECT_EQ(d.core.frames_out(), d.all.size());
}

TEST(server_core_test, wrong_version_is_answered_error_syntax_right_after_the_header) {
  for (int version : {0, 2, 3, 255}) {
    driver d;
    d.open(1);
    d.send(1, std::string{static_cast<char>(version), 0x00, 0x40});  // header only
    ASSERT_EQ(d.all.size(), 2u) << version;
    EXPECT_EQ(d.all[0].bytes, std::string("\x01\x00\x0d\"ErrorSyntax\"", 16));
    EXPECT_EQ(d.all[1].what, output::kind::close);
  }
}

TEST(server_core_test, wrong_version_after_a_valid_frame_is_answered_after_the_first_reply) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)) + raw_frame(2, "{}"));
  EXPECT_EQ(d.replies(1), (replies{room_created, error_syntax}));
  EXPECT_TRUE(d.closed(1));
}

// ---- F-3 --------------------------------------------------------------------

TEST(server_core_test, invalid_body_is_answered_error_syntax_and_closed) {
  const std::string create_body =
      wire::encode_body(wire::client_msg{wire::create_room{code(1)}}, wire::profile::v1).value();
  const std::string bodies[] = {
      "not json",
      R"({"Foo":{}})",
      R"({"CreateRoom":{}})",
      R"("CreateRoom")",
      R"({"CreateRoom":{"room_code":[1,2,3]}})",
      R"({"type":"CreateRoom","room_code":"abc"})",
      create_body + " x",
      create_body.substr(0, create_body.size() - 1),
  };
  for (const std::string& body : bodies) {
    driver d;
    d.open(1);
    d.send(1, raw_frame(1, body) + create(code(1)));
    EXPECT_EQ(d.replies(1), replies{error_syntax}) << body;
    EXPECT_TRUE(d.closed(1)) << body;
    EXPECT_EQ(d.outputs_after_close(1), 0) << body;
    EXPECT_EQ(d.core.live_rooms(), 0u) << body;
  }
}

TEST(server_core_test, a_syntax_error_does_not_disturb_other_connections) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.send(2, raw_frame(1, "\xff\xfe"));
  EXPECT_TRUE(d.closed(2));
  d.open(3);
  d.send(3, ready(code(1), joiner));
  EXPECT_EQ(d.replies(1).back(), peer_contact(full({}, {})));
}

// ---- F-4 --------------------------------------------------------------------

TEST(server_core_test, frame_split_byte_by_byte_is_one_request) {
  driver d;
  d.open(1);
  const std::string bytes = create(code(1)) + record(code(1), creator);
  for (char byte : bytes) {
    d.send(1, std::string_view(&byte, 1));
    d.wait(1ms);
  }
  EXPECT_EQ(d.replies(1), (replies{room_created, received_addr}));
  EXPECT_EQ(d.core.frames_in(), 2u);
}

TEST(server_core_test, several_frames_in_one_receive_are_answered_in_order) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)) + create(code(2)) + create(code(1)) + record(code(2), joiner) +
                record(code(3), joiner));
  EXPECT_EQ(d.replies(1), (replies{room_created, room_created, error_room_taken, received_addr,
                                   error_no_such_room_code}));
}

// ---- F-5 --------------------------------------------------------------------

TEST(server_core_test, zero_length_body_is_a_syntax_error) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)) + raw_frame(1, "") + create(code(2)));
  EXPECT_EQ(d.replies(1), (replies{room_created, error_syntax}));
  EXPECT_TRUE(d.closed(1));
}

TEST(server_core_test, largest_v1_body_is_a_valid_request) {
  driver d;
  d.open(1);
  const std::string body =
      wire::encode_body(wire::client_msg{wire::create_room{code(1)}}, wire::profile::v1).value();
  d.send(1, raw_frame(1, std::string(65535 - body.size(), ' ') + body));
  EXPECT_EQ(d.replies(1), replies{room_created});
}

TEST(server_core_test, end_of_input_between_frames_is_answered_error_syntax_and_closed) {
  driver d;
  d.open(1);
  d.eof(1);  // upstream v1-frame-032: nothing sent
  EXPECT_EQ(d.replies(1), replies{error_syntax});
  EXPECT_TRUE(d.closed(1));
  d.open(2);
  d.send(2, create(code(1)));
  d.eof(2);
  EXPECT_EQ(d.replies(2), (replies{room_created, error_syntax}));
  EXPECT_TRUE(d.closed(2));
}

TEST(server_core_test, end_of_input_inside_a_frame_is_answered_error_syntax_and_closed) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)).substr(0, 20));
  d.eof(1);
  EXPECT_EQ(d.replies(1), replies{error_syntax});
  EXPECT_TRUE(d.closed(1));
  d.open(2);
  d.send(2, std::string("\x01\x00", 2));  // part of a header
  d.eof(2);
  EXPECT_EQ(d.replies(2), replies{error_syntax});
  EXPECT_TRUE(d.closed(2));
}

TEST(server_core_test, stalled_frame_is_closed_without_reply_after_the_deadline) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)).substr(0, 10));
  EXPECT_EQ(d.core.next_deadline(), d.now + 30s);
  d.wait(30s - 1ns);
  EXPECT_FALSE(d.closed(1));
  d.wait(1ns);
  EXPECT_TRUE(d.closed(1));
  EXPECT_TRUE(d.replies(1).empty());
  EXPECT_EQ(d.core.open_connections(), 0u);
  EXPECT_EQ(d.core.next_deadline(), std::nullopt);
}

TEST(server_core_test, frame_deadline_counts_from_the_frames_first_byte) {
  driver d;
  d.open(1);
  const std::string bytes = create(code(1));
  d.send(1, bytes.substr(0, 1));
  for (std::size_t i = 1; i < 4; ++i) {
    d.wait(10s - 1ns);
    d.send(1, bytes.substr(i, 1));
  }
  d.wait(3ns);
  EXPECT_TRUE(d.closed(1));
}

TEST(server_core_test, frame_deadline_restarts_with_each_frame) {
  driver d;
  d.open(1);
  const std::string first = create(code(1));
  const std::string second = create(code(2));
  d.send(1, first.substr(0, 10));
  d.wait(20s);
  d.send(1, first.substr(10) + second.substr(0, 5));  // ends frame 1, starts frame 2
  d.wait(29s);
  d.send(1, second.substr(5));
  EXPECT_EQ(d.replies(1), (replies{room_created, room_created}));
  EXPECT_FALSE(d.closed(1));
}

TEST(server_core_test, zero_frame_deadline_never_closes_a_stalled_frame) {
  config cfg;
  cfg.frame_deadline = clock_time::zero();
  driver d(cfg);
  d.open(1);
  d.send(1, std::string("\x01\x00\x32", 3));  // upstream v1-frame-026
  EXPECT_EQ(d.core.next_deadline(), std::nullopt);
  d.wait(24h);
  EXPECT_FALSE(d.closed(1));
}

TEST(server_core_test, idle_connection_between_frames_has_no_deadline) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)));
  d.wait(599s);
  d.send(1, record(code(1), creator));
  EXPECT_EQ(d.replies(1), (replies{room_created, received_addr}));
  EXPECT_FALSE(d.closed(1));
}

// ---- Profile v3 --------------------------------------------------------------

config v3() {
  config cfg;
  cfg.profile = wire::profile::v3;
  return cfg;
}

TEST(server_core_test, v3_replies_carry_version_3_and_internal_tags) {
  driver d(v3());
  d.open(1);
  d.send(1, create("any string code", wire::profile::v3));
  ASSERT_EQ(d.all.size(), 1u);
  EXPECT_EQ(d.all[0].bytes, std::string("\x03\x00\x16{\"type\":\"RoomCreated\"}", 25));
}

TEST(server_core_test, v3_length_over_1024_is_refused_at_the_header) {
  driver d(v3());
  d.open(1);
  d.send(1, std::string("\x03\x04\x01", 3));
  EXPECT_EQ(d.replies(1), replies{error_syntax});
  EXPECT_TRUE(d.closed(1));
  d.open(2);
  d.send(2, std::string("\x03\x04\x00", 3));  // exactly 1024: waits for the body
  EXPECT_FALSE(d.closed(2));
}

TEST(server_core_test, v3_version_1_frame_is_answered_error_syntax_with_version_3) {
  driver d(v3());
  d.open(1);
  d.send(1, create(code(1), wire::profile::v1));
  ASSERT_EQ(d.all.size(), 2u);
  EXPECT_EQ(d.all[0].bytes, std::string("\x03\x00\x16{\"type\":\"ErrorSyntax\"}", 25));
}

TEST(server_core_test, v3_exchange_with_string_room_codes) {
  driver d(v3());
  const auto p = wire::profile::v3;
  d.open(1, v4(10, 0, 0, 1, 1));
  d.open(2, v6_loopback(2));
  d.send(1, create("", p) + record("", creator, p) + ready("", creator, local1, p));
  d.send(2, record("", joiner, p) + ready("", joiner, local2, p));
  const auto c1 = full(local1, {addr4("10.0.0.1:1"), {}});
  const auto c2 = full(local2, {{}, addr6("[::1]:2")});
  EXPECT_EQ(d.replies(1),
            (replies{room_created, received_addr, client_contact(c1), peer_contact(c2)}));
  EXPECT_EQ(d.replies(2), (replies{received_addr, client_contact(c2), peer_contact(c1)}));
}

// ---- Connections, deadlines, counters ------------------------------------------

TEST(server_core_test, closed_connection_gets_no_further_output) {
  driver d;
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator, local1));
  d.gone(1);
  EXPECT_EQ(d.core.open_connections(), 1u);
  const std::size_t before = d.all.size();
  d.send(2, ready(code(1), joiner));  // the room still holds the creator's contact
  EXPECT_EQ(d.replies(2), (replies{client_contact(full({}, {})), peer_contact(full(local1, {}))}));
  d.send(1, create(code(2)));
  d.eof(1);
  d.wait(1h);
  for (std::size_t i = before; i < d.all.size(); ++i) EXPECT_NE(d.all[i].conn, 1u);
}

TEST(server_core_test, closed_drops_untaken_outputs) {
  server_core core(config{}, 0s);
  core.open(1, v4(1, 1, 1, 1, 1), 0s);
  core.open(2, v4(1, 1, 1, 2, 1), 0s);
  core.receive(1, create(code(1)), 0s);
  core.receive(2, create(code(2)), 0s);
  core.closed(1, 0s);
  const auto outputs = core.take_outputs();
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].conn, 2u);
}

TEST(server_core_test, events_for_unknown_connections_are_ignored) {
  driver d;
  d.send(9, create(code(1)));
  d.eof(9);
  d.gone(9);
  EXPECT_TRUE(d.all.empty());
  EXPECT_EQ(d.core.live_rooms(), 0u);
  EXPECT_EQ(d.core.open_connections(), 0u);
}

TEST(server_core_test, opening_an_open_connection_again_is_ignored) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)).substr(0, 5));
  d.open(1);
  d.send(1, create(code(1)).substr(5));
  EXPECT_EQ(d.replies(1), replies{room_created});
  EXPECT_EQ(d.core.open_connections(), 1u);
}

TEST(server_core_test, connection_id_can_be_reused_after_close) {
  driver d;
  d.open(1);
  d.send(1, raw_frame(1, "x"));
  EXPECT_TRUE(d.closed(1));
  d.gone(1);
  d.all.clear();
  d.open(1);
  d.send(1, create(code(1)));
  ASSERT_EQ(d.all.size(), 1u);
  EXPECT_EQ(d.all[0].what, output::kind::send);
}

TEST(server_core_test, counters_track_connections_rooms_and_frames) {
  driver d;
  EXPECT_EQ(d.core.open_connections(), 0u);
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + create(code(2)));
  d.send(2, raw_frame(1, "bad"));
  EXPECT_EQ(d.core.open_connections(), 1u);
  EXPECT_EQ(d.core.live_rooms(), 2u);
  EXPECT_EQ(d.core.frames_in(), 3u);
  EXPECT_EQ(d.core.frames_out(), 3u);
  d.gone(2);
  d.gone(1);
  EXPECT_EQ(d.core.open_connections(), 0u);
  EXPECT_EQ(d.core.live_rooms(), 2u);
}

TEST(server_core_test, next_deadline_is_empty_when_idle) {
  server_core core(config{}, 0s);
  EXPECT_EQ(core.next_deadline(), std::nullopt);
  core.open(1, v4(1, 1, 1, 1, 1), 5s);
  EXPECT_EQ(core.next_deadline(), std::nullopt);
}

TEST(server_core_test, next_deadline_is_the_earliest_timer) {
  driver d;  // starts at 1000 s
  d.open(1);
  d.now += 10s;
  d.send(1, create(code(1)));
  EXPECT_EQ(d.core.next_deadline(), 1060s);  // the rate window, before the room's 1610 s
  d.wait_for_deadline();
  EXPECT_EQ(d.core.next_deadline(), 1610s);
  d.send(1, create(code(2)).substr(0, 4));
  EXPECT_EQ(d.core.next_deadline(), 1090s);  // the frame deadline
  d.wait_for_deadline();
  EXPECT_TRUE(d.closed(1));
}

TEST(server_core_test, time_going_backwards_is_treated_as_the_latest_time) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)));
  d.wait(600s);
  d.now -= 300s;
  d.send(1, create(code(1)));
  EXPECT_EQ(d.replies(1), (replies{room_created, room_created}));
}

TEST(server_core_test, huge_timeouts_saturate_instead_of_overflowing) {
  config cfg;
  cfg.room_timeout = clock_time::max();
  cfg.frame_deadline = clock_time::max();
  cfg.rate_window = clock_time::max();
  driver d(cfg);
  d.open(1);
  d.send(1, create(code(1)) + create(code(2)).substr(0, 4));
  EXPECT_EQ(d.core.next_deadline(), clock_time::max());
  d.wait(24h);
  EXPECT_EQ(d.core.live_rooms(), 1u);
  EXPECT_FALSE(d.closed(1));
}

TEST(server_core_test, no_fault_is_on_by_default) {
  EXPECT_TRUE(config{}.faults.none());
  server_core core(config{}, 0s);
  EXPECT_TRUE(core.settings().faults.none());
  EXPECT_FALSE(core.crashed());
}

// ---- Upstream's state.rs unit tests, at core level -------------------------------

TEST(server_core_test, upstream_state_test_general) {
  config cfg = with_limit(100);
  cfg.room_timeout = 100s;
  driver d(cfg);
  const wire::full_contact contact1{
      {addr4("1.8.3.1:2304"), addr6("[ab:41::b:43]:92")},
      {addr4("12.98.11.20:11"), addr6("[12:1::9:ab]:56")},
  };
  const wire::full_contact contact2{
      {std::nullopt, addr6("[12:ef::2:55]:1000")},
      {addr4("5.20.100.50:2"), std::nullopt},
  };
  const std::string room = "hduejdlameu7493mzajfjdlf;sdafsda";
  d.open(1, *contact1.public_.v4);
  d.open(2, *contact1.public_.v6);
  d.open(3, *contact2.public_.v4);

  d.send(1, create(room));
  d.send(3, create(room));
  EXPECT_EQ(d.replies(3), replies{error_room_taken});
  d.send(1, record(room, creator));
  d.send(2, record(room, creator));
  d.send(3, record(room, joiner));

  d.send(2, ready(room, creator, contact1.local));
  d.send(3, ready(room, joiner, contact2.local));
  EXPECT_EQ(d.replies(2),
            (replies{received_addr, client_contact(contact1), peer_contact(contact2)}));
  EXPECT_EQ(d.replies(3),
            (replies{received_addr, client_contact(contact2), peer_contact(contact1)}));
}

TEST(server_core_test, upstream_state_test_request_limit) {
  driver d(with_limit(100));
  d.open(1, v4(0, 0, 0, 123, 1));
  d.open(2, v4(0, 0, 1, 200, 1));  // 456
  for (int i = 1; i <= 100; ++i) {
    d.send(1, create(std::string(32, static_cast<char>(i))));
    d.send(2, create(std::string(32, static_cast<char>(i + 100))));
  }
  EXPECT_EQ(d.replies(1), replies(100, room_created));
  EXPECT_EQ(d.replies(2), replies(100, room_created));
  d.open(3, v4(0, 0, 0, 123, 2));
  d.send(3, create(std::string(32, static_cast<char>(101))));
  EXPECT_EQ(d.replies(3), replies{error_too_many_requests});
}

TEST(server_core_test, upstream_state_test_room_timeout) {
  config cfg = with_limit(100);
  cfg.room_timeout = 10ms;
  driver d(cfg);
  const std::string room = "jkfd;ew8t9spfjsdiafdjsafadsafdsa";
  d.open(1, v4(0, 0, 0, 123, 1));
  d.open(2, v4(0, 0, 1, 200, 1));
  d.send(1, create(room));
  d.send(2, create(room) + record(room, joiner));
  EXPECT_EQ(d.replies(2), (replies{error_room_taken, received_addr}));
  d.wait(20ms);
  d.send(2, record(room, joiner));
  EXPECT_EQ(d.replies(2), replies{error_no_such_room_code});
}

// ---- Upstream's test_integration.rs, at core level ----------------------------------

TEST(server_core_test, upstream_integration_test_integration) {
  config cfg;
  cfg.room_timeout = 3600s;
  driver d(cfg);
  const std::string room123(32, static_cast<char>(123));
  const std::string room234(32, static_cast<char>(234));
  constexpr connection_id v4_conn = 1, v6_conn = 2;
  d.open(v4_conn, v4(127, 0, 0, 1, 50001));
  d.open(v6_conn, v6_loopback(50002));

  d.send(v4_conn, create(room123));
  EXPECT_EQ(d.replies(v4_conn), replies{room_created});
  d.send(v4_conn, create(room123));
  EXPECT_EQ(d.replies(v4_conn), replies{error_room_taken});
  d.send(v6_conn, record(room234, creator));
  EXPECT_EQ(d.replies(v6_conn), replies{error_no_such_room_code});
  d.send(v4_conn, record(room123, creator));
  EXPECT_EQ(d.replies(v4_conn), replies{received_addr});
  d.send(v6_conn, record(room123, joiner));
  EXPECT_EQ(d.replies(v6_conn), replies{received_addr});

  d.send(v4_conn, ready(room123, creator, local1));
  auto r = d.replies(v4_conn);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].type, server_msg_type::client_contact);
  EXPECT_EQ(r[0].contact.local, local1);

  d.send(v6_conn, record(room123, creator));
  EXPECT_EQ(d.replies(v6_conn), replies{error_unexpected_msg});
  d.send(v6_conn, create(room234));
  EXPECT_EQ(d.replies(v6_conn), replies{room_created});

  d.send(v6_conn, ready(room123, joiner, local2));
  r = d.replies(v6_conn);
  ASSERT_EQ(r.size(), 2u);
  ASSERT_EQ(r[0].type, server_msg_type::client_contact);
  EXPECT_EQ(r[0].contact.local, local2);
  ASSERT_EQ(r[1].type, server_msg_type::peer_contact);
  EXPECT_EQ(r[1].contact.local, local1);
  r = d.replies(v4_conn);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].type, server_msg_type::peer_contact);
  EXPECT_EQ(r[0].contact.local, local2);

  d.send(v4_conn, create(room123));
  EXPECT_EQ(d.replies(v4_conn), replies{room_created});
}

TEST(server_core_test, upstream_integration_test_request_limit) {
  config cfg;
  cfg.room_timeout = 3600s;
  driver d(cfg);
  d.open(1, v4(127, 0, 0, 1, 50001));
  d.open(2, v6_loopback(50002));
  for (int i = 1; i <= 10; ++i) {
    d.send(1, create(std::string(32, static_cast<char>(i))));
    EXPECT_EQ(d.replies(1), replies{room_created});
  }
  d.send(1, create(std::string(32, static_cast<char>(11))));
  EXPECT_EQ(d.replies(1), replies{error_too_many_requests});
  EXPECT_TRUE(d.closed(1));
  d.send(1, create(std::string(32, static_cast<char>(100))));
  EXPECT_EQ(d.outputs_after_close(1), 0);
  d.send(2, create(std::string(32, static_cast<char>(200))));
  EXPECT_EQ(d.replies(2), replies{room_created});
}

// ---- Determinism and bounded memory -----------------------------------------------

/// What a scripted run left behind.
struct run_result {
  std::vector<output> outputs;
  std::vector<std::uint64_t> counters;
};

/// A reproducible stream of events over a few connections: valid requests on
/// a few codes, garbage, splits, half-closes, closes and clock jumps.
run_result run_random_script(unsigned seed, const config& cfg) {
  std::mt19937 rng(seed);
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  clock_time now = 0s;
  server_core core(cfg, now);
  run_result result;
  for (int step = 0; step < 3000; ++step) {
    const connection_id id = static_cast<connection_id>(pick(8));
    const std::string room = code(pick(4));
    const bool side = pick(2) == 0;
    const wire::contact local = pick(2) == 0 ? local1 : wire::contact{};
    switch (pick(12)) {
      case 0:
        core.open(id, id % 2 ? v4(10, 0, 0, static_cast<std::uint8_t>(id), 1) : v6_loopback(5),
                  now);
        break;
      case 1:
      case 2:
        core.receive(id, create(room, cfg.profile), now);
        break;
      case 3:
        core.receive(id, record(room, side, cfg.profile), now);
        break;
      case 4:
      case 5:
        core.receive(id, ready(room, side, local, cfg.profile), now);
        break;
      case 6: {
        const std::string bytes = create(room, cfg.profile) + record(room, side, cfg.profile);
        const auto cut = static_cast<std::size_t>(pick(static_cast<int>(bytes.size())));
        core.receive(id, bytes.substr(0, cut), now);
        now += std::chrono::milliseconds(pick(2000));
        core.receive(id, bytes.substr(cut), now);
        break;
      }
      case 7:
        if (pick(4) == 0) core.receive(id, raw_frame(1, side ? "junk" : ""), now);
        if (pick(8) == 0) core.end_of_input(id, now);
        break;
      case 8:
        if (pick(6) == 0) core.closed(id, now);
        break;
      case 9:
        now += std::chrono::seconds(pick(120));
        core.advance(now);
        break;
      default:
        now += std::chrono::milliseconds(pick(500));
        break;
    }
    for (output& o : core.take_outputs()) {
      if (o.what == output::kind::close) core.closed(o.conn, now);
      result.outputs.push_back(std::move(o));
    }
  }
  result.counters = {core.open_connections(), core.live_rooms(), core.frames_in(),
                     core.frames_out()};
  return result;
}

TEST(server_core_test, same_inputs_give_identical_outputs) {
  config cfg;
  cfg.room_timeout = 90s;
  for (unsigned seed : {1u, 2u, 3u}) {
    const run_result first = run_random_script(seed, cfg);
    const run_result second = run_random_script(seed, cfg);
    EXPECT_GT(first.outputs.size(), 100u);
    EXPECT_EQ(first.outputs, second.outputs) << "seed " << seed;
    EXPECT_EQ(first.counters, second.counters) << "seed " << seed;
    // M-8: the reference never sends ErrorInternal; every send is one valid reply frame.
    for (const output& o : first.outputs) {
      if (o.what != output::kind::send) continue;
      auto frames = wire::decode_frames(o.bytes, cfg.profile);
      ASSERT_TRUE(frames.has_value());
      ASSERT_EQ(frames->size(), 1u);
      auto m = wire::decode_server_msg(frames->front(), cfg.profile);
      ASSERT_TRUE(m.has_value());
      EXPECT_NE(m->type, server_msg_type::error_internal);
    }
  }
}

TEST(server_core_test, queued_input_memory_is_bounded) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.replies(1);
  const std::string chunk(4096, 'x');
  std::size_t sent = 0;
  while (!d.closed(1) && sent < 1024 * 1024) {
    d.send(1, chunk);
    sent += chunk.size();
  }
  EXPECT_TRUE(d.closed(1));
  EXPECT_LE(sent, max_queued_input + chunk.size());
  EXPECT_TRUE(d.replies(1).empty());
  d.send(1, chunk);  // ignored from now on
  EXPECT_EQ(d.outputs_after_close(1), 0);
  EXPECT_EQ(d.core.open_connections(), 0u);
}

}  // namespace

// ---- connection ids may be reused after close --------------------------------

namespace {
std::vector<server_msg_type> types_of(const replies& rs) {
  std::vector<server_msg_type> out;
  for (const auto& m : rs) out.push_back(m.type);
  return out;
}
TEST(server_core_test, a_moved_core_keeps_its_rooms_connections_and_timers) {
  config cfg;
  cfg.room_timeout = 10s;
  server_core first(cfg, 0s);
  first.open(1, v4(127, 0, 0, 1, 1), 0s);
  first.receive(1, create(code(1)) + ready(code(1), creator), 0s);
  ASSERT_EQ(first.take_outputs().size(), 2u);
  server_core moved(std::move(first));
  EXPECT_EQ(moved.live_rooms(), 1u);
  EXPECT_EQ(moved.open_connections(), 1u);
  EXPECT_TRUE(moved.reading_paused(1));
  EXPECT_EQ(moved.next_deadline(), 10s);

  server_core assigned(config{}, 0s);
  assigned = std::move(moved);
  assigned.open(2, v4(127, 0, 0, 2, 2), 1s);
  assigned.receive(2, ready(code(1), joiner), 1s);
  std::vector<server_msg_type> to_creator, to_joiner;
  for (const output& o : assigned.take_outputs()) {
    ASSERT_EQ(o.what, output::kind::send);
    auto body = wire::decode_frames(o.bytes, wire::profile::v1);
    ASSERT_TRUE(body && body->size() == 1u);
    auto m = wire::decode_server_msg(body->front(), wire::profile::v1);
    ASSERT_TRUE(m);
    (o.conn == 1 ? to_creator : to_joiner).push_back(m->type);
  }
  EXPECT_EQ(to_creator, std::vector{server_msg_type::peer_contact});
  EXPECT_EQ(to_joiner,
            (std::vector{server_msg_type::client_contact, server_msg_type::peer_contact}));
  EXPECT_EQ(assigned.live_rooms(), 0u);
}

}  // namespace

// Found by the server_core fuzzer: a room kept the closed waiter's id and
// later answered whichever connection reused it.
TEST(server_core_test, a_reused_connection_id_gets_nothing_meant_for_the_closed_waiter) {
  driver d;
  d.open(1);
  d.send(1, create(code(1)));
  d.send(1, ready(code(1), creator));
  EXPECT_EQ(types_of(d.replies(1)),
            (std::vector{server_msg_type::room_created, server_msg_type::client_contact}));
  d.gone(1);
  d.open(1, v4(10, 0, 0, 9, 2));
  d.send(1, ready(code(1), joiner));
  EXPECT_EQ(types_of(d.replies(1)),
            (std::vector{server_msg_type::client_contact, server_msg_type::peer_contact}));
  EXPECT_EQ(d.core.live_rooms(), 0u);
}

TEST(server_core_test, a_reused_connection_id_is_not_told_of_the_old_rooms_expiry) {
  config cfg;
  cfg.room_timeout = 10s;
  driver d(cfg);
  d.open(1);
  d.send(1, create(code(1)));
  d.send(1, ready(code(1), creator));
  d.replies(1);
  d.gone(1);
  d.wait(5s);
  d.open(1, v4(10, 0, 0, 9, 2));
  d.send(1, create(code(2)));
  d.send(1, ready(code(2), creator));
  EXPECT_EQ(types_of(d.replies(1)),
            (std::vector{server_msg_type::room_created, server_msg_type::client_contact}));
  d.wait(6s);  // room 1 expires, room 2 still lives
  EXPECT_TRUE(d.replies(1).empty());
  EXPECT_TRUE(d.core.reading_paused(1));  // still waiting in room 2 (M-7)
  d.wait(5s);                             // now room 2 expires
  EXPECT_EQ(d.replies(1), replies{error_peer_timed_out});
}
