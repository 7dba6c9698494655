#include "gday/client/fault.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gday/client/client.hpp"
#include "gday/server/server.hpp"
#include "gday/wire/codec.hpp"

namespace {

namespace client = gday::client;
namespace core = gday::core;
namespace wire = gday::wire;
using namespace std::chrono_literals;

TEST(client_fault_test, every_fault_has_a_unique_kebab_case_name_that_parses_back) {
  std::set<std::string_view> names;
  for (const client::fault f : client::all_faults()) {
    const std::string_view n = client::name(f);
    EXPECT_TRUE(names.insert(n).second) << n;
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << n;
    EXPECT_EQ(client::parse_fault(n), f);
    EXPECT_FALSE(client::description(f).empty()) << n;
    EXPECT_EQ(client::rule_of(f).substr(0, 2), "C-") << n;
  }
  EXPECT_GE(names.size(), 8u);
  EXPECT_FALSE(client::parse_fault("no-such-fault"));
}

/// A plain-TCP server on loopback (IPv4 and IPv6) that records the requests
/// each connection sent, in the order they arrived, whether or not it read them.
struct traced_server {
  std::mutex mutex;
  std::map<std::uint64_t, std::vector<std::string>> requests;  // per connection
  std::map<std::uint64_t, wire::frame_decoder> decoders;
  std::unique_ptr<gday::server::server> srv;

  explicit traced_server(std::vector<core::script_rule> script = {}) {
    gday::server::config cfg;
    cfg.core.script = std::move(script);
    cfg.core.trace = [this](const core::trace_event& e) {
      if (e.what != core::trace_event::kind::received) return;
      std::lock_guard lock(mutex);
      auto& d = decoders.try_emplace(e.conn, wire::profile::v1).first->second;
      std::string_view bytes = e.bytes;
      while (!bytes.empty() && d.status() != wire::frame_decoder::state::failed) {
        bytes.remove_prefix(d.feed(bytes));
        if (d.status() != wire::frame_decoder::state::frame_ready) continue;
        auto m = wire::decode_client_msg(d.take_body(), wire::profile::v1);
        requests[e.conn].push_back(m ? std::string(wire::variant_name(*m)) : "?");
      }
    };
    srv = std::make_unique<gday::server::server>(cfg);
    if (auto up = srv->start(); !up) throw std::runtime_error(up.error().what());
  }

  std::vector<std::vector<std::string>> by_connection() {
    std::lock_guard lock(mutex);
    std::vector<std::vector<std::string>> out;
    for (const auto& [id, list] : requests) out.push_back(list);
    return out;
  }
};

client::exchange_options creator(const traced_server& s, std::vector<client::fault> faults) {
  client::exchange_options o;
  o.v4.port = s.srv->port(false);
  o.v4.tls = false;
  o.v6 = o.v4;
  o.v6->host = "::1";
  o.room_code = client::room_code_from_text("fault test", wire::profile::v1);
  o.reply_timeout = 2s;
  o.peer_timeout = 300ms;  // no joiner comes
  o.faults = std::move(faults);
  return o;
}

using lists = std::vector<std::vector<std::string>>;

TEST(client_fault_test, without_faults_the_creator_sends_what_c1_and_c2_ask) {
  traced_server s;
  EXPECT_FALSE(client::exchange(creator(s, {})));  // no peer: times out
  EXPECT_EQ(s.by_connection(),
            (lists{{"CreateRoom", "RecordPublicAddr", "ReadyToShare"}, {"RecordPublicAddr"}}));
}

TEST(client_fault_test, the_c2_faults_change_what_is_sent_and_where) {
  {
    traced_server s;
    (void)client::exchange(creator(s, {client::fault::sends_after_ready}));
    EXPECT_EQ(s.by_connection(),
              (lists{{"CreateRoom", "RecordPublicAddr", "ReadyToShare", "RecordPublicAddr"},
                     {"RecordPublicAddr"}}));
  }
  {
    traced_server s;
    (void)client::exchange(creator(s, {client::fault::ready_twice}));
    EXPECT_EQ(s.by_connection(),
              (lists{{"CreateRoom", "RecordPublicAddr", "ReadyToShare", "ReadyToShare"},
                     {"RecordPublicAddr"}}));
  }
  {
    traced_server s;
    (void)client::exchange(creator(s, {client::fault::records_one_connection}));
    EXPECT_EQ(s.by_connection(), (lists{{"CreateRoom", "RecordPublicAddr"}, {"ReadyToShare"}}));
  }
}

core::script_rule stall_on(std::string request) {
  core::script_rule r;
  r.on = std::move(request);
  r.what = core::script_rule::action::stall;
  return r;
}

TEST(client_fault_test, skips_room_created_wait_sends_before_the_answer_comes) {
  traced_server s({stall_on("CreateRoom")});
  auto o = creator(s, {client::fault::skips_room_created_wait});
  o.reply_timeout = 300ms;
  EXPECT_FALSE(client::exchange(o));
  EXPECT_EQ(s.by_connection(), (lists{{"CreateRoom", "RecordPublicAddr"}}))
      << "the IPv6 connection sent nothing yet";
}

TEST(client_fault_test, no_deadline_and_waits_forever_on_error_outlive_the_reply_timeout) {
  core::script_rule taken;
  taken.on = "CreateRoom";
  taken.what = core::script_rule::action::reply;
  taken.reply = wire::server_msg_type::error_room_taken;
  for (auto [fault, rule] : {std::pair{client::fault::no_deadline, stall_on("CreateRoom")},
                             std::pair{client::fault::waits_forever_on_error, taken}}) {
    SCOPED_TRACE(std::string(client::name(fault)));
    traced_server s({rule});
    auto o = creator(s, {});
    o.reply_timeout = 200ms;
    EXPECT_FALSE(client::exchange(o)) << "without the fault it ends by itself";
    o.faults = {fault};
    auto stuck = std::async(std::launch::async, [o] { return client::exchange(o); });
    EXPECT_EQ(stuck.wait_for(1s), std::future_status::timeout) << "still waiting";
    s.srv->stop();  // closes its connection: the wait ends
    ASSERT_EQ(stuck.wait_for(10s), std::future_status::ready);
    EXPECT_FALSE(stuck.get());
  }
}

}  // namespace
