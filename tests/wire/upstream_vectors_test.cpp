// Ground truth: conversations recorded from the real upstream servers
// (tests/vectors/upstream/). Every request frame the server read is decoded
// with the codec and must be accepted or rejected as upstream did (a reply of
// ErrorSyntax = rejected); every reply must be re-encoded to upstream's bytes.
#include "gday/wire/codec.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "gday/test/support.hpp"
#include "gday/test/upstream.hpp"
#include "gday/wire/frame.hpp"

namespace {

using gday::test::from_hex;
using gday::wire::profile;
using nlohmann::ordered_json;

struct connection_script {
  std::string stream;  // every byte the client sent on the connection, in order
  bool half_close = false;
  ordered_json replies;  // upstream's reply bodies, as JSON
};

std::vector<connection_script> scripts_of(const ordered_json& c) {
  std::vector<connection_script> out;
  if (c.contains("conns")) {
    out.resize(c["conns"].size());
    for (const auto& step : c["steps"]) {
      auto& conn = out.at(step["conn"].get<std::size_t>());
      for (const auto& chunk : step["send"]) conn.stream += from_hex(chunk.get<std::string>());
      conn.half_close = conn.half_close || step.value("half_close", false);
    }
    for (std::size_t i = 0; i < out.size(); ++i) out[i].replies = c["per_conn"][i]["expect"];
    return out;
  }
  connection_script conn;
  for (const auto& frame : c["setup"]) conn.stream += from_hex(frame.get<std::string>());
  for (const auto& chunk : c["send"]) conn.stream += from_hex(chunk.get<std::string>());
  conn.half_close = c.value("half_close", false);
  conn.replies = c["expect"];
  out.push_back(std::move(conn));
  return out;
}

std::string variant_of(const ordered_json& reply) {
  if (reply.is_string()) return reply.get<std::string>();
  if (reply.contains("type")) return reply["type"].get<std::string>();
  return reply.begin().key();
}

struct tally {
  int accepted = 0;
  int rejected = 0;
};

// Walks one connection as upstream's server does: read a frame, answer it; a
// ReadyToShare answered ClientContact waits for PeerContact/ErrorPeerTimedOut
// and reads nothing meanwhile (M-7); a rejected frame is answered ErrorSyntax
// and ends the connection; end of input is answered ErrorSyntax (F-5).
void check_connection(const std::string& id, profile p, const connection_script& conn,
                      tally& counts) {
  gday::wire::frame_decoder decoder(p);
  std::string_view rest = conn.stream;
  std::size_t reply = 0;
  auto next_reply = [&]() -> std::string {
    return reply < conn.replies.size() ? variant_of(conn.replies[reply]) : std::string("<none>");
  };
  while (true) {
    rest.remove_prefix(decoder.feed(rest));
    if (decoder.status() == gday::wire::frame_decoder::state::failed) {
      EXPECT_EQ(next_reply(), "ErrorSyntax")
          << id << ": codec rejected a header upstream took: " << decoder.error().what();
      ++counts.rejected;
      ++reply;
      break;
    }
    if (decoder.status() != gday::wire::frame_decoder::state::frame_ready) {
      // Out of bytes: upstream answers end of input with ErrorSyntax.
      if (conn.half_close) {
        EXPECT_EQ(next_reply(), "ErrorSyntax") << id << ": end of input";
        ++reply;
      }
      break;
    }
    const std::string body = decoder.take_body();
    auto msg = gday::wire::decode_client_msg(body, p);
    if (!msg) {
      EXPECT_EQ(next_reply(), "ErrorSyntax")
          << id << ": codec rejected a body upstream accepted: " << msg.error().what()
          << "\nbody: " << body;
      ++counts.rejected;
      ++reply;
      break;
    }
    EXPECT_NE(next_reply(), "ErrorSyntax") << id << ": codec accepted a body upstream rejected\n"
                                           << "body: " << body;
    ++counts.accepted;
    const std::string answer = next_reply();
    ++reply;
    if (answer == "ClientContact") {
      const std::string after = next_reply();
      if (after == "PeerContact" || after == "ErrorPeerTimedOut") {
        ++reply;
      } else {
        reply = conn.replies.size();  // still waiting: nothing more was read
        break;
      }
    }
  }
  EXPECT_EQ(reply, conn.replies.size()) << id << ": replies left unexplained";
}

// Replaces the loopback ports in a reply body, so that bodies compare.
std::string normalise_ports(std::string text) {
  static const std::regex real(R"((127\.0\.0\.1|\[::1\]):[0-9]+)");
  static const std::regex placeholder(R"(:<port[0-9]+>)");
  text = std::regex_replace(text, real, "$1:1");
  return std::regex_replace(text, placeholder, ":1");
}

void check_replies(const std::string& id, profile p, const ordered_json& c) {
  std::vector<std::pair<ordered_json, ordered_json>> pairs;  // (expect, raw hex)
  if (c.contains("per_conn")) {
    for (const auto& conn : c["per_conn"]) {
      for (std::size_t i = 0; i < conn["expect"].size(); ++i) {
        pairs.emplace_back(conn["expect"][i], conn["raw_replies_hex"][i]);
      }
    }
  } else {
    for (std::size_t i = 0; i < c["expect"].size(); ++i) {
      pairs.emplace_back(c["expect"][i], c["raw_replies_hex"][i]);
    }
  }
  for (const auto& [expect, raw_hex] : pairs) {
    const std::string raw = from_hex(raw_hex.get<std::string>());
    ASSERT_GE(raw.size(), 3u) << id;
    // The frame around the body is exactly what encode_frame writes.
    auto reply = gday::wire::decode_server_msg(std::string_view(raw).substr(3), p);
    ASSERT_TRUE(reply) << id << ": " << reply.error().what();
    auto frame = gday::wire::encode_frame(*reply, p);
    ASSERT_TRUE(frame) << id;
    EXPECT_EQ(*frame, raw) << id << ": re-encoded reply differs from upstream's bytes";
    // The message upstream meant (from the recorded JSON) encodes to its bytes.
    auto meant = gday::wire::decode_server_msg(normalise_ports(expect.dump()), p);
    ASSERT_TRUE(meant) << id << ": " << meant.error().what();
    auto body = gday::wire::encode_body(*meant, p);
    ASSERT_TRUE(body) << id;
    EXPECT_EQ(*body, normalise_ports(raw.substr(3))) << id;
  }
}

void check_protocol(int protocol, profile p, int min_accepted, int min_rejected) {
  const auto cases = gday::test::upstream_cases(protocol);
  ASSERT_FALSE(cases.empty()) << "no recorded case of protocol " << protocol;
  tally counts;
  for (const auto& recorded : cases) {
    const auto& c = recorded.data;
    const std::string id = c["id"].get<std::string>();
    for (const auto& conn : scripts_of(c)) check_connection(id, p, conn, counts);
    check_replies(id, p, c);
  }
  // Both outcomes are exercised, so the comparison can fail either way.
  EXPECT_GE(counts.accepted, min_accepted);
  EXPECT_GE(counts.rejected, min_rejected);
}

TEST(upstream_vectors_test, v1_requests_and_replies_match_upstream) {
  check_protocol(1, profile::v1, 150, 80);
}

TEST(upstream_vectors_test, v3_requests_and_replies_match_upstream) {
  check_protocol(3, profile::v3, 40, 20);
}

}  // namespace
