#pragma once
// A child process for end-to-end tests: posix_spawn with stdout and stderr
// on pipes, line reads with a deadline, signals by PID, and waiting for the
// exit with a deadline (a pidfd, so the wait is an event, not a poll loop).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace gday::test {

class child_process {
 public:
  /// Starts argv[0] (a path) with the given arguments; throws on failure.
  explicit child_process(const std::vector<std::string>& argv) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    if (rc != 0) {
      close_pipes();
      throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Kills a child that is still running (by its PID) and reaps it.
  ~child_process() {
    if (!exit_status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    close_pipes();
    if (pidfd_ >= 0) ::close(pidfd_);
  }

  pid_t pid() const { return pid_; }

  /// Sends a signal to the child.
  void signal(int number) const { ::kill(pid_, number); }

  /// The next line of its stdout (without the newline), or nullopt when
  /// stdout ended or the deadline passed first.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto nl = stdout_text_.find('\n');
      if (nl != std::string::npos) {
        std::string line = stdout_text_.substr(0, nl);
        stdout_text_.erase(0, nl + 1);
        return line;
      }
      if (!read_some(stdout_fd_, stdout_text_, deadline)) return std::nullopt;
    }
  }

  /// Waits until the child exits (its output is collected meanwhile) and
  /// returns its exit code (128 + signal when killed); nullopt on timeout.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout) {
    if (exit_status_) return exit_status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Drain both pipes until they close (the child exited or closed them).
    while (stdout_fd_ >= 0 || stderr_fd_ >= 0) {
      pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
      const int left = remaining_ms(deadline);
      if (left <= 0) return std::nullopt;
      const int ready = ::poll(fds, 2, left);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return std::nullopt;
      if (fds[0].revents != 0) drain(stdout_fd_, stdout_text_);
      if (fds[1].revents != 0) drain(stderr_fd_, stderr_text_);
    }
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      const int left = remaining_ms(deadline);
      if (left <= 0 || ::poll(&p, 1, left) <= 0) return std::nullopt;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_status_;
  }

  /// Everything read from stdout after the lines taken by read_line().
  const std::string& stdout_text() const { return stdout_text_; }
  const std::string& stderr_text() const { return stderr_text_; }

 private:
  static int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::steady_clock::now())
                                .count());
  }

  // Reads once from fd (waiting until the deadline); false at EOF or timeout.
  bool read_some(int& fd, std::string& into, std::chrono::steady_clock::time_point deadline) {
    while (fd >= 0) {
      const int left = remaining_ms(deadline);
      if (left <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, left);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;
      return drain(fd, into);
    }
    return false;
  }

  // One read; closes fd at EOF. True if bytes arrived.
  static bool drain(int& fd, std::string& into) {
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) return true;
    ::close(fd);
    fd = -1;
    return false;
  }

  void close_pipes() {
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    if (stderr_fd_ >= 0) ::close(stderr_fd_);
    stdout_fd_ = stderr_fd_ = -1;
  }

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_text_, stderr_text_;
  std::optional<int> exit_status_;
};

}  // namespace gday::test
