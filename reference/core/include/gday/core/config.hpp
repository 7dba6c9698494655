#pragma once
/// Settings of the reference server core and the time type it runs on.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gday/core/fault.hpp"
#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"

namespace gday::core {

/// Monotonic time since an arbitrary origin. The core never reads a clock: the
/// caller passes the current time into every call.
using clock_time = std::chrono::nanoseconds;

/// For testing clients: what the server does instead of its normal answer to
/// one request (spec §8). The harness builds these from a client scenario.
struct script_rule {
  /// The requests it applies to: a variant name ("CreateRoom",
  /// "RecordPublicAddr", "ReadyToShare") or "*" (any frame, also one that
  /// does not decode).
  std::string on = "*";
  /// Only requests from this side: "creator" (CreateRoom, and requests with
  /// is_creator true) or "joiner"; empty: from either (and undecodable ones).
  std::string role;
  /// The n-th such request the server receives (1-based, over all
  /// connections, counting only requests `on` and `role` select); 0: every
  /// one. The first rule that applies wins.
  unsigned nth = 0;
  enum class action {
    answer,  ///< the normal answer, written as `writes` says
    reply,   ///< `reply` instead of the answer
    stall,   ///< no answer, and nothing more is read from the connection
    close,   ///< close the connection at once, no answer
    reset,   ///< reset the connection at once (TCP RST), no answer
    raw,     ///< write `raw` (any bytes) instead of the answer
  };
  action what = action::answer;
  /// For `reply`. ClientContact and PeerContact carry `script_contact`.
  wire::server_msg_type reply = wire::server_msg_type::error_syntax;
  std::string raw;  ///< for `raw`
  /// How the replies caused by this request are written to its connection.
  enum class shape {
    whole,        ///< one write per reply
    bytewise,     ///< one byte per write
    coalesced,    ///< all of them in one write
    extra_field,  ///< each contact reply with an unknown extra field (serde ignores it)
    largest,      ///< each reply's body padded with trailing spaces to the profile's
                  ///< largest (v1: 65535 bytes, v2/v3: 1024)
  };
  shape writes = shape::whole;
  /// A reply written first, before anything the request gets (unsolicited).
  std::optional<wire::server_msg_type> unsolicited;
  bool then_close = false;  ///< close the connection after the answer
  friend bool operator==(const script_rule&, const script_rule&) = default;
};

/// The contact a scripted ClientContact or PeerContact carries: documentation
/// addresses no real exchange produces (local 192.0.2.10:4000,
/// public 198.51.100.20:5000 and [2001:db8::20]:5000).
wire::full_contact script_contact();

/// Something a core saw or did, for recording a conversation.
struct trace_event {
  enum class kind {
    opened,    ///< a connection was accepted
    received,  ///< bytes arrived (`bytes`), before anything is done with them, even when
               ///< the connection no longer reads (stalled, waiting after ReadyToShare)
    frame,     ///< a whole frame is processed now; `bytes` is its body
    sent,      ///< bytes were given to the transport to write
    closed,    ///< the core closed the connection (`reset`: with an RST)
    gone,      ///< the peer ended the connection (`bytes` "eof" or "reset")
  };
  kind what = kind::opened;
  std::uint64_t conn = 0;
  clock_time at{};
  std::string bytes;
  bool reset = false;
};

/// What a server core does; the defaults are upstream's (`-t 600 -r 10`).
struct config {
  /// Wire encoding and version byte (spec §2, §7).
  wire::profile profile = wire::profile::v1;
  /// A room lives this long after its CreateRoom (spec L-1, L-4); sub-second
  /// values are allowed, must be positive.
  clock_time room_timeout = std::chrono::seconds(600);
  /// Counted requests per source IP per rate window (spec R-1).
  std::uint32_t request_limit = 10;
  /// Length of the fixed rate windows, counted from the core's start time; all
  /// counters reset together at each window boundary (spec R-2). Zero or
  /// negative: counters never reset.
  clock_time rate_window = std::chrono::seconds(60);
  /// A frame whose first byte was read longer than this ago and that is still
  /// incomplete gets its connection closed without a reply (spec F-5's
  /// robustness advice). Zero: never.
  clock_time frame_deadline = std::chrono::seconds(30);
  /// Deliberate deviations from the spec; empty by default.
  fault_set faults;
  /// Scripted answers for testing clients; empty: the normal server.
  std::vector<script_rule> script;
  /// Called for every event of `trace_event`, on the core's thread, when set.
  std::function<void(const trace_event&)> trace;
};

}  // namespace gday::core
