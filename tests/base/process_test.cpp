#include "gday/base/process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

pid_t child_that_exits(int status) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(status);
  return pid;
}

pid_t child_that_waits() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  return pid;
}

TEST(process_test, an_ended_child_is_seen_and_its_status_is_still_there) {
  const pid_t pid = child_that_exits(7);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(gday::base::wait_for_exit(pid, clock_type::now() + 10s));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid) << "not reaped by the wait";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(process_test, a_running_child_times_out_then_ends_when_killed) {
  const pid_t pid = child_that_waits();
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(gday::base::wait_for_exit(pid, clock_type::now() + 50ms));
  ::kill(pid, SIGKILL);
  EXPECT_TRUE(gday::base::wait_for_exit(pid, clock_type::now() + 10s));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
}

TEST(process_test, several_threads_wait_on_several_children_at_once) {
  // What Boost.Process 1.81's wait_for() cannot do: each thread sees its own child.
  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i) pids.push_back(child_that_waits());
  std::vector<int> seen(pids.size(), -1);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    threads.emplace_back(
        [&, i] { seen[i] = gday::base::wait_for_exit(pids[i], clock_type::now() + 10s); });
  }
  for (pid_t pid : pids) ::kill(pid, SIGKILL);
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < pids.size(); ++i) {
    EXPECT_EQ(seen[i], 1) << "child " << i;
    EXPECT_EQ(::waitpid(pids[i], nullptr, 0), pids[i]);
  }
}

TEST(process_test, close_on_exec_from_marks_every_later_descriptor) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // without O_CLOEXEC
  const pid_t pid = ::fork();
  if (pid == 0) {
    gday::base::close_on_exec_from(3);
    const bool marked = (::fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0 &&
                        (::fcntl(fds[1], F_GETFD) & FD_CLOEXEC) != 0;
    const bool stdio_kept = (::fcntl(2, F_GETFD) & FD_CLOEXEC) == 0;
    ::_exit(marked && stdio_kept ? 0 : 1);
  }
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
