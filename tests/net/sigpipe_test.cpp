// The SIGPIPE guard: a write to a pipe nobody reads fails with EPIPE while a
// guard lives, and the signal it raised is gone once the guard ends; a
// SIGPIPE that was pending before the guard is left alone.
#include "gday/net/sigpipe.hpp"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

bool sigpipe_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

bool sigpipe_blocked() {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, SIGPIPE) == 1;
}

// Writes to a pipe whose read end is closed; the write's errno.
int write_to_a_broken_pipe() {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  ::close(fds[0]);
  const ssize_t n = ::write(fds[1], "x", 1);
  const int err = n < 0 ? errno : 0;
  ::close(fds[1]);
  return err;
}

TEST(sigpipe_guard_test, a_write_to_a_broken_pipe_fails_and_its_signal_is_discarded) {
  if (sigpipe_blocked()) GTEST_SKIP() << "SIGPIPE is blocked already: the guard has nothing to do";
  ASSERT_FALSE(sigpipe_pending());
  {
    gday::net::sigpipe_guard guard;
    EXPECT_TRUE(sigpipe_blocked());
    EXPECT_EQ(write_to_a_broken_pipe(), EPIPE);
    EXPECT_TRUE(sigpipe_pending()) << "the write raised SIGPIPE, held back by the guard";
  }
  // Had the signal survived the guard, it would have killed this process here.
  EXPECT_FALSE(sigpipe_pending());
  EXPECT_FALSE(sigpipe_blocked()) << "the thread's signal mask is restored";
}

TEST(sigpipe_guard_test, a_sigpipe_pending_before_the_guard_stays_pending) {
  sigset_t pipe_only, old_mask;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask), 0);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGPIPE), 0);
  ASSERT_TRUE(sigpipe_pending());
  {
    gday::net::sigpipe_guard guard;
    EXPECT_EQ(write_to_a_broken_pipe(), EPIPE);
  }
  EXPECT_TRUE(sigpipe_pending()) << "the guard discarded a signal it did not cause";
  EXPECT_TRUE(sigpipe_blocked()) << "the mask the thread had is kept";
  // Consume it, then restore the mask this test found.
  const timespec no_wait{0, 0};
  EXPECT_EQ(sigtimedwait(&pipe_only, nullptr, &no_wait), SIGPIPE);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}

}  // namespace
