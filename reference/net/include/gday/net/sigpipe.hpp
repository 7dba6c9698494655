#pragma once
/// Keeps SIGPIPE from killing the process while this thread writes to a
/// socket whose peer may be gone (OpenSSL writes with write(), not send()
/// with MSG_NOSIGNAL): blocks it for the guard's lifetime and discards one
/// raised meanwhile. A write then fails with EPIPE instead.

#include <signal.h>

namespace gday::net {

class sigpipe_guard {
 public:
  sigpipe_guard() noexcept;
  ~sigpipe_guard();
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t old_mask_{};
  bool was_pending_ = false;
};

}  // namespace gday::net
