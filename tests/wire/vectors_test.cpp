// Runs every case of tests/vectors/*.json (format: tests/vectors/README.md):
// body cases through the JSON codec, stream cases through the frame decoder.
#include "gday/wire/codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "gday/base/hex.hpp"
#include "gday/test/support.hpp"
#include "gday/wire/frame.hpp"

namespace {

using gday::wire::profile;
using json = nlohmann::json;

struct vector_case {
  std::string file;
  json data;
};

std::vector<vector_case> load_cases() {
  std::vector<vector_case> out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(gday::test::data_path("vectors"))) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const json doc = json::parse(gday::test::read_file(path.string()));
    for (const auto& c : doc.at("cases")) out.push_back({path.filename().string(), c});
  }
  return out;
}

const std::vector<vector_case>& all_cases() {
  static const std::vector<vector_case> cases = load_cases();
  return cases;
}

profile profile_of(const json& c) {
  auto p = gday::wire::parse_profile(std::to_string(c.at("profile").get<int>()));
  if (!p) throw std::runtime_error("bad profile");
  return *p;
}

std::string error_name(const gday::wire::error_info& e) {
  return std::string(gday::wire::to_string(e.code));
}

void run_body_case(const json& c) {
  const profile p = profile_of(c);
  const std::string body = c.contains("body_hex")
                               ? gday::test::from_hex(c["body_hex"].get<std::string>())
                               : c.at("body").get<std::string>();
  const bool server = c.value("direction", "client") == "server";
  const bool accept = c.at("expect") == "accept";
  auto check = [&](const auto& decoded, auto decode_again) {
    if (!accept) {
      ASSERT_FALSE(decoded) << "accepted a body upstream rejects";
      EXPECT_EQ(error_name(decoded.error()), c.at("error").get<std::string>())
          << decoded.error().what();
      EXPECT_FALSE(decoded.error().message.empty());
      return;
    }
    ASSERT_TRUE(decoded) << "rejected a body upstream accepts: " << decoded.error().what();
    auto encoded = gday::wire::encode_body(*decoded, p);
    ASSERT_TRUE(encoded) << encoded.error().what();
    EXPECT_EQ(*encoded, c.at("canonical").get<std::string>());
    // The canonical form decodes to the same message (round trip).
    auto again = decode_again(*encoded);
    ASSERT_TRUE(again) << again.error().what();
    EXPECT_TRUE(*again == *decoded);
  };
  if (server) {
    check(gday::wire::decode_server_msg(body, p),
          [&](const std::string& b) { return gday::wire::decode_server_msg(b, p); });
  } else {
    check(gday::wire::decode_client_msg(body, p),
          [&](const std::string& b) { return gday::wire::decode_client_msg(b, p); });
  }
}

std::vector<std::size_t> chunk_sizes(const json& chunks, std::size_t total) {
  std::vector<std::size_t> sizes;
  if (chunks == "whole") {
    sizes.push_back(total);
  } else if (chunks == "bytewise") {
    sizes.assign(total, 1);
  } else {
    for (const auto& n : chunks) sizes.push_back(n.get<std::size_t>());
  }
  return sizes;
}

void run_stream_case(const json& c) {
  const profile p = profile_of(c);
  const std::string stream = gday::test::from_hex(c.at("stream_hex").get<std::string>());
  gday::wire::frame_decoder decoder(p);
  std::vector<std::string> frames;
  std::size_t offset = 0;
  for (std::size_t size : chunk_sizes(c.at("chunks"), stream.size())) {
    ASSERT_LE(offset + size, stream.size()) << "chunk sizes exceed the stream";
    std::string_view chunk(stream.data() + offset, size);
    offset += size;
    while (!chunk.empty()) {
      const std::size_t used = decoder.feed(chunk);
      chunk.remove_prefix(used);
      if (decoder.status() == gday::wire::frame_decoder::state::frame_ready) {
        frames.push_back(gday::base::encode_hex(decoder.take_body()));
        continue;
      }
      if (decoder.status() == gday::wire::frame_decoder::state::failed) break;
      ASSERT_TRUE(chunk.empty()) << "decoder stopped mid-chunk without a frame or error";
    }
  }
  std::string end;
  if (decoder.status() == gday::wire::frame_decoder::state::failed) {
    end = "error:" + error_name(decoder.error());
  } else if (c.at("eof").get<bool>()) {
    end = decoder.finish() ? "clean_eof" : "error:" + error_name(decoder.error());
  } else {
    end = decoder.mid_frame() ? "partial" : "idle";
  }
  EXPECT_EQ(frames, c.at("expect_frames").get<std::vector<std::string>>());
  EXPECT_EQ(end, c.at("expect_end").get<std::string>());
}

class vector_file_test : public ::testing::TestWithParam<std::size_t> {};

TEST_P(vector_file_test, case_matches_upstream_rule) {
  const auto& vc = all_cases().at(GetParam());
  SCOPED_TRACE(vc.file + " " + vc.data.at("id").get<std::string>() + " (" +
               vc.data.value("note", "") + ")");
  if (vc.data.contains("stream_hex")) {
    run_stream_case(vc.data);
  } else {
    run_body_case(vc.data);
  }
}

std::string case_name(const ::testing::TestParamInfo<std::size_t>& info) {
  std::string id = all_cases().at(info.param).data.at("id").get<std::string>();
  for (char& ch : id) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return id;
}

INSTANTIATE_TEST_SUITE_P(vectors, vector_file_test,
                         ::testing::Range<std::size_t>(0, all_cases().size()), case_name);

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(vector_file_test);

TEST(vectors_test, cover_every_rule_both_ways) {
  std::map<std::string, std::set<std::string>> outcomes;
  std::set<std::string> ids;
  for (const auto& vc : all_cases()) {
    const auto& c = vc.data;
    EXPECT_TRUE(ids.insert(c.at("id").get<std::string>()).second) << "duplicate id " << c.at("id");
    std::string outcome;
    if (c.contains("stream_hex")) {
      const std::string end = c.at("expect_end").get<std::string>();
      outcome = end.rfind("error:", 0) == 0 ? "reject" : "accept";
    } else {
      outcome = c.at("expect").get<std::string>();
    }
    outcomes[c.at("rule").get<std::string>()].insert(outcome);
  }
  EXPECT_GE(all_cases().size(), 200u);
  for (const char* rule : {"F-1", "F-2", "F-3", "F-4", "F-5", "J-1", "J-2", "J-3", "J-4", "J-5",
                           "J-6", "J-7", "J-8"}) {
    EXPECT_EQ(outcomes[rule], (std::set<std::string>{"accept", "reject"})) << rule;
  }
}

}  // namespace
