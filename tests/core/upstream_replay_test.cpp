// Replays every recorded upstream conversation (tests/vectors/upstream/) against
// the server core and compares the exact reply bytes and how each connection
// ended.
#include "gday/core/server_core.hpp"

#include <cctype>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core_test_support.hpp"
#include "gday/test/support.hpp"

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

struct replay_case {
  std::string file;
  json data;
};

void PrintTo(const replay_case& c, std::ostream* os) { *os << c.data["id"]; }

std::vector<replay_case> load(const std::string& file) {
  std::vector<replay_case> cases;
  for (json& line : gday::test::read_jsonl(gday::test::data_path("vectors/upstream/" + file))) {
    cases.push_back({file, std::move(line)});
  }
  return cases;
}

const std::vector<replay_case>& v1_cases() {
  static const auto cases = load("upstream-v1.jsonl");
  return cases;
}
const std::vector<replay_case>& v3_cases() {
  static const auto cases = load("upstream-v3.jsonl");
  return cases;
}

/// Our port for connection `n`: 4 digits where upstream's were 5, so every
/// frame that carries a public address changes length.
std::uint16_t port_of(std::size_t n) { return static_cast<std::uint16_t>(4000 + n); }

endpoint peer_of(int family, std::size_t n) {
  if (family == 6) return wire::socket_addr_v6{{0, 0, 0, 0, 0, 0, 0, 1}, port_of(n), 0};
  return wire::socket_addr_v4{{127, 0, 0, 1}, port_of(n)};
}

/// The placeholder forms "127.0.0.1:<port3>" / "[::1]:<port3>".
const std::regex placeholder_re(R"(^(127\.0\.0\.1|\[::1\]):<port(\d+)>$)");

/// Walks the expected reply (with placeholders) beside the recorded body and
/// maps each recorded address text to the one our connection will have.
void collect_ports(const json& expected, const json& recorded,
                   std::map<std::string, std::string>& replace) {
  if (expected.is_string() && recorded.is_string()) {
    std::smatch m;
    const std::string text = expected.get<std::string>();
    if (std::regex_match(text, m, placeholder_re)) {
      replace[recorded.get<std::string>()] =
          m[1].str() + ":" + std::to_string(port_of(std::stoul(m[2].str())));
    }
    return;
  }
  if (expected.is_object() && recorded.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      if (recorded.contains(it.key())) collect_ports(it.value(), recorded[it.key()], replace);
    }
  }
}

/// Upstream's reply frames, rewritten for our ports: the body with each
/// recorded public address replaced, and a length prefix recomputed for it.
std::vector<std::string> expected_frames(const json& conn) {
  std::vector<std::string> frames;
  const json& raws = conn["raw_replies_hex"];
  const json& expects = conn["expect"];
  EXPECT_EQ(raws.size(), expects.size());
  for (std::size_t i = 0; i < raws.size(); ++i) {
    const std::string raw = gday::test::from_hex(raws[i].get<std::string>());
    EXPECT_GE(raw.size(), 3u);
    std::string body = raw.substr(3);
    const std::size_t recorded_length =
        (static_cast<std::uint8_t>(raw[1]) << 8) | static_cast<std::uint8_t>(raw[2]);
    EXPECT_EQ(recorded_length, body.size()) << "recording is inconsistent";
    std::map<std::string, std::string> replace;
    if (i < expects.size()) collect_ports(expects[i], json::parse(body), replace);
    for (const auto& [from, to] : replace) {
      const std::string quoted = "\"" + from + "\"";
      const std::size_t at = body.find(quoted);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) body.replace(at, quoted.size(), "\"" + to + "\"");
    }
    std::string frame;
    frame.push_back(raw[0]);
    frame.push_back(static_cast<char>((body.size() >> 8) & 0xff));
    frame.push_back(static_cast<char>(body.size() & 0xff));
    frames.push_back(frame + body);
  }
  return frames;
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
  for (std::size_t n = 0; n < conn_count; ++n) {
    const int family = multi ? c["conns"][n]["family"].get<int>() : c["family"].get<int>();
    core.open(n, peer_of(family, n), now);
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
    const std::vector<std::string> frames = expected_frames(expected);
    std::vector<std::string> got_hex, want_hex;
    for (const auto& s : got.sends) got_hex.push_back(gday::test::to_hex(s));
    for (const auto& s : frames) want_hex.push_back(gday::test::to_hex(s));
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

TEST(core_upstream_replay_file_test, holds_every_recorded_case) {
  // Guards against a silently empty or truncated replay.
  EXPECT_EQ(v1_cases().size(), 176u);
  EXPECT_EQ(v3_cases().size(), 48u);
}

}  // namespace
