#pragma once
/// Settings of the reference server core and the time type it runs on.

#include <chrono>
#include <cstdint>

#include "gday/core/fault.hpp"
#include "gday/wire/profile.hpp"

namespace gday::core {

/// Monotonic time since an arbitrary origin. The core never reads a clock: the
/// caller passes the current time into every call.
using clock_time = std::chrono::nanoseconds;

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
};

}  // namespace gday::core
