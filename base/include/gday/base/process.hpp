#pragma once
/// Waiting for a child process to end, with a deadline, from any thread.
/// (Boost.Process 1.81's wait_for() installs a process-wide SIGCHLD handler
/// that misbehaves when several threads wait on several children.)

#include <sys/types.h>

#include <chrono>

namespace gday::base {

/// Waits until the process `pid` (a child of this one) has ended or `until`
/// has passed; true if it ended. It does not reap the child: its exit status
/// is still there for waitpid(). On Linux this waits on a pidfd (an event,
/// not a poll loop); where pidfds are missing, it checks every 10 ms.
bool wait_for_exit(pid_t pid, std::chrono::steady_clock::time_point until);

/// For a forked child before exec (async-signal-safe): every descriptor from
/// `first` on is closed at exec. Without this a child started while another
/// thread holds a socket keeps that socket open for its whole life, and the
/// parent's close (or RST) of it does nothing until the child ends.
void close_on_exec_from(int first) noexcept;

}  // namespace gday::base
