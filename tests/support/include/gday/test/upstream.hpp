#pragma once
// The conversations recorded from the upstream servers
// (tests/vectors/upstream/, format in the README there): one loader for every
// test that replays them, and one way to rewrite the recorded replies for the
// ports a replay's connections really have.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <regex>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gday/test/support.hpp"

namespace gday::test {

/// One recorded conversation.
struct upstream_case {
  std::string file;             ///< "upstream-v1.jsonl"
  nlohmann::ordered_json data;  ///< the case as recorded (id, protocol, send, expect, ...)
};

/// Names a case in GoogleTest's messages (by its id, not all its bytes).
inline void PrintTo(const upstream_case& c, std::ostream* os) { *os << c.data.at("id"); }

/// The shared vector files: every *.jsonl in tests/vectors/upstream/, sorted.
inline std::vector<std::string> upstream_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(data_path("vectors/upstream"))) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Every case of one file (a name from upstream_files()), in order; throws
/// if the file cannot be read or a line is not JSON.
inline std::vector<upstream_case> read_upstream_cases(const std::string& file) {
  std::vector<upstream_case> cases;
  for (auto& line : read_jsonl(data_path("vectors/upstream/" + file))) {
    cases.push_back({file, std::move(line)});
  }
  return cases;
}

/// Every case of every file whose `protocol` is `protocol` (1 or 3).
inline std::vector<upstream_case> upstream_cases(int protocol) {
  std::vector<upstream_case> out;
  for (const auto& file : upstream_files()) {
    for (auto& c : read_upstream_cases(file)) {
      if (c.data.at("protocol").get<int>() == protocol) out.push_back(std::move(c));
    }
  }
  return out;
}

/// The replies one connection should receive, and what is wrong with the
/// recording (empty when it is consistent).
struct upstream_replies {
  std::vector<std::string> frames;    ///< whole frames: version, length, body
  std::vector<std::string> problems;  ///< sentences about the test data
};

namespace detail {

// Walks the expected reply (with "<portN>" placeholders) beside the recorded
// body and maps each recorded address text to the one connection N has here.
inline void collect_addresses(const nlohmann::ordered_json& expected,
                              const nlohmann::ordered_json& recorded,
                              std::span<const std::uint16_t> ports,
                              std::map<std::string, std::string>& replace,
                              std::vector<std::string>& problems) {
  static const std::regex placeholder(R"(^(127\.0\.0\.1|\[::1\]):<port(\d+)>$)");
  if (expected.is_string() && recorded.is_string()) {
    std::smatch m;
    const std::string text = expected.get<std::string>();
    if (!std::regex_match(text, m, placeholder)) return;
    const std::size_t n = std::stoul(m[2].str());
    if (n >= ports.size()) {
      problems.push_back(text + " names a connection the case does not have");
      return;
    }
    replace[recorded.get<std::string>()] = m[1].str() + ":" + std::to_string(ports[n]);
    return;
  }
  if (expected.is_object() && recorded.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      if (recorded.contains(it.key())) {
        collect_addresses(it.value(), recorded[it.key()], ports, replace, problems);
      }
    }
  }
}

}  // namespace detail

/// Upstream's reply frames on one connection (`conn`: the case itself, or one
/// of its `per_conn` entries), rewritten for this replay: every client address
/// the recording shows as `<portN>` gets `ports[N]`, the local port of
/// connection N here, and each length prefix is recomputed for its body.
inline upstream_replies upstream_reply_frames(const nlohmann::ordered_json& conn,
                                              std::span<const std::uint16_t> ports) {
  upstream_replies out;
  const auto& raws = conn.at("raw_replies_hex");
  const auto& expects = conn.at("expect");
  const auto& shapes = conn.at("reply_frames");
  if (raws.size() != expects.size() || shapes.size() != expects.size()) {
    out.problems.push_back("raw_replies_hex, reply_frames and expect differ in length");
  }
  for (std::size_t i = 0; i < raws.size(); ++i) {
    const std::string at = "reply " + std::to_string(i) + ": ";
    const std::string raw = from_hex(raws[i].get<std::string>());
    if (raw.size() < 3) {
      out.problems.push_back(at + "shorter than a frame header");
      continue;
    }
    std::string body = raw.substr(3);
    const std::size_t length =
        (static_cast<std::uint8_t>(raw[1]) << 8) | static_cast<std::uint8_t>(raw[2]);
    if (length != body.size()) out.problems.push_back(at + "length prefix disagrees with the body");
    if (i < shapes.size() &&
        (shapes[i].at("version").get<int>() != static_cast<std::uint8_t>(raw[0]) ||
         shapes[i].at("length").get<std::size_t>() != length)) {
      out.problems.push_back(at + "reply_frames disagrees with raw_replies_hex");
    }
    if (i < expects.size()) {
      if (i < shapes.size() &&
          expects[i].dump().size() != shapes[i].at("norm_length").get<std::size_t>()) {
        out.problems.push_back(at + "normalised length disagrees with expect");
      }
      std::map<std::string, std::string> replace;
      detail::collect_addresses(expects[i], nlohmann::ordered_json::parse(body), ports, replace,
                                out.problems);
      for (const auto& [from, to] : replace) {
        const std::string quoted = "\"" + from + "\"";
        const std::size_t found = body.find(quoted);
        if (found == std::string::npos) {
          out.problems.push_back(at + "recorded address " + from + " not in the body");
          continue;
        }
        body.replace(found, quoted.size(), "\"" + to + "\"");
      }
    }
    std::string frame;
    frame.push_back(raw[0]);
    frame.push_back(static_cast<char>((body.size() >> 8) & 0xff));
    frame.push_back(static_cast<char>(body.size() & 0xff));
    out.frames.push_back(frame + body);
  }
  return out;
}

}  // namespace gday::test
