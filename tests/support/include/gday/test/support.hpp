#pragma once
// Small helpers for tests: reading data files under tests/ and hex that throws.

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gday/base/hex.hpp"

namespace gday::test {

/// Path of a file under tests/ (e.g. "vectors/framing.json").
inline std::string data_path(std::string_view relative) {
  return std::string(GDAY_TEST_DATA_DIR) + "/" + std::string(relative);
}

/// Whole file as bytes; throws std::runtime_error if unreadable.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// base::decode_hex for test data, which is known to be good: throws
/// std::runtime_error on bad input.
inline std::string from_hex(std::string_view hex) {
  auto bytes = base::decode_hex(hex);
  if (bytes) return std::move(*bytes);
  throw std::runtime_error(bytes.error() == base::hex_error::odd_length ? "odd hex length"
                                                                        : "bad hex digit");
}

/// One JSON value per non-empty line (ordered, to keep upstream key order).
inline std::vector<nlohmann::ordered_json> read_jsonl(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<nlohmann::ordered_json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::ordered_json::parse(line));
  }
  return out;
}

}  // namespace gday::test
