#include "support/process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace tether::test {

namespace {

int millis_until(time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - steady_clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Only async-signal-safe calls from here to execve: the test binary may
// have threads, and one of them may hold the malloc lock at fork time.
[[noreturn]] void exec_child(const char* path, char* const* argv,
                             char* const* envp, const char* cwd, pid_t parent,
                             const int (&fds)[3], int report_fd,
                             bool own_group) {
  if (own_group)
    ::setpgid(0, 0);
  // A crashed test runner must not leave daemons behind.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  for (int target = 0; target < 3; ++target) {
    if (fds[target] == target) {
      ::fcntl(target, F_SETFD, 0);
    } else if (::dup2(fds[target], target) < 0) {
      int err = errno;
      [[maybe_unused]] auto n = ::write(report_fd, &err, sizeof(err));
      ::_exit(127);
    }
  }
  // Other descriptors of the test binary must not leak into the child.
#ifdef SYS_close_range
  ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
#endif
  // The runner's signal mask and ignored signals would be inherited.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  if (cwd != nullptr && ::chdir(cwd) != 0) {
    int err = errno;
    [[maybe_unused]] auto n = ::write(report_fd, &err, sizeof(err));
    ::_exit(127);
  }
  ::execve(path, argv, envp);
  int err = errno;
  [[maybe_unused]] auto n = ::write(report_fd, &err, sizeof(err));
  ::_exit(127);
}

} // namespace

std::function<bool(const std::string&)> contains(std::string what) {
  return [what = std::move(what)](const std::string& line) {
    return line.find(what) != std::string::npos;
  };
}

process::process(options opts) {
  if (opts.args.empty()) {
    start_error_ = "no program given";
    return;
  }
  // Everything the child needs is built before fork (no malloc after it).
  std::vector<char*> argv;
  for (auto& arg : opts.args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strs;
  for (auto i = environ; *i != nullptr; ++i) {
    std::string entry{*i};
    auto name = entry.substr(0, entry.find('='));
    if (opts.env.count(name) == 0) env_strs.push_back(std::move(entry));
  }
  for (auto& [name, value] : opts.env)
    if (value) env_strs.push_back(name + "=" + *value);
  std::vector<char*> envp;
  for (auto& entry : env_strs)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  const char* cwd = opts.cwd.empty() ? nullptr : opts.cwd.c_str();
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int report[2] = {-1, -1};
  auto close_all = [&] {
    for (auto fds : {in, out, err, report}) {
      close_fd(fds[0]);
      close_fd(fds[1]);
    }
  };
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0
      || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    start_error_ = std::string{"pipe2: "} + std::strerror(errno);
    close_all();
    return;
  }
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid < 0) {
    start_error_ = std::string{"fork: "} + std::strerror(errno);
    close_all();
    return;
  }
  if (pid == 0) {
    const int child_fds[3] = {in[0], out[1], err[1]};
    exec_child(argv[0], argv.data(), envp.data(), cwd, parent, child_fds,
               report[1], opts.own_group);
  }
  pid_ = pid;
  own_group_ = opts.own_group;
  // Also here, so that the group exists whichever side runs first.
  if (own_group_)
    ::setpgid(pid, pid);
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(report[1]);
  in_fd_ = in[1];
  out_.fd = out[0];
  err_.fd = err[0];
  // Our reads and writes wait in poll() with a deadline, never in read().
  for (auto fd : {in_fd_, out_.fd, err_.fd})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  // The report pipe closes on a successful exec, or carries errno.
  pollfd pfd{report[0], POLLIN, 0};
  auto deadline = deadline_in(std::chrono::seconds{5});
  int code = 0;
  ssize_t n = -1;
  while (steady_clock::now() < deadline) {
    auto ready = ::poll(&pfd, 1, millis_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready > 0) n = ::read(report[0], &code, sizeof(code));
    break;
  }
  close_fd(report[0]);
  if (n != 0) {
    start_error_ = n > 0 ? "exec " + opts.args[0] + ": " + std::strerror(code)
                         : "exec " + opts.args[0] + ": no answer";
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      // retry
    }
    pid_ = -1;
    reaped_ = true;
    close_fd(in_fd_);
    close_fd(out_.fd);
    close_fd(err_.fd);
  }
}

process::~process() {
  // The group may outlive its leader: helpers are killed in any case.
  if (pid_ > 0 && own_group_)
    ::kill(-pid_, SIGKILL);
  if (pid_ > 0 && !try_reap()) {
    ::kill(pid_, SIGKILL);
    // SIGKILL cannot be ignored, so this wait ends.
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      // retry
    }
  }
  close_fd(in_fd_);
  close_fd(out_.fd);
  close_fd(err_.fd);
}

bool process::send_line(const std::string& line, time_point deadline) {
  if (in_fd_ < 0) return false;
  auto data = line + '\n';
  // A dead child turns the write into SIGPIPE, which would end the test
  // binary: block it for this thread and swallow the one we cause.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  size_t written = 0;
  bool broken = false;
  while (written < data.size()) {
    auto n = ::write(in_fd_, data.data() + written, data.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (steady_clock::now() >= deadline) break;
      pollfd pfd{in_fd_, POLLOUT, 0};
      ::poll(&pfd, 1, millis_until(deadline));
      continue;
    }
    broken = true;
    break;
  }
  if (broken && errno == EPIPE && !was_pending) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return written == data.size();
}

void process::close_stdin() {
  close_fd(in_fd_);
}

void process::close_stdout() {
  close_fd(out_.fd);
}

std::optional<std::string>
process::read_line_until(stream s,
                         const std::function<bool(const std::string&)>& pred,
                         time_point deadline) {
  auto& p = state_of(s);
  // Past the deadline, one more round takes what is there without waiting,
  // so a deadline of now() polls.
  bool last_round = false;
  for (;;) {
    while (!p.lines.empty()) {
      auto line = std::move(p.lines.front());
      p.lines.pop_front();
      if (pred(line)) return line;
    }
    if (p.fd < 0 || last_round) return std::nullopt;
    last_round = steady_clock::now() >= deadline;
    pump(deadline);
  }
}

std::optional<std::string> process::read_line(stream s, time_point deadline) {
  return read_line_until(
    s,
    [](const std::string&) {
      return true;
    },
    deadline);
}

bool process::signal(int sig) {
  if (pid_ <= 0 || reaped_) return false;
  return ::kill(pid_, sig) == 0;
}

bool process::signal_group(int sig) {
  if (pid_ <= 0 || !own_group_) return false;
  return ::kill(-pid_, sig) == 0;
}

std::optional<int> process::wait_exit(time_point deadline) {
  if (pid_ <= 0) return std::nullopt;
  // Keep reading meanwhile: a child blocked on a full pipe never exits.
  while (!try_reap()) {
    if (steady_clock::now() >= deadline) return std::nullopt;
    pump(std::min(deadline, deadline_in(std::chrono::milliseconds{10})));
  }
  // The child is gone, so its output ends as soon as the pipes are empty;
  // the grace period only matters if it passed the pipes on.
  auto drain_deadline = std::max(deadline,
                                 deadline_in(std::chrono::milliseconds{500}));
  while ((out_.fd >= 0 || err_.fd >= 0) && steady_clock::now() < drain_deadline)
    pump(drain_deadline);
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return std::nullopt;
}

bool process::running() {
  return pid_ > 0 && !try_reap();
}

void process::pump(time_point deadline) {
  pollfd fds[2];
  pipe_state* states[2];
  nfds_t n = 0;
  for (auto p : {&out_, &err_}) {
    if (p->fd >= 0) {
      fds[n] = pollfd{p->fd, POLLIN, 0};
      states[n] = p;
      ++n;
    }
  }
  auto ready = ::poll(fds, n, millis_until(deadline));
  if (ready <= 0) return;
  for (nfds_t i = 0; i < n; ++i)
    if (fds[i].revents != 0) read_some(*states[i]);
}

void process::read_some(pipe_state& p) {
  // Up to 256 KiB per call: drains the pipe, yet a child that never stops
  // writing cannot keep us here.
  for (int round = 0; round < 64; ++round) {
    char buf[4096];
    auto n = ::read(p.fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) close_fd(p.fd);
      return;
    }
    if (n == 0) {
      if (!p.partial.empty()) p.lines.push_back(std::move(p.partial));
      p.partial.clear();
      close_fd(p.fd);
      return;
    }
    p.all.append(buf, static_cast<size_t>(n));
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        p.lines.push_back(std::move(p.partial));
        p.partial.clear();
      } else {
        p.partial += buf[i];
      }
    }
  }
}

bool process::try_reap() {
  if (reaped_) return true;
  if (pid_ <= 0) return false;
  auto res = ::waitpid(pid_, &status_, WNOHANG);
  if (res == pid_ || (res < 0 && errno == ECHILD)) reaped_ = true;
  return reaped_;
}

} // namespace tether::test
