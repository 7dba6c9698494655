#include "gday/core/fault.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core_test_support.hpp"
#include "gday/core/server_core.hpp"
#include "gday/test/support.hpp"
#include "gday/wire/codec.hpp"

namespace {

using namespace gday::core;
using namespace gday::core::test;
namespace wire = gday::wire;

// ---- names and sets -------------------------------------------------------------

TEST(core_fault_test, every_fault_has_a_unique_kebab_case_name_that_parses_back) {
  std::set<std::string_view> names;
  for (const fault f : all_faults()) {
    const std::string_view n = name(f);
    EXPECT_TRUE(names.insert(n).second) << n;
    EXPECT_FALSE(n.empty());
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << n;
    EXPECT_NE(n.front(), '-');
    EXPECT_NE(n.back(), '-');
    EXPECT_EQ(parse_fault(n), f);
    EXPECT_FALSE(description(f).empty()) << n;
    EXPECT_EQ(description(f).find('\n'), std::string_view::npos) << n;
    const std::string_view rule = rule_of(f);
    ASSERT_GE(rule.size(), 3u) << n;
    EXPECT_EQ(rule[1], '-') << n;
  }
}

// The enumerators of `fault` as fault.hpp declares them, in order.
std::vector<std::string> enumerators_in_fault_hpp() {
  const std::string header =
      gday::test::read_file(gday::test::data_path("../reference/core/include/gday/core/fault.hpp"));
  const std::size_t begin = header.find('{', header.find("enum class fault"));
  const std::size_t end = header.find("};", begin);
  std::vector<std::string> names;
  std::istringstream body(header.substr(begin + 1, end - begin - 1));
  for (std::string line; std::getline(body, line);) {
    const std::size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, 2, "//") == 0) continue;
    names.push_back(line.substr(start, line.find_first_of(", /", start) - start));
  }
  return names;
}

TEST(core_fault_test, every_enumerator_is_a_fault_with_its_name) {
  // A fault added to the enum without a table entry (or after last_fault)
  // would be missing from all_faults(), and so from every test that walks it.
  std::vector<std::string> listed;
  for (const fault f : all_faults()) {
    std::string n(name(f));
    std::replace(n.begin(), n.end(), '-', '_');
    listed.push_back(n);
  }
  EXPECT_EQ(enumerators_in_fault_hpp(), listed);
  EXPECT_EQ(all_faults().back(), last_fault);
}

TEST(core_fault_test, every_fault_breaks_a_requirement_of_the_spec) {
  const std::string spec =
      gday::test::read_file(gday::test::data_path("../docs/gday-contact-exchange.md"));
  for (const fault f : all_faults()) {
    const std::string rule(rule_of(f));
    EXPECT_TRUE(spec.find("\n- " + rule + " ") != std::string::npos) << name(f) << ": " << rule;
  }
}

TEST(core_fault_test, brief_examples_have_their_names) {
  EXPECT_EQ(name(fault::peer_contact_before_client_contact), "peer-contact-before-client-contact");
  EXPECT_EQ(name(fault::code_timer), "code-timer");
  EXPECT_EQ(rule_of(fault::code_timer), "L-7");
  EXPECT_EQ(parse_fault("hang-on-unknown-variant"), fault::hang_on_unknown_variant);
}

TEST(core_fault_test, unknown_names_do_not_parse) {
  EXPECT_EQ(parse_fault(""), std::nullopt);
  EXPECT_EQ(parse_fault("code_timer"), std::nullopt);
  EXPECT_EQ(parse_fault("Code-Timer"), std::nullopt);
  EXPECT_EQ(parse_fault("code-timer "), std::nullopt);
}

TEST(core_fault_test, fault_set_is_empty_by_default) {
  const fault_set none;
  EXPECT_TRUE(none.none());
  EXPECT_FALSE(none.any());
  EXPECT_EQ(none.count(), 0u);
  for (fault f : all_faults()) EXPECT_FALSE(none.test(f));
  EXPECT_TRUE(config{}.faults.none());
}

TEST(core_fault_test, fault_set_sets_and_resets_single_faults) {
  fault_set faults{fault::code_timer, fault::crash_on_empty_body};
  EXPECT_EQ(faults.count(), 2u);
  EXPECT_TRUE(faults.test(fault::code_timer));
  EXPECT_FALSE(faults.test(fault::room_never_expires));
  faults.set(fault::room_never_expires).reset(fault::code_timer);
  EXPECT_FALSE(faults.test(fault::code_timer));
  EXPECT_TRUE(faults.test(fault::room_never_expires));
  EXPECT_EQ(faults, (fault_set{fault::room_never_expires, fault::crash_on_empty_body}));
  fault_set all;
  for (fault f : all_faults()) all.set(f);
  EXPECT_EQ(all.count(), fault_count);
}

TEST(core_fault_test, fault_set_parses_and_prints_comma_separated_names) {
  EXPECT_EQ(parse_fault_set(""), fault_set{});
  EXPECT_EQ(parse_fault_set(" "), fault_set{});
  const auto faults = parse_fault_set("room-never-expires, code-timer");
  ASSERT_TRUE(faults.has_value());
  EXPECT_EQ(*faults, (fault_set{fault::code_timer, fault::room_never_expires}));
  EXPECT_EQ(to_string(*faults), "room-never-expires,code-timer");
  EXPECT_EQ(parse_fault_set(to_string(*faults)), faults);
  EXPECT_EQ(parse_fault_set("code-timer,nope"), std::nullopt);
  EXPECT_EQ(parse_fault_set("code-timer,"), std::nullopt);
  EXPECT_EQ(to_string(fault_set{}), "");
}

// ---- every fault is observable ------------------------------------------------------

/// A scripted conversation; its transcript is every output with its time.
struct scenario {
  std::string name;
  config base;
  std::function<void(driver&)> run;
};

config cfg_with(std::uint32_t limit, clock_time room_timeout = 600s) {
  config cfg;
  cfg.request_limit = limit;
  cfg.room_timeout = room_timeout;
  return cfg;
}

const wire::contact local_a{addr4("1.8.3.1:2304"), addr6("[ab:41::b:43]:92")};
const wire::contact local_b{addr4("3.1.4.1:7853"), std::nullopt};

std::vector<scenario> scenarios() {
  return {
      {"exchange-over-v4-and-v6", config{},
       [](driver& d) {
         d.open(1, v4(192, 0, 2, 1, 1111));
         d.open(2, v6_loopback(2222));
         d.send(1, create(code(1)) + record(code(1), creator) + ready(code(1), creator, local_a));
         d.send(2, record(code(1), joiner) + ready(code(1), joiner, local_b));
         d.send(1, create(code(1)));
         d.send(2, create(code(1)));
       }},
      {"version-byte-2", config{},
       [](driver& d) {
         d.open(1);
         std::string bytes = create(code(1));
         bytes[0] = 2;
         d.send(1, bytes);
       }},
      {"bad-body-then-valid-frame", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, raw_frame(1, "not json") + create(code(1)));
         d.open(2);
         d.send(2, std::string("\x01\x00", 2));
         d.eof(2);
       }},
      {"unknown-variant", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, raw_frame(1, R"({"Foo":{}})"));
         d.send(1, create(code(1)));
       }},
      {"frame-in-two-pieces", config{},
       [](driver& d) {
         d.open(1);
         const std::string bytes = create(code(1));
         d.send(1, bytes.substr(0, 7));
         d.wait(1ms);
         d.send(1, bytes.substr(7));
       }},
      {"empty-body-on-one-connection", config{},
       [](driver& d) {
         d.open(1);
         d.open(2);
         d.send(2, create(code(2)));
         d.send(1, raw_frame(1, ""));
         d.send(2, create(code(3)));
       }},
      {"taken-code-twice", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, create(code(1)));
         d.send(1, create(code(1)));
         d.send(1, create(code(2)));
       }},
      {"unknown-room", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, record(code(9), creator));
         d.send(1, ready(code(9), creator, local_a));
         d.send(1, create(code(1)));
       }},
      {"update-after-ready", config{},
       [](driver& d) {
         d.open(1);
         d.open(2);
         d.send(1, create(code(1)) + ready(code(1), creator));
         d.send(2, record(code(1), creator));
         d.send(2, ready(code(1), creator, local_a));
         d.send(2, ready(code(1), joiner));
       }},
      {"garbage-while-waiting", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, create(code(1)) + ready(code(1), creator));
         d.send(1, raw_frame(1, "not json"));
         d.wait(1s);
       }},
      {"room-expiry-with-waiter", cfg_with(10, 100s),
       [](driver& d) {
         d.open(1);
         d.open(2);
         d.send(1, create(code(1)) + ready(code(1), joiner));
         d.wait(51s);
         d.send(2, create(code(1)));
         d.wait(50s);
         d.send(2, create(code(1)));
         d.wait(200s);
       }},
      {"second-ready-same-side", config{},
       [](driver& d) {
         d.open(1);
         d.open(2);
         d.open(3);
         d.send(1, create(code(1)) + ready(code(1), creator));
         d.send(2, ready(code(1), creator));
         d.send(3, ready(code(1), joiner));
       }},
      {"code-recreated-after-exchange", cfg_with(10, 100s),
       [](driver& d) {
         d.open(1);
         d.open(2);
         d.send(1, create(code(1)) + ready(code(1), creator));
         d.send(2, ready(code(1), joiner));
         d.wait(50s);
         d.send(1, create(code(1)));
         d.wait(51s);  // past the first room's deadline
         d.send(2, record(code(1), joiner));
       }},
      {"rate-limit", cfg_with(3),
       [](driver& d) {
         d.open(1, v4(10, 0, 0, 1, 1));
         for (int i = 0; i < 5; ++i) d.send(1, create(code(i)));
         d.open(2, v4(10, 0, 0, 2, 1));
         d.send(2, create(code(20)));
         d.open(3, v4(10, 0, 0, 3, 1));
         d.send(3, create(code(30)));
         for (int i = 0; i < 3; ++i) d.send(3, record(code(30), creator));
         d.send(3, create(code(31)));
       }},
      {"local-address-not-in-display-form", config{},
       [](driver& d) {
         d.open(1);
         d.open(2);
         auto body = wire::encode_body(wire::client_msg{wire::ready_to_share{
                                           {std::nullopt, addr6("[::1]:5")}, code(1), creator}},
                                       wire::profile::v1);
         ASSERT_TRUE(body.has_value());
         const std::string shown = "\"[::1]:5\"";
         ASSERT_NE(body->find(shown), std::string::npos);
         body->replace(body->find(shown), shown.size(), "\"[::0:1]:05\"");
         d.send(1, create(code(1)) + raw_frame(1, *body));
         d.send(2, ready(code(1), joiner));
       }},
      {"peers-vanish", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, create(code(1)));
         d.gone(1);  // reset right after its CreateRoom was answered
         d.open(2);
         d.send(2, record(code(1), joiner));
         d.open(3);
         d.open(4);
         d.gone(3);
         d.gone(4);
         d.open(5);
         d.send(5, create(code(2)));
       }},
      {"eof-inside-a-frame", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, create(code(1)).substr(0, 5));
         d.eof(1);
         d.open(2);
         d.send(2, create(code(2)));
       }},
      {"side-rejoins-on-a-new-connection", config{},
       [](driver& d) {
         d.open(1);
         d.send(1, create(code(1)) + record(code(1), creator));
         d.gone(1);
         d.open(2);
         d.send(2, record(code(1), creator) + ready(code(1), creator));
       }},
      {"rate-window-passes", cfg_with(1),
       [](driver& d) {
         d.open(1, v4(10, 0, 0, 1, 1));
         d.send(1, create(code(1)) + create(code(2)));
         d.wait(61s);
         d.open(2, v4(10, 0, 0, 1, 2));
         d.send(2, create(code(3)));
       }},
  };
}

std::string transcript(const scenario& s, const fault_set& faults) {
  config cfg = s.base;
  cfg.faults = faults;
  driver d(cfg);
  s.run(d);
  std::ostringstream out;
  for (std::size_t i = 0; i < d.all.size(); ++i) {
    const output& o = d.all[i];
    out << d.times[i].count() << ' ' << o.conn << ' '
        << (o.what == output::kind::send ? "send " : "close ") << o.bytes.size() << ':' << o.bytes
        << '\n';
  }
  out << "crashed=" << d.core.crashed() << " paused1=" << d.core.reading_paused(1)
      << " open=" << d.core.open_connections() << '\n';
  return out.str();
}

TEST(core_fault_test, every_fault_changes_the_output_of_some_scenario) {
  const auto table = scenarios();
  std::vector<std::string> reference;
  for (const scenario& s : table) reference.push_back(transcript(s, fault_set{}));
  for (fault f : all_faults()) {
    std::vector<std::string> differing;
    bool outputs_differ = false;
    for (std::size_t i = 0; i < table.size(); ++i) {
      const std::string faulty = transcript(table[i], fault_set{f});
      if (faulty == reference[i]) continue;
      differing.push_back(table[i].name);
      // The status line alone does not count: the output sequence must change.
      const auto cut = [](const std::string& t) { return t.substr(0, t.rfind("crashed=")); };
      if (cut(faulty) != cut(reference[i])) outputs_differ = true;
    }
    EXPECT_TRUE(outputs_differ) << name(f) << " changes no output";
    std::string list;
    for (const auto& n : differing) list += n + " ";
    RecordProperty(std::string(name(f)), list);
  }
}

TEST(core_fault_test, vanish_faults_each_break_what_they_say) {
  const auto replies_of = [](const driver& d, connection_id id) {
    std::vector<std::string> out;
    for (const output& o : d.all) {
      if (o.conn == id) out.push_back(o.what == output::kind::close ? "close" : o.bytes);
    }
    return out;
  };
  const auto reply = [](const server_msg& m) {
    auto bytes = wire::encode_frame(m, wire::profile::v1);
    return bytes ? *bytes : std::string();
  };
  const auto with = [](fault f) {
    config cfg;
    cfg.faults = fault_set{f};
    return cfg;
  };
  const std::string raw_room_created = reply(room_created);
  const std::string raw_received = reply(received_addr);
  {  // The creator's connection resets: its room goes with it.
    driver d(with(fault::room_dies_with_creator_connection));
    d.open(1);
    d.send(1, create(code(1)));
    d.gone(1);
    d.open(2);
    d.send(2, record(code(1), joiner));
    EXPECT_EQ(replies_of(d, 2), std::vector<std::string>{reply(error_no_such_room_code)});
  }
  {  // ... or the room stays locked: no answer, no more reading.
    driver d(with(fault::reset_leaves_room_locked));
    d.open(1);
    d.send(1, create(code(1)));
    d.gone(1);
    d.open(2);
    d.send(2, record(code(1), joiner));
    EXPECT_TRUE(replies_of(d, 2).empty());
    d.send(2, create(code(2)));
    EXPECT_TRUE(replies_of(d, 2).empty());
    d.open(3);  // other rooms still answer
    d.send(3, create(code(3)));
    EXPECT_EQ(replies_of(d, 3), std::vector<std::string>{raw_room_created});
  }
  {  // Three resets leak every slot: the fourth connection is closed at once.
    driver d(with(fault::resets_leak_connection_slots));
    for (connection_id id = 1; id <= 3; ++id) {
      d.open(id);
      EXPECT_TRUE(replies_of(d, id).empty());
      d.gone(id);
    }
    d.open(4);
    EXPECT_EQ(replies_of(d, 4), std::vector<std::string>{"close"});
  }
  {  // An EOF inside a frame blocks new connections; one between frames does not.
    driver d(with(fault::eof_mid_frame_blocks_new_connections));
    d.open(1);
    d.send(1, create(code(1)));
    d.eof(1);
    d.open(2);
    d.send(2, create(code(2)));
    EXPECT_EQ(replies_of(d, 2), std::vector<std::string>{raw_room_created});
    d.open(3);
    d.send(3, create(code(3)).substr(0, 4));
    d.eof(3);
    d.open(4);
    EXPECT_EQ(replies_of(d, 4), std::vector<std::string>{"close"});
  }
  {  // A side bound to a gone connection refuses a new one of that side.
    driver d(with(fault::dead_side_slot_kept));
    d.open(1);
    d.send(1, create(code(1)) + record(code(1), creator));
    d.open(2);
    d.send(2, record(code(1), creator));  // a second device, the first still there: fine
    EXPECT_EQ(replies_of(d, 2), std::vector<std::string>{raw_received});
    d.gone(2);
    d.gone(1);
    d.open(3);
    d.send(3, record(code(1), creator) + record(code(1), joiner));
    EXPECT_EQ(replies_of(d, 3),
              (std::vector<std::string>{reply(error_unexpected_msg), raw_received}));
  }
}

TEST(core_fault_test, crash_on_empty_body_closes_everything_and_ignores_input) {
  config cfg;
  cfg.faults.set(fault::crash_on_empty_body);
  driver d(cfg);
  d.open(1);
  d.open(2);
  d.send(2, create(code(1)));
  d.send(1, raw_frame(1, ""));
  EXPECT_TRUE(d.core.crashed());
  EXPECT_TRUE(d.closed(1));
  EXPECT_TRUE(d.closed(2));
  EXPECT_EQ(d.core.open_connections(), 0u);
  EXPECT_EQ(d.core.next_deadline(), std::nullopt);
  const std::size_t before = d.all.size();
  d.send(2, create(code(2)));
  d.wait(1h);
  EXPECT_EQ(d.all.size(), before);
  d.open(3);  // a crashed server accepts nothing
  EXPECT_TRUE(d.closed(3));
}

TEST(core_fault_test, code_timer_deletes_the_recreated_room_like_upstream) {
  config cfg = cfg_with(10, 100s);
  cfg.faults.set(fault::code_timer);
  driver d(cfg);
  d.open(1);
  d.open(2);
  d.send(1, create(code(1)) + ready(code(1), creator));
  d.send(2, ready(code(1), joiner));
  d.wait(50s);
  d.send(1, create(code(1)));
  d.wait(50s);  // the first CreateRoom's timer deletes the second room
  d.send(2, record(code(1), joiner));
  EXPECT_EQ(d.replies(2).back(), error_no_such_room_code);
}

TEST(core_fault_test, hang_on_unknown_variant_pauses_reading_without_reply) {
  config cfg;
  cfg.faults.set(fault::hang_on_unknown_variant);
  driver d(cfg);
  d.open(1);
  d.send(1, raw_frame(1, R"({"Foo":{}})") + create(code(1)));
  EXPECT_TRUE(d.all.empty());
  EXPECT_TRUE(d.core.reading_paused(1));
  d.open(2);
  d.send(2, raw_frame(1, "not json"));  // other decode errors are still ErrorSyntax
  EXPECT_EQ(d.replies(2), std::vector<wire::server_msg>{error_syntax});
}

TEST(core_fault_test, reply_split_writes_sends_header_and_body_apart) {
  config cfg;
  cfg.faults.set(fault::reply_split_writes);
  driver d(cfg);
  d.open(1);
  d.send(1, create(code(1)));
  ASSERT_EQ(d.all.size(), 2u);
  EXPECT_EQ(d.all[0].bytes, std::string("\x01\x00\x0d", 3));
  EXPECT_EQ(d.all[1].bytes, "\"RoomCreated\"");
  EXPECT_EQ(d.core.frames_out(), 1u);
}

TEST(core_fault_test, public_addr_wrong_family_records_a_v4_mapped_peer_as_v4) {
  // ::ffff:192.0.2.7, as a dual-stack socket reports an IPv4 client.
  const endpoint mapped = wire::socket_addr_v6{{0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0207}, 7000, 0};
  const auto recorded = [&](bool with_fault, const endpoint& peer) {
    config cfg;
    if (with_fault) cfg.faults.set(fault::public_addr_wrong_family);
    driver d(cfg);
    d.open(1, peer);
    d.send(1, create(code(1)) + record(code(1), creator) + ready(code(1), creator));
    const auto got = d.replies(1);
    EXPECT_EQ(got.size(), 3u);
    return got.empty() ? wire::contact{} : got.back().contact.public_;
  };
  EXPECT_EQ(recorded(false, mapped), (wire::contact{std::nullopt, std::get<1>(mapped)}));
  EXPECT_EQ(recorded(true, mapped), (wire::contact{addr4("192.0.2.7:7000"), std::nullopt}));
  // An IPv6 peer that is no mapped IPv4 address has no IPv4 form: nothing is recorded.
  EXPECT_EQ(recorded(true, v6_loopback(8000)), wire::contact{});
}

TEST(core_fault_test, rate_limit_counts_successes_refuses_a_ready_to_share_past_the_limit) {
  for (const bool with_fault : {false, true}) {
    SCOPED_TRACE(with_fault ? "with the fault" : "without the fault");
    config cfg = cfg_with(2);
    if (with_fault) cfg.faults.set(fault::rate_limit_counts_successes);
    driver d(cfg);
    d.open(1);
    // CreateRoom counts (1); the fault counts the successful RecordPublicAddr
    // too (2), and so refuses the ReadyToShare.
    d.send(1, create(code(1)) + record(code(1), creator) + ready(code(1), creator));
    const auto got = d.replies(1);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], room_created);
    EXPECT_EQ(got[1], received_addr);
    if (with_fault) {
      EXPECT_EQ(got[2], error_too_many_requests);
      EXPECT_TRUE(d.closed(1));
    } else {
      EXPECT_EQ(got[2].type, wire::server_msg_type::client_contact);
      EXPECT_FALSE(d.closed(1));
    }
  }
}

}  // namespace
