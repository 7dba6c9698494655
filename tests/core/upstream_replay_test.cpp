// Replays every recorded upstream conversation (tests/vectors/upstream/) against
// the server core and compares the exact reply bytes and how each connection
// ended.
#include "gday/core/server_core.hpp"

#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core_test_support.hpp"
#include "gday/base/hex.hpp"
#include "gday/test/support.hpp"
#include "gday/test/upstream.hpp"

namespace {

using namespace std::chrono_literals;
using gday::core::clock_time;
using gday::core::config;
using gday::core::connection_id;
using gday::core::endpoint;
using gday::core::output;
using gday::core::server_core;
using json = nlohmann::ordered_json;
namespace wire = gday::wire;

using replay_case = gday::test::upstream_case;

const std::vector<replay_case>& v1_cases() {
  static const auto cases = gday::test::upstream_cases(1);
  return cases;
}
const std::vector<replay_case>& v3_cases() {
  static const auto cases = gday::test::upstream_cases(3);
  return cases;
}

/// Our port for connection `n`: 4 digits where upstream's were 5, so every
/// frame that carries a public address changes length.
std::uint16_t port_of(std::size_t n) { return static_cast<std::uint16_t>(4000 + n); }

endpoint peer_of(int family, std::size_t n) {
  if (family == 6) return wire::socket_addr_v6{{0, 0, 0, 0, 0, 0, 0, 1}, port_of(n), 0};
  return wire::socket_addr_v4{{127, 0, 0, 1}, port_of(n)};
}

struct conn_result {
  std::vector<std::string> sends;
  bool closed = false;
  int outputs_after_close = 0;
};

void take(server_core& core, std::map<connection_id, conn_result>& results) {
  for (output& o : core.take_outputs()) {
    conn_result& r = results[o.conn];
    if (r.closed) {
      ++r.outputs_after_close;
      continue;
    }
    if (o.what == output::kind::close) {
      r.closed = true;
    } else {
      r.sends.push_back(std::move(o.bytes));
    }
  }
}

class core_upstream_replay_test : public ::testing::TestWithParam<replay_case> {};

TEST_P(core_upstream_replay_test, reproduces_the_recorded_conversation) {
  const json& c = GetParam().data;
  const std::string id = c["id"].get<std::string>();
  config cfg;
  cfg.profile = c["protocol"].get<int>() == 3 ? wire::profile::v3 : wire::profile::v1;
  cfg.request_limit = 100000;
  cfg.room_timeout = 600s;
  clock_time now = 0s;
  server_core core(cfg, now);
  std::map<connection_id, conn_result> results;
  const clock_time pause = std::chrono::milliseconds(c.value("pause_ms", 1));

  const bool multi = c.contains("conns");
  const std::size_t conn_count = multi ? c["conns"].size() : 1;
  std::vector<std::uint16_t> ports;
  for (std::size_t n = 0; n < conn_count; ++n) {
    const int family = multi ? c["conns"][n]["family"].get<int>() : c["family"].get<int>();
    core.open(n, peer_of(family, n), now);
    ports.push_back(port_of(n));
  }

  if (!multi) {
    for (const json& hex : c["setup"]) {
      core.receive(0, gday::test::from_hex(hex.get<std::string>()), now);
      take(core, results);
    }
    for (const json& hex : c["send"]) {
      now += pause;
      core.receive(0, gday::test::from_hex(hex.get<std::string>()), now);
      take(core, results);
    }
    if (c["half_close"].get<bool>()) core.end_of_input(0, now);
  } else {
    const json& steps = c["steps"];
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const json& step = steps[k];
      const auto n = step["conn"].get<connection_id>();
      for (const json& hex : step["send"]) {
        now += pause;
        core.receive(n, gday::test::from_hex(hex.get<std::string>()), now);
        take(core, results);
      }
      if (step.value("half_close", false)) core.end_of_input(n, now);
      take(core, results);
      // Where recorded, how many replies each connection had after this step.
      for (std::size_t m = 0; m < conn_count; ++m) {
        const json& per = c["per_conn"][m];
        if (!per.contains("step_frames")) continue;
        EXPECT_EQ(results[m].sends.size(), per["step_frames"][k].get<std::size_t>())
            << id << ": connection " << m << " after step " << k;
      }
    }
  }
  now += 1s;
  core.advance(now);
  take(core, results);

  for (std::size_t n = 0; n < conn_count; ++n) {
    const json& expected = multi ? c["per_conn"][n] : c;
    const conn_result& got = results[n];
    const auto want = gday::test::upstream_reply_frames(expected, ports);
    EXPECT_EQ(want.problems, std::vector<std::string>{}) << id << ": connection " << n;
    std::vector<std::string> got_hex, want_hex;
    for (const auto& s : got.sends) got_hex.push_back(gday::base::encode_hex(s));
    for (const auto& s : want.frames) want_hex.push_back(gday::base::encode_hex(s));
    EXPECT_EQ(got_hex, want_hex) << id << ": replies on connection " << n;
    EXPECT_EQ(got.closed, expected["end"].get<std::string>() == "closed")
        << id << ": end of connection " << n << " (" << expected["end_detail"] << ")";
    EXPECT_EQ(got.outputs_after_close, 0) << id;
  }
  EXPECT_FALSE(core.crashed());
}

std::string case_name(const ::testing::TestParamInfo<replay_case>& info) {
  std::string name = info.param.data["id"].get<std::string>();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(v1, core_upstream_replay_test, ::testing::ValuesIn(v1_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(v3, core_upstream_replay_test, ::testing::ValuesIn(v3_cases()), case_name);

TEST(core_upstream_replay_file_test, replays_every_case_of_every_shared_file) {
  // Guards against a silently empty replay, and against cases (or a whole
  // file) of a protocol that neither suite above instantiates.
  const auto files = gday::test::upstream_files();
  ASSERT_FALSE(files.empty());
  std::size_t recorded = 0;
  for (const auto& file : files) {
    const auto cases = gday::test::read_upstream_cases(file);
    EXPECT_FALSE(cases.empty()) << file;
    recorded += cases.size();
  }
  EXPECT_FALSE(v1_cases().empty());
  EXPECT_FALSE(v3_cases().empty());
  EXPECT_EQ(v1_cases().size() + v3_cases().size(), recorded);
}

}  // namespace
