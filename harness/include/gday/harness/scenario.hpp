#pragma once
/// The scenario model: what a scenario file (scenarios/**/*.json, format in
/// scenarios/README.md) means once loaded and validated. Scenarios are data;
/// the runner executes this model against a target.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gday/core/config.hpp"
#include "gday/wire/profile.hpp"

namespace gday::harness {

/// How much a failure matters: MUST fails the run, SHOULD/MAY are reported
/// as NON-STRICT.
enum class grade { must, should, may };

/// "MUST", "SHOULD", "MAY".
std::string_view to_string(grade g) noexcept;

/// A named connection of a scenario.
struct connection_spec {
  std::string name;
  int family = 4;           ///< 4 or 6
  std::optional<bool> tls;  ///< unset: whatever the target uses
  bool lazy = false;        ///< opened only by a `connect` step, not at the start
  std::string pointer;      ///< JSON pointer in the file, for messages
  bool operator==(const connection_spec&) const = default;
};

/// How bytes are split into writes.
struct chunking {
  enum class mode { whole, bytewise, sizes } how = mode::whole;
  std::vector<std::size_t> sizes;      ///< for `sizes`; the last size repeats
  std::chrono::milliseconds pause{0};  ///< between writes
  bool operator==(const chunking&) const = default;
};

/// One expected reply. `type` is a wire variant name ("RoomCreated"); empty
/// matches any reply. `contact` (ClientContact/PeerContact) is a partial
/// pattern over {"local":{"v4","v6"},"public":{"v4","v6"}}: a field present
/// must match; a string is an address literal, a connection's address as the
/// server sees it ("@a") or "*" (any address); null means absent. Or it is
/// {"contact":"${name}"}: the whole contact equals the one captured as `name`.
struct reply_pattern {
  std::string type;
  std::optional<nlohmann::json> contact;
  std::string capture;  ///< store the whole contact under this name ("${name}" later)
  bool operator==(const reply_pattern&) const = default;
};

/// One acceptable outcome of an `expect` step (Autobahn-style: several may be
/// listed, each with its own grade).
struct alternative {
  std::vector<reply_pattern> replies;  ///< in order, on the step's connection
  bool then_closed = false;            ///< the server must then end the connection
  bool then_open = false;              ///< ... or must keep it open (checked by silence)
  /// Matching this one yields at most this grade. (`harness::` qualified: g++
  /// rejects a member named `grade` declared with the unqualified type name.)
  std::optional<harness::grade> grade;
  std::string note;  ///< shown in reports when this one matched
  bool operator==(const alternative&) const = default;
};

/// A step of a scenario.
struct step {
  enum class kind {
    send,            ///< a logical message, encoded for the profile under test
    send_body,       ///< a body template framed for the profile (with header overrides)
    send_raw,        ///< raw bytes (hex), as they are
    expect,          ///< one of several alternatives
    expect_closed,   ///< the server ends the connection (FIN, close_notify or RST)
    expect_silence,  ///< nothing arrives for `duration`, and the connection stays open
    wait,            ///< sleep `duration` (for timeouts under test only)
    close,           ///< the client ends the connection: fin, rst or half
    concurrent,      ///< run `branches` at the same time, each in order
    connect,         ///< open a lazy connection (connection_spec::lazy)
  };
  kind what = kind::send;
  std::string conn;        ///< connection name (not for wait/concurrent)
  nlohmann::json message;  ///< send: {"type":"CreateRoom","room_code":"${room}",...}
  std::map<std::string, std::string>
      bodies;                         ///< send_body: profile ("v1","v2","v3" or "*") -> template
  bool body_hex = false;              ///< send_body: `bodies` are bytes (body_hex), not templates
  std::optional<int> version_byte;    ///< send_body: override the version byte
  int length_delta = 0;               ///< send_body: add to the length prefix
  std::optional<std::size_t> length;  ///< send_body: force the length prefix
  std::string raw;                    ///< send_raw: the bytes
  chunking chunks;                    ///< send*: how to write them
  std::vector<alternative> alternatives;    ///< expect
  std::chrono::milliseconds timeout{2000};  ///< expect/expect_closed deadline (scaled)
  std::chrono::milliseconds duration{0};    ///< wait / expect_silence
  /// wait: multiplied by --timeout-scale like every deadline; false for real
  /// time, as a server's fixed windows need (spec R-2's 60 s).
  bool scaled = true;
  enum class close_mode { fin, rst, half } how = close_mode::fin;
  std::vector<std::vector<step>> branches;  ///< concurrent
  std::string pointer;                      ///< JSON pointer of this step, for messages
  bool operator==(const step&) const = default;
};

/// Server settings a scenario needs; a target that cannot provide them makes
/// the scenario SKIP with the reason.
struct settings {
  std::optional<double> max_room_timeout_s;    ///< room timeout at most this
  std::optional<double> min_room_timeout_s;    ///< ... and at least this
  std::optional<std::uint32_t> request_limit;  ///< exactly this limit
  bool fresh_server = false;                   ///< a server that has seen no other traffic
  bool operator==(const settings&) const = default;
};

/// How a judged client is to end (client scenarios).
enum class client_exit {
  success,  ///< exit 0 (MUST)
  failure,  ///< a non-zero exit (SHOULD; exit 0 is NON-STRICT), by the deadline (MUST)
  /// Still waiting at the deadline is fine (for a peer that may yet come):
  /// it is then stopped without a verdict on that; its exit status is not judged.
  waiting,
};

/// The client part of a scenario (scenarios/client/): the harness plays the
/// server, scripted by `server`, and judges the clients under test from the
/// recording of what they sent and from their processes (spec §8).
struct client_spec {
  std::vector<std::string> roles;           ///< the sides that run: "creator", "joiner"
  std::vector<std::string> judged;          ///< the sides whose client is judged (a subset)
  std::vector<core::script_rule> server;    ///< scripted answers, the first that applies wins
  client_exit exit = client_exit::success;  ///< how the judged clients are to end
  /// On failure: one of these words (any case) in the client's output names
  /// the problem (SHOULD, C-3). Empty: not checked.
  std::vector<std::string> says;
  std::chrono::milliseconds within{10000};  ///< the judged clients end by then (a hang fails, C-3)
  bool order = true;                        ///< C-1/C-2: the requests' order, from the recording
  bool room_hash = false;            ///< C-4 (MAY): a v1 room_code is SHA-256 of the room text
  bool prints_peer_contact = false;  ///< on success, the output holds the peer's address
  bool operator==(const client_spec&) const = default;
};

/// One scenario, validated.
struct scenario {
  std::string id;       ///< "lifecycle/code-free-after-exchange" (= path under scenarios/)
  std::string file;     ///< where it was loaded from
  std::string summary;  ///< one line
  std::vector<std::string> requirements;  ///< spec IDs ("L-1")
  grade level = grade::must;
  std::vector<wire::profile> profiles;  ///< where it applies
  settings needs;
  std::vector<connection_spec> connections;
  std::vector<std::string> rooms;  ///< room-code variables, random per run
  std::vector<step> steps;
  std::vector<std::string> tags;      ///< e.g. "slow", "robustness"
  std::optional<client_spec> client;  ///< set: a client scenario (no connections or steps)
  bool operator==(const scenario&) const = default;
};

/// The tag of scenarios that need real time (a minute or more): they run
/// only when asked (run-scenarios --slow), concurrently with the others.
inline constexpr std::string_view slow_tag = "slow";

/// True if `s` carries the `slow` tag.
bool is_slow(const scenario& s) noexcept;

}  // namespace gday::harness
