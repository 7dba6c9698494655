#pragma once
/// What Linux says about a server process: its resident memory and open
/// file descriptors (from /proc).

#include <optional>

namespace gday::load {

/// VmRSS of process `pid` in KiB; nullopt when it cannot be read.
std::optional<long> rss_kib(int pid);

/// Number of open file descriptors of process `pid`; nullopt when unreadable.
std::optional<long> open_fds(int pid);

}  // namespace gday::load
