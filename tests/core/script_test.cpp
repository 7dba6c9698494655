#include "gday/core/server_core.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core_test_support.hpp"

namespace {

using namespace gday::core;
using namespace gday::core::test;
namespace wire = gday::wire;
using replies = std::vector<wire::server_msg>;
using act = script_rule::action;
using shape = script_rule::shape;

script_rule rule(std::string on, act what, unsigned nth = 0) {
  script_rule r;
  r.on = std::move(on);
  r.what = what;
  r.nth = nth;
  return r;
}

config scripted(std::vector<script_rule> rules) {
  config cfg;
  cfg.script = std::move(rules);
  return cfg;
}

std::vector<output> sends_to(const driver& d, connection_id id) {
  std::vector<output> out;
  for (const auto& o : d.all) {
    if (o.conn == id && o.what == output::kind::send) out.push_back(o);
  }
  return out;
}

TEST(script_test, a_reply_rule_replaces_only_the_nth_matching_answer) {
  script_rule taken = rule("CreateRoom", act::reply, 2);
  taken.reply = wire::server_msg_type::error_room_taken;
  driver d(scripted({taken}));
  d.open(1);
  d.send(1, create(code(1)));
  d.send(1, create(code(2)));
  d.send(1, create(code(3)));
  EXPECT_EQ(d.replies(1), (replies{room_created, error_room_taken, room_created}));
  EXPECT_EQ(d.core.live_rooms(), 2u) << "the scripted request is not handled";
}

TEST(script_test, a_scripted_contact_reply_carries_the_script_contact) {
  script_rule other = rule("ReadyToShare", act::reply);
  other.reply = wire::server_msg_type::peer_contact;
  driver d(scripted({other}));
  d.open(1);
  d.send(1, create(code(1)) + ready(code(1), true));
  EXPECT_EQ(d.replies(1), (replies{room_created, peer_contact(script_contact())}));
}

TEST(script_test, a_stall_answers_nothing_and_reads_nothing_more) {
  driver d(scripted({rule("RecordPublicAddr", act::stall)}));
  d.open(1);
  d.send(1, create(code(1)) + record(code(1), true) + create(code(2)));
  EXPECT_EQ(d.replies(1), replies{room_created});
  EXPECT_FALSE(d.closed(1));
  EXPECT_TRUE(d.core.reading_paused(1));
}

TEST(script_test, close_and_reset_end_the_connection_without_an_answer) {
  driver d(scripted({rule("CreateRoom", act::close, 1), rule("CreateRoom", act::reset, 2)}));
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)));
  d.send(2, create(code(2)));
  ASSERT_EQ(d.all.size(), 2u);
  EXPECT_EQ(d.all[0].what, output::kind::close);
  EXPECT_EQ(d.all[1].what, output::kind::reset);
  EXPECT_EQ(d.all[1].conn, 2u);
}

TEST(script_test, raw_bytes_go_out_as_given_then_close) {
  script_rule bad = rule("*", act::raw);
  bad.raw = std::string("\x01\x00\x05{\"Ro", 7);
  bad.then_close = true;
  driver d(scripted({bad}));
  d.open(1);
  d.send(1, create(code(1)));
  ASSERT_EQ(d.all.size(), 2u);
  EXPECT_EQ(d.all[0].bytes, bad.raw);
  EXPECT_TRUE(d.closed(1));
}

TEST(script_test, bytewise_writes_each_byte_of_the_answer_on_its_own) {
  script_rule split = rule("CreateRoom", act::answer);
  split.writes = shape::bytewise;
  driver d(scripted({split}));
  d.open(1);
  d.send(1, create(code(1)));
  const auto sends = sends_to(d, 1);
  const std::string whole = *wire::encode_frame(room_created, wire::profile::v1);
  ASSERT_EQ(sends.size(), whole.size());
  for (const auto& o : sends) EXPECT_EQ(o.bytes.size(), 1u);
  EXPECT_EQ(d.replies(1), replies{room_created});
}

TEST(script_test, coalesced_writes_client_contact_and_peer_contact_at_once) {
  script_rule joined = rule("ReadyToShare", act::answer, 2);
  joined.writes = shape::coalesced;
  driver d(scripted({joined}));
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), true));
  d.send(2, ready(code(1), false));
  const auto sends = sends_to(d, 2);
  ASSERT_EQ(sends.size(), 1u);
  const auto r = d.replies(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].type, wire::server_msg_type::client_contact);
  EXPECT_EQ(r[1].type, wire::server_msg_type::peer_contact);
  EXPECT_EQ(d.replies(1).back().type, wire::server_msg_type::peer_contact)
      << "the waiting peer is still answered";
}

TEST(script_test, extra_fields_are_added_to_contact_replies_and_still_decode) {
  for (auto p : {wire::profile::v1, wire::profile::v2, wire::profile::v3}) {
    script_rule extra = rule("ReadyToShare", act::answer);
    extra.writes = shape::extra_field;
    config cfg = scripted({extra});
    cfg.profile = p;
    driver d(cfg);
    d.open(1);
    d.send(1, create(code(1), p) + ready(code(1), true, {}, p));
    const auto sends = sends_to(d, 1);
    ASSERT_EQ(sends.size(), 2u);
    EXPECT_NE(sends[1].bytes.find("\"extra\":0"), std::string::npos) << sends[1].bytes;
    const auto r = d.replies(1);
    ASSERT_EQ(r.size(), 2u) << "a serde client ignores unknown fields";
    EXPECT_EQ(r[1].type, wire::server_msg_type::client_contact);
  }
}

TEST(script_test, a_rule_with_a_role_applies_to_that_sides_requests_only) {
  script_rule limit = rule("RecordPublicAddr", act::reply, 1);
  limit.role = "joiner";
  limit.reply = wire::server_msg_type::error_too_many_requests;
  driver d(scripted({limit}));
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + record(code(1), true));
  EXPECT_EQ(d.replies(1), (replies{room_created, received_addr}))
      << "the creator's request is not counted";
  d.send(2, record(code(1), false) + record(code(1), false));
  EXPECT_EQ(d.replies(2), (replies{error_too_many_requests, received_addr}))
      << "only the joiner's first request is scripted";
}

TEST(script_test, largest_pads_every_reply_body_to_the_profiles_largest_and_it_still_decodes) {
  for (auto p : {wire::profile::v1, wire::profile::v3}) {
    script_rule big = rule("ReadyToShare", act::answer);
    big.writes = shape::largest;
    config cfg = scripted({big});
    cfg.profile = p;
    driver d(cfg);
    d.open(1);
    d.send(1, create(code(1), p) + ready(code(1), true, {}, p));
    const auto sends = sends_to(d, 1);
    ASSERT_EQ(sends.size(), 2u);
    EXPECT_LT(sends[0].bytes.size(), 100u) << "only the rule's request is padded";
    EXPECT_EQ(sends[1].bytes.size(), wire::header_size + wire::max_body_length(p));
    const auto r = d.replies(1);
    ASSERT_EQ(r.size(), 2u) << "trailing whitespace decodes";
    EXPECT_EQ(r[1].type, wire::server_msg_type::client_contact);
  }
}

TEST(script_test, an_unsolicited_reply_comes_before_the_answer) {
  script_rule extra = rule("CreateRoom", act::answer);
  extra.unsolicited = wire::server_msg_type::received_addr;
  driver d(scripted({extra}));
  d.open(1);
  d.send(1, create(code(1)));
  EXPECT_EQ(d.replies(1), (replies{received_addr, room_created}));
}

TEST(script_test, the_trace_records_what_came_in_and_went_out) {
  std::vector<trace_event> events;
  config cfg;
  cfg.trace = [&](const trace_event& e) { events.push_back(e); };
  driver d(cfg);
  d.open(1);
  d.send(1, create(code(1)));
  d.gone(1);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].what, trace_event::kind::opened);
  EXPECT_EQ(events[0].bytes, "127.0.0.1:40000");
  EXPECT_EQ(events[1].what, trace_event::kind::received);
  EXPECT_EQ(events[1].bytes, create(code(1)));
  EXPECT_EQ(events[2].what, trace_event::kind::frame);
  EXPECT_NE(events[2].bytes.find("CreateRoom"), std::string::npos);
  EXPECT_EQ(events[3].what, trace_event::kind::sent);
  EXPECT_EQ(events[3].bytes, *wire::encode_frame(room_created, wire::profile::v1));
  EXPECT_EQ(events[4].what, trace_event::kind::gone);
}

TEST(script_test, bytes_that_arrive_while_waiting_are_traced_when_they_arrive) {
  std::vector<trace_event> events;
  config cfg;
  cfg.trace = [&](const trace_event& e) { events.push_back(e); };
  driver d(cfg);
  d.open(1);
  d.send(1, create(code(1)) + record(code(1), true) + ready(code(1), true));
  events.clear();
  d.send(1, record(code(1), true));  // while it waits for PeerContact
  ASSERT_EQ(events.size(), 1u) << "queued, not processed";
  EXPECT_EQ(events[0].what, trace_event::kind::received);
  EXPECT_EQ(events[0].bytes, record(code(1), true));
  EXPECT_FALSE(d.core.reading_paused(1)) << "a recorded connection is read on";
  driver untraced{config{}};
  untraced.open(1);
  untraced.send(1, create(code(1)) + record(code(1), true) + ready(code(1), true));
  EXPECT_TRUE(untraced.core.reading_paused(1));
}

}  // namespace
