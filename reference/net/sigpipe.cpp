#include "gday/net/sigpipe.hpp"

#include <pthread.h>

#include <ctime>

namespace gday::net {
namespace {

sigset_t pipe_only() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

}  // namespace

sigpipe_guard::sigpipe_guard() noexcept {
  const sigset_t set = pipe_only();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  sigset_t pending;
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
}

sigpipe_guard::~sigpipe_guard() {
  // Discard a SIGPIPE this guard caused (not one that was already pending,
  // nor when the thread had it blocked anyway).
  if (!was_pending_ && sigismember(&old_mask_, SIGPIPE) != 1) {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      const sigset_t set = pipe_only();
      const timespec no_wait{0, 0};
      sigtimedwait(&set, nullptr, &no_wait);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace gday::net
