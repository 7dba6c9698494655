#include "gday/harness/coverage.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace gday::harness {
namespace {

constexpr grade must = grade::must, should = grade::should, may = grade::may;

// Levels as the spec gives them; J-1..J-8 refine F-3 (MUST).
constexpr std::array<requirement, 39> table{{
    {"T-1", must, "TLS over TCP (plain TCP too)"},
    {"T-2", should, "IPv4 and IPv6 on one port, v6-only sockets"},
    {"T-3", must, "TLS 1.2/1.3, no client certificate, no ALPN"},
    {"T-4", should, "many requests and rooms per connection"},
    {"T-5", may, "how the server ends a connection"},
    {"T-6", should, "a reply leaves in one write"},
    {"F-1", must, "replies carry version 1 and the exact length"},
    {"F-2", must, "wrong version byte: ErrorSyntax, close"},
    {"F-3", must, "invalid body: ErrorSyntax, close"},
    {"F-4", should, "split and coalesced frames"},
    {"F-5", should, "body limits, empty bodies, stalls, half-close"},
    {"F-6", must, "no connection's bytes break the server"},
    {"J-1", must, "keys: order, unknown, duplicates, missing"},
    {"J-2", must, "one variant key; structs as arrays"},
    {"J-3", must, "room_code: 32 integers 0..255"},
    {"J-4", must, "is_creator: true or false"},
    {"J-5", must, "socket addresses, Rust rules"},
    {"J-6", must, "whitespace; nothing after the value"},
    {"J-7", must, "UTF-8 and escapes"},
    {"J-8", must, "depth and numbers"},
    {"J-9", should, "replies byte for byte as upstream writes them"},
    {"M-1", must, "CreateRoom: RoomCreated or ErrorRoomTaken"},
    {"M-2", must, "RecordPublicAddr records this connection"},
    {"M-3", must, "ReadyToShare: ClientContact at once"},
    {"M-4", must, "PeerContact to both, the other's contact"},
    {"M-5", may, "RecordPublicAddr after ReadyToShare: ErrorUnexpectedMsg"},
    {"M-6", should, "error replies keep the connection open"},
    {"M-7", must, "nothing read while waiting for the peer"},
    {"M-8", must, "ErrorInternal: a server may send it, then close"},
    {"L-1", must, "a room lives until exchange or timeout"},
    {"L-2", must, "after the timeout: ErrorNoSuchRoomCode"},
    {"L-3", must, "a waiter gets ErrorPeerTimedOut"},
    {"L-4", should, "timeout from creation; a second ReadyToShare replaces"},
    {"L-5", should, "rooms are independent"},
    {"L-6", may, "either side may come first"},
    {"L-7", must, "a room's timeout belongs to that room"},
    {"R-1", must, "per-IP limit: ErrorTooManyRequests, close"},
    {"R-2", should, "other IPs unaffected; fixed window"},
    {"R-3", should, "successful requests do not count"},
}};

// Spec §8: what a client must do (scenarios/client/, run-scenarios --client).
constexpr std::array<requirement, 4> client_table{{
    {"C-1", must, "creator: CreateRoom first, waits for RoomCreated"},
    {"C-2", must, "records, one ReadyToShare, then silence until PeerContact"},
    {"C-3", must, "an unexpected reply is an error the user sees; never hangs"},
    {"C-4", may, "v1 room_code is SHA-256 of the user's room text"},
}};

}  // namespace

std::span<const requirement> server_requirements() noexcept { return table; }

std::span<const requirement> client_requirements() noexcept { return client_table; }

std::vector<coverage_row> compute_coverage(const std::vector<scenario>& scenarios) {
  std::vector<coverage_row> rows;
  std::vector<const requirement*> all;
  for (const auto& r : server_requirements()) all.push_back(&r);
  for (const auto& r : client_requirements()) all.push_back(&r);
  for (const requirement* req : all) {
    const requirement& r = *req;
    coverage_row row{&r, {}};
    for (const auto& s : scenarios) {
      if (std::find(s.requirements.begin(), s.requirements.end(), r.id) != s.requirements.end()) {
        row.scenarios.push_back(&s);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> unknown_requirements(const std::vector<scenario>& scenarios) {
  std::set<std::string> known;
  for (const auto& r : server_requirements()) known.insert(std::string(r.id));
  for (const auto& r : client_requirements()) known.insert(std::string(r.id));
  std::set<std::string> unknown;
  for (const auto& s : scenarios) {
    for (const auto& id : s.requirements) {
      if (!known.count(id)) unknown.insert(s.id + ": " + id);
    }
  }
  return {unknown.begin(), unknown.end()};
}

bool fully_covered(const std::vector<coverage_row>& rows) noexcept {
  return std::all_of(rows.begin(), rows.end(), [](const coverage_row& row) {
    return row.req->level == grade::may || !row.scenarios.empty();
  });
}

std::string coverage_text(const std::vector<coverage_row>& rows) {
  std::string out;
  std::size_t uncovered = 0;
  for (const auto& row : rows) {
    std::string line = std::string(row.req->id) + "  " + std::string(to_string(row.req->level));
    line.resize(14, ' ');
    if (row.scenarios.empty()) {
      line += row.req->level == grade::may ? "(none)" : "UNCOVERED";
      if (row.req->level != grade::may) ++uncovered;
    } else {
      line += std::to_string(row.scenarios.size()) + ":";
      for (const auto* s : row.scenarios) line += " " + s->id;
    }
    out += line + "\n";
  }
  out += std::to_string(rows.size()) + " requirements, " + std::to_string(uncovered) +
         " MUST/SHOULD uncovered\n";
  return out;
}

std::string coverage_markdown(const std::vector<coverage_row>& rows,
                              const std::vector<scenario>& scenarios) {
  std::string out =
      "# What \"conformant\" means here\n\n"
      "Generated by `build/bin/run-scenarios --coverage-markdown docs/conformance.md` from the\n"
      "scenarios under `scenarios/`; a unit test fails when it is out of date. Each requirement\n"
      "of the spec (`gday-contact-exchange.md` §1-§6, and §8 for clients) with its level and\n"
      "the scenarios that check it. A server (a client: `run-scenarios --client`) conforms\n"
      "when every MUST scenario passes; SHOULD and MAY results are reported as NON-STRICT.\n\n"
      "| requirement | level | what | scenarios |\n|---|---|---|---|\n";
  for (const auto& row : rows) {
    std::string list;
    for (const auto* s : row.scenarios) list += (list.empty() ? "" : "<br>") + ("`" + s->id + "`");
    if (list.empty()) list = "*(none)*";
    out += "| " + std::string(row.req->id) + " | " + std::string(to_string(row.req->level)) +
           " | " + std::string(row.req->title) + " | " + list + " |\n";
  }
  out +=
      "\n## Scenarios\n\n| id | grade | profiles | requirements | summary "
      "|\n|---|---|---|---|---|\n";
  for (const auto& s : scenarios) {
    std::string profiles, reqs;
    for (auto p : s.profiles)
      profiles += (profiles.empty() ? "" : ", ") + std::string(wire::to_string(p));
    for (const auto& r : s.requirements) reqs += (reqs.empty() ? "" : ", ") + r;
    std::string summary = s.summary;
    for (std::size_t at = summary.find('|'); at != std::string::npos;
         at = summary.find('|', at + 2)) {
      summary.replace(at, 1, "\\|");
    }
    out += "| `" + s.id + "` | " + std::string(to_string(s.level)) + " | " + profiles + " | " +
           reqs + " | " + summary + " |\n";
  }
  return out;
}

}  // namespace gday::harness
