#include "gday/harness/report.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace gday::harness {

const std::string* baseline::find(const std::string& id, wire::profile p) const {
  if (const auto it = expected.find(id + " [" + std::string(wire::to_string(p)) + "]");
      it != expected.end()) {
    return &it->second;
  }
  if (const auto it = expected.find(id); it != expected.end()) return &it->second;
  return nullptr;
}

result<baseline> load_baseline(const std::string& path) {
  auto bad = [](std::string why) { return failure{error::usage, std::move(why)}; };
  const std::string where = path + ": ";
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return bad(where + "cannot open: " + std::strerror(errno));
  std::string text;
  char buffer[16384];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  const bool read_failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (read_failed) return bad(where + "cannot read: " + std::strerror(read_errno));

  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string message = e.what();
    if (const auto end = message.find("] ");
        message.rfind("[json.exception", 0) == 0 && end != std::string::npos) {
      message.erase(0, end + 2);
    }
    return bad(where + "not JSON: " + message);
  }
  if (!doc.is_object()) return bad(where + "expected an object {\"expected_failures\": [...]}");
  for (const auto& [key, value] : doc.items()) {
    if (key != "expected_failures" && key != "comment") {
      return bad(where + "/" + key + ": unknown key (expected \"expected_failures\")");
    }
  }
  const auto list = doc.find("expected_failures");
  if (list == doc.end()) return bad(where + "missing \"expected_failures\"");
  if (!list->is_array()) return bad(where + "/expected_failures: expected an array");

  baseline b;
  std::map<std::string, std::string> first_seen;  // key -> pointer of its entry
  for (std::size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& entry = (*list)[i];
    const std::string at = where + "/expected_failures/" + std::to_string(i) + ": ";
    if (!entry.is_object()) return bad(at + "expected an object {\"id\", \"reason\"}");
    for (const auto& [key, value] : entry.items()) {
      if (key != "id" && key != "reason" && key != "profile" && key != "comment") {
        return bad(at + "unknown key \"" + key + "\" (expected id, reason, profile)");
      }
    }
    const auto id = entry.find("id");
    if (id == entry.end()) return bad(at + "missing \"id\"");
    if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
      return bad(at + "\"id\" must be a non-empty string");
    }
    const auto reason = entry.find("reason");
    if (reason == entry.end()) return bad(at + "missing \"reason\"");
    if (!reason->is_string() || reason->get_ref<const std::string&>().empty()) {
      return bad(at + "\"reason\" must be a non-empty string");
    }
    std::string key = id->get<std::string>();
    if (const auto p = entry.find("profile"); p != entry.end()) {
      std::optional<wire::profile> profile;
      if (p->is_string()) {
        profile = wire::parse_profile(p->get_ref<const std::string&>());
      } else if (p->is_number_integer()) {
        const auto number = p->get<std::int64_t>();
        if (number >= 1 && number <= 3) profile = static_cast<wire::profile>(number);
      }
      if (!profile) return bad(at + "\"profile\" must be \"v1\", \"v2\", \"v3\" (or 1, 2, 3)");
      key += " [" + std::string(wire::to_string(*profile)) + "]";
    }
    const std::string pointer = "/expected_failures/" + std::to_string(i);
    if (const auto [it, inserted] = first_seen.emplace(key, pointer); !inserted) {
      return bad(at + "duplicate entry for \"" + key + "\" (first at " + it->second + ")");
    }
    b.expected.emplace(std::move(key), reason->get<std::string>());
  }
  return b;
}

void apply_baseline(scenario_result& r, const baseline& b) {
  const std::string* reason = b.find(r.id, r.profile);
  if (reason == nullptr) return;
  // A server that stopped serving after the scenario fails everyone after
  // it (a running --target even stops the run): like an ERROR, no baseline
  // excuses it.
  if (r.liveness.ran && !r.liveness.passed) return;
  switch (r.outcome) {
    case verdict::fail:
    case verdict::non_strict:
      r.expected_failure = true;
      r.baseline_reason = *reason;
      break;
    case verdict::pass:
      r.unexpected_pass = true;
      r.baseline_reason = *reason;
      break;
    case verdict::skip:
    case verdict::error:
      break;
  }
}

void apply_baseline(std::vector<scenario_result>& results, const baseline& b) {
  for (scenario_result& r : results) apply_baseline(r, b);
}

}  // namespace gday::harness
