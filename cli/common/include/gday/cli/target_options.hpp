#pragma once
/// The command-line flags that choose a target, shared by run-scenarios and
/// gday-fuzz-remote: the embedded reference server (default), a server the
/// harness launches (--server-cmd) or one already running (--target).

#include <memory>
#include <string>

#include <boost/program_options.hpp>

#include "gday/harness/error.hpp"
#include "gday/harness/target.hpp"

namespace gday::cli {

/// The flags' values.
struct target_flags {
  std::string server_cmd;
  std::string target4, target6, ca, sni;
  std::string embedded_faults;
  double room_timeout = 0;
  std::uint32_t request_limit = 0;
};

/// Adds --server-cmd, --target, --target-v6, --ca, --insecure, --sni,
/// --plain, --room-timeout, --request-limit, --allow-non-loopback and
/// --embedded-fault, storing into `flags`.
void add_target_options(boost::program_options::options_description& opts, target_flags& flags);

/// What the flags chose, once parsed.
struct chosen_target {
  std::unique_ptr<harness::target> target;
  bool embedded = false;  ///< neither --server-cmd nor --target
  bool plain = false;     ///< --plain
  bool remote = false;    ///< --target: a server the harness cannot restart
};

/// The target the flags describe, or a usage error ("--server-cmd and
/// --target exclude each other", a non-loopback address, ...).
harness::result<chosen_target> make_target(const target_flags& flags,
                                           const boost::program_options::variables_map& vm);

}  // namespace gday::cli
