#include "gday/base/process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace gday::base {
namespace {

// Has the child ended? Peeks without reaping (WNOWAIT).
bool ended(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // not our child (already reaped): nothing to wait for
  }
  return info.si_pid == pid;
}

}  // namespace

bool wait_for_exit(pid_t pid, std::chrono::steady_clock::time_point until) {
  using clock = std::chrono::steady_clock;
#ifdef SYS_pidfd_open
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0) {
    // A pidfd becomes readable when the process ends.
    bool done = ended(pid);
    while (!done) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
      if (n < 0 && errno != EINTR) break;
      done = ended(pid);
    }
    ::close(fd);
    return done;
  }
#endif
  while (!ended(pid)) {
    if (clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // no pidfd: poll
  }
  return true;
}

void close_on_exec_from(int first) noexcept {
#if defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    return;
  }
#endif
  // Older kernels: one descriptor at a time (fcntl is async-signal-safe).
  const long last = ::sysconf(_SC_OPEN_MAX);
  for (long fd = first; fd < (last > 0 ? last : 1024); ++fd) {
    const int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
    if (flags >= 0) ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
  }
}

}  // namespace gday::base
