#pragma once
/// The reference server checked through the reference client, in-process:
/// `gday-reference-server --self-check`.

#include <cstddef>
#include <functional>
#include <string>

#include "gday/server/server.hpp"
#include "gday/wire/frame.hpp"

namespace gday::client {

/// One thing the self-check verified.
struct self_check_step {
  std::string what;    ///< "CreateRoom -> RoomCreated (M-1)"
  bool ok = false;     ///< it held
  std::string detail;  ///< what was seen (a reply name, an error), may be empty
};

/// Where the self-check reports as it goes.
struct self_check_callbacks {
  std::function<void(const std::string&)> note;         ///< "listening on 127.0.0.1:40123 ..."
  std::function<void(const self_check_step&)> on_step;  ///< each check, as it is made
};

/// How a self-check ended.
struct self_check_outcome {
  std::size_t failed = 0;  ///< failed checks
  bool completed = false;  ///< false: a setup step failed and nothing more ran
  bool passed() const { return completed && failed == 0; }
};

/// The addresses `s` listens on, as "127.0.0.1:2311 [::1]:2311".
std::string describe_endpoints(const server::server& s);

/// Starts a reference server for `profile` over TLS with a generated
/// certificate and runs a full exchange through the reference client over
/// IPv4 and (where available) IPv6, then a malformed request.
self_check_outcome self_check(wire::profile profile, const self_check_callbacks& callbacks);

}  // namespace gday::client
