// A child process with pipes on stdin, stdout and stderr, for end-to-end
// tests of the real binaries. Every wait takes a deadline: a hung child
// fails the test instead of hanging it.

#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tether::test {

using steady_clock = std::chrono::steady_clock;
using time_point = steady_clock::time_point;

/// A deadline `d` from now.
inline time_point deadline_in(steady_clock::duration d) {
  return steady_clock::now() + d;
}

/// Matches lines containing `what`.
std::function<bool(const std::string&)> contains(std::string what);

class process {
public:
  enum class stream { out, err };

  struct options {
    /// The program (args[0], a path) and its arguments.
    std::vector<std::string> args;
    /// Changes to the inherited environment; nullopt unsets a variable.
    std::map<std::string, std::optional<std::string>> env;
    /// Working directory of the child (empty: inherit).
    std::string cwd;
    /// Starts the child in a process group of its own; signals and the
    /// final SIGKILL then reach everything it started too (a browser and
    /// its helper processes).
    bool own_group = false;
  };

  /// Starts the child. Check `started()`: fork or exec may fail.
  explicit process(options opts);

  /// SIGKILLs and reaps a child that is still running (and its whole
  /// group, with `own_group`).
  ~process();

  process(const process&) = delete;
  process& operator=(const process&) = delete;

  bool started() const {
    return pid_ > 0;
  }

  /// Why the start failed (empty if it did not).
  const std::string& start_error() const {
    return start_error_;
  }

  pid_t pid() const {
    return pid_;
  }

  /// Writes `line` and a newline to the child's stdin; false if the pipe is
  /// closed or the child did not take the bytes before `deadline`.
  bool send_line(const std::string& line, time_point deadline);

  /// Closes the child's stdin (it reads EOF).
  void close_stdin();

  /// Stops reading the child's stdout: its next write fails with EPIPE.
  void close_stdout();

  /// Consumes lines of `s` up to and including the first one matching
  /// `pred` and returns it; nullopt at EOF or once `deadline` passed. A
  /// deadline in the past still takes what the child already wrote, so
  /// `read_line_until(s, never, now())` reads without waiting.
  std::optional<std::string>
  read_line_until(stream s, const std::function<bool(const std::string&)>& pred,
                  time_point deadline);

  /// The next line of `s`, if one arrives before `deadline`.
  std::optional<std::string> read_line(stream s, time_point deadline);

  /// Sends `sig` to the child; false if it is gone.
  bool signal(int sig);

  /// Sends `sig` to the child's process group (`own_group` only); false
  /// if none of it is left.
  bool signal_group(int sig);

  /// Waits for the child to exit and for its output to end; returns the
  /// exit code (128 + N when killed by signal N), or nullopt when the child
  /// is still running at `deadline`.
  std::optional<int> wait_exit(time_point deadline);

  /// Whether the child has not exited yet (reaps it if it has).
  bool running();

  /// Everything read from the child's stderr so far, consumed or not.
  const std::string& stderr_text() const {
    return err_.all;
  }

  /// Everything read from the child's stdout so far, consumed or not.
  const std::string& stdout_text() const {
    return out_.all;
  }

private:
  struct pipe_state {
    int fd = -1;
    std::string partial;
    std::deque<std::string> lines;
    std::string all;
  };

  pipe_state& state_of(stream s) {
    return s == stream::out ? out_ : err_;
  }

  /// Waits until output arrives or `deadline` passes (not at all if it
  /// did), then reads what is there into the line queues.
  void pump(time_point deadline);

  /// Reads once from `p` without blocking; closes it at EOF.
  void read_some(pipe_state& p);

  /// Reaps the child if it exited; true if it did (now or earlier).
  bool try_reap();

  pid_t pid_ = -1;
  bool own_group_ = false;
  bool reaped_ = false;
  int status_ = 0;
  int in_fd_ = -1;
  pipe_state out_;
  pipe_state err_;
  std::string start_error_;
};

} // namespace tether::test
