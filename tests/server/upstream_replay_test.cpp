// Replays every recorded upstream conversation (tests/vectors/upstream/)
// against the in-process server over TLS on loopback, one fresh server per
// case, and compares each reply frame (version byte, length, body) and how
// each connection ended.
#include "gday/server/server.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gday/base/hex.hpp"
#include "gday/client/client.hpp"
#include "gday/test/support.hpp"
#include "gday/test/upstream.hpp"
#include "server_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using json = nlohmann::ordered_json;
namespace client = gday::client;
namespace net = gday::net;
namespace server = gday::server;
namespace wire = gday::wire;
using gday::server_test::options_for;
using gday::server_test::tls_config;

/// How long a recorded reply may take to arrive; the server answers at once,
/// so this only bounds a failure.
constexpr auto reply_deadline = 5s;
/// Spec'd end checks: a closed connection ends within 2 s; an open one stays
/// silent for 1 s.
constexpr auto close_deadline = 2s;
constexpr auto open_silence = 1s;

struct connection_record {
  std::vector<std::string> frames;  // whole reply frames as received
  std::string receive_error;        // why fewer frames than expected arrived
};

/// One case, run start to end; returns every difference as a sentence.
std::vector<std::string> replay(const json& c) {
  std::vector<std::string> diffs;
  auto differ = [&](const std::string& what) { diffs.push_back(what); };
  const auto profile = c["protocol"].get<int>() == 3 ? wire::profile::v3 : wire::profile::v1;
  auto cfg = tls_config(profile);
  cfg.core.request_limit = 100000;
  cfg.core.room_timeout = 600s;
  server::server srv(cfg);
  if (auto started = srv.start(); !started) return {"server start: " + started.error().what()};

  const bool multi = c.contains("conns");
  std::vector<int> families;
  if (multi) {
    for (const json& conn : c["conns"]) families.push_back(conn["family"].get<int>());
  } else {
    families.push_back(c["family"].get<int>());
  }
  std::vector<client::connection> conns;
  std::vector<std::uint16_t> ports;
  for (const int family : families) {
    auto opened = client::connection::open(options_for(srv, family == 6, profile));
    if (!opened)
      return {"connecting over IPv" + std::to_string(family) + ": " + opened.error().what()};
    ports.push_back(opened->local_endpoint().port());
    conns.push_back(std::move(*opened));
  }
  std::vector<connection_record> got(conns.size());

  // Each chunk is its own write (one TLS record). Once a write fails (the
  // server closed the connection), later chunks on that connection are not
  // sent; the replies decide whether that matches.
  std::vector<bool> send_failed(conns.size(), false);
  auto send_chunks = [&](std::size_t n, const json& chunks) {
    for (const json& hex : chunks) {
      if (send_failed[n]) return;
      if (!conns[n].send_raw(gday::test::from_hex(hex.get<std::string>()), reply_deadline)) {
        send_failed[n] = true;
      }
    }
  };
  auto half_close = [&](std::size_t n) {
    if (auto shut = conns[n].shutdown_send(); !shut) {
      differ("conn " + std::to_string(n) + ": half-close failed: " + shut.error().what());
    }
  };
  // Receives until connection n holds `count` frames.
  auto receive_up_to = [&](std::size_t n, std::size_t count) {
    auto& record = got[n];
    while (record.frames.size() < count && record.receive_error.empty()) {
      auto frame = conns[n].receive_raw_frame(reply_deadline);
      if (!frame) {
        record.receive_error = frame.error().what();
        return;
      }
      record.frames.push_back(std::move(*frame));
    }
  };

  if (!multi) {
    send_chunks(0, c["setup"]);
    send_chunks(0, c["send"]);
    if (c["half_close"].get<bool>()) half_close(0);
  } else {
    const json& steps = c["steps"];
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const auto n = steps[k]["conn"].get<std::size_t>();
      send_chunks(n, steps[k]["send"]);
      if (steps[k].value("half_close", false)) half_close(n);
      // Wait for the replies this step produces before the next step, so the
      // order across connections is the recorded one.
      for (std::size_t m = 0; m < conns.size(); ++m) {
        const auto& per = c["per_conn"][m];
        if (per.contains("step_frames")) receive_up_to(m, per["step_frames"][k].get<std::size_t>());
      }
    }
  }

  for (std::size_t n = 0; n < conns.size(); ++n) {
    const json& want = multi ? c["per_conn"][n] : c;
    const std::string who = multi ? "conn " + std::to_string(n) + ": " : "";
    const auto replies = gday::test::upstream_reply_frames(want, ports);
    for (const auto& problem : replies.problems) differ(who + "test data: " + problem);
    const std::vector<std::string>& expect = replies.frames;
    receive_up_to(n, expect.size());
    const auto& record = got[n];
    if (record.frames.size() < expect.size()) {
      differ(who + "got " + std::to_string(record.frames.size()) + " of " +
             std::to_string(expect.size()) + " replies (" + record.receive_error + ")");
    }
    auto length_of = [](const std::string& frame) {
      return (static_cast<std::size_t>(static_cast<std::uint8_t>(frame[1])) << 8) |
             static_cast<std::uint8_t>(frame[2]);
    };
    for (std::size_t i = 0; i < std::min(record.frames.size(), expect.size()); ++i) {
      const std::string& frame = record.frames[i];
      const std::string body_want = expect[i].substr(wire::header_size);
      const std::string body_got = frame.substr(wire::header_size);
      const auto version = static_cast<std::uint8_t>(frame[0]);
      const auto version_want = static_cast<std::uint8_t>(expect[i][0]);
      const std::string at = who + "reply " + std::to_string(i) + ": ";
      if (version != version_want) {
        differ(at + "version byte " + std::to_string(version) + ", recorded " +
               std::to_string(version_want));
      }
      if (length_of(frame) != body_got.size()) {
        differ(at + "length prefix disagrees with the body");
      }
      if (body_got != body_want) differ(at + "body " + body_got + ", want " + body_want);
      // The recorded length, recomputed where a port changed the body's length.
      if (length_of(frame) != length_of(expect[i])) {
        differ(at + "length " + std::to_string(length_of(frame)) + ", want " +
               std::to_string(length_of(expect[i])));
      }
    }
    if (!record.receive_error.empty()) continue;  // the end was reported above
    const std::string end = want["end"].get<std::string>();
    if (end == "closed") {
      auto next = conns[n].receive_raw_frame(close_deadline);
      if (next) {
        differ(who + "an extra frame " + gday::base::encode_hex(*next) + " instead of the close");
      } else if (!net::is_orderly_close(next.error().code) &&
                 next.error().code != std::errc::connection_reset) {
        differ(who + "not closed within 2 s: " + next.error().what());
      } else {
        // How it ended (spec T-5, reported only): v1 without close_notify, v3 with.
        const std::string detail = want["end_detail"].get<std::string>();
        const auto code = next.error().code;
        const bool same =
            (detail == "eof_without_close_notify" &&
             code == net::error::closed_without_close_notify) ||
            (detail == "tls_close_notify" && code == net::error::closed_with_close_notify) ||
            (detail == "rst" && code == std::errc::connection_reset);
        if (!same) {
          std::printf("[ note     ] %s: %sended with '%s', upstream: %s\n",
                      c["id"].get<std::string>().c_str(), who.c_str(), next.error().what().c_str(),
                      detail.c_str());
        }
      }
    } else {
      auto next = conns[n].receive_raw_frame(open_silence);
      if (next) {
        differ(who + "an extra frame " + gday::base::encode_hex(*next) + " on an open connection");
      } else if (next.error().code != net::error::timed_out) {
        differ(who + "closed, but upstream kept it open: " + next.error().what());
      }
    }
  }
  srv.stop();
  return diffs;
}

/// Replays every recorded case of one protocol on a pool of threads (each
/// case has its own server, so cases are independent; most of the time is the
/// 1 s silence check of open connections) and reports each case that differs.
void replay_protocol(int protocol) {
  std::vector<json> cases;
  for (auto& c : gday::test::upstream_cases(protocol)) cases.push_back(std::move(c.data));
  ASSERT_FALSE(cases.empty()) << "no recorded case of protocol " << protocol;
  for (const auto& c : cases) {
    ASSERT_TRUE(c.contains("trailing_hex") && c["trailing_hex"].get<std::string>().empty())
        << c["id"] << ": trailing bytes after the last reply are not compared here";
  }
  std::vector<std::vector<std::string>> results(cases.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  const std::size_t pool = std::min<std::size_t>(24, cases.size());
  for (std::size_t w = 0; w < pool; ++w) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < cases.size(); i = next++) {
        try {
          results[i] = replay(cases[i]);
        } catch (const std::exception& e) {
          results[i] = {std::string("exception: ") + e.what()};
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  std::size_t differing = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (results[i].empty()) continue;
    ++differing;
    std::string all;
    for (const auto& d : results[i]) all += "\n  " + d;
    ADD_FAILURE() << cases[i]["id"].get<std::string>() << " ("
                  << cases[i]["rule"].get<std::string>() << ", "
                  << cases[i]["desc"].get<std::string>() << "):" << all;
  }
  EXPECT_EQ(differing, 0u) << "of " << cases.size() << " cases of protocol " << protocol;
}

TEST(server_test, replays_every_upstream_v1_conversation) { replay_protocol(1); }

TEST(server_test, replays_every_upstream_v3_conversation) { replay_protocol(3); }

}  // namespace
