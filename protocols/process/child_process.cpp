#include "protocols/process/child_process.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "protocols/process/type_ids.hpp"

extern char** environ;

namespace asio = boost::asio;

namespace tether {

child_process::~child_process() {
  // nop
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    auto sig = WTERMSIG(status);
    std::string out = "killed by signal " + std::to_string(sig);
    if (auto name = ::sigabbrev_np(sig))
      out += std::string{" (SIG"} + name + ")";
    return out;
  }
  return "ended with wait status " + std::to_string(status);
}

namespace {

using error_code = boost::system::error_code;

/// How long the exit report waits for the last output after the child is
/// reaped (a grandchild may hold the pipes open).
constexpr std::chrono::milliseconds drain_timeout{500};

/// How often the exit is polled where pidfd_open is missing.
constexpr std::chrono::milliseconds reap_poll{100};

/// Longer stderr lines are cut: they only go to the log.
constexpr size_t max_stderr_line = 4096;

/// Splits a byte stream into lines. A line longer than `max` is either
/// cut (the rest dropped) or dropped whole and reported by size.
class line_reader {
public:
  line_reader(size_t max, bool cut) : max_(max), cut_(cut) {
    // nop
  }

  template <class Emit, class Overlong>
  void feed(const char* data, size_t size, Emit&& emit, Overlong&& overlong) {
    for (size_t i = 0; i < size; ++i) {
      auto ch = data[i];
      if (ch == '\n') {
        end_line(emit, overlong);
        continue;
      }
      if (skipped_ > 0) {
        ++skipped_;
        continue;
      }
      pending_ += ch;
      if (pending_.size() > max_) {
        skipped_ = pending_.size();
        if (cut_) {
          pending_.resize(max_);
          emit(take());
        }
        pending_.clear();
      }
    }
  }

  template <class Emit, class Overlong>
  void finish(Emit&& emit, Overlong&& overlong) {
    if (skipped_ > 0 || !pending_.empty())
      end_line(emit, overlong);
  }

private:
  template <class Emit, class Overlong>
  void end_line(Emit& emit, Overlong& overlong) {
    if (skipped_ == 0)
      emit(take());
    else if (!cut_)
      overlong(skipped_);
    pending_.clear();
    skipped_ = 0;
  }

  std::string take() {
    if (!pending_.empty() && pending_.back() == '\r')
      pending_.pop_back();
    auto out = std::move(pending_);
    pending_.clear();
    return out;
  }

  size_t max_;
  bool cut_;
  std::string pending_;
  /// Bytes of the current line so far once it is too long.
  size_t skipped_ = 0;
};

/// The `path` a program name resolves to: as given if it holds a `/`,
/// else the first executable in PATH; empty if none.
std::string resolve_program(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos)
    return name;
  size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos)
      end = path.size();
    auto dir = path.substr(start, end - start);
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return {};
}

/// `exec 2` -> `exec failed: No such file or directory`.
std::string describe_start_error(const std::string& report) {
  auto space = report.rfind(' ');
  if (space == std::string::npos)
    return "start failed: " + report;
  auto step = report.substr(0, space);
  auto code = std::atoi(report.c_str() + space + 1);
  return step + " failed: " + std::strerror(code);
}

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}

class child_process_impl
  : public child_process,
    public std::enable_shared_from_this<child_process_impl> {
public:
  child_process_impl(asio::io_context& io, caf::actor_addr owner,
                     options opts)
    : strand_(asio::make_strand(io)),
      in_(strand_),
      out_(strand_),
      err_(strand_),
      report_(strand_),
      exit_(strand_),
      write_timer_(strand_),
      kill_timer_(strand_),
      drain_timer_(strand_),
      owner_(std::move(owner)),
      opts_(std::move(opts)),
      out_lines_(opts_.max_line, false),
      err_lines_(std::min(opts_.max_line, max_stderr_line), true),
      stopped_(std::make_shared<std::atomic<bool>>(false)) {
    // nop
  }

  ~child_process_impl() override {
    // The io_context is going away with the child still there: kill the
    // group and reap it here, briefly waiting (SIGKILL is not ignorable).
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      for (int i = 0; i < 1000; ++i) {
        int status = 0;
        auto r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno != EINTR))
          break;
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
      }
    }
  }

  void start() override {
    asio::dispatch(strand_, [self = shared_from_this()] { self->do_start(); });
  }

  void write_line(std::string line) override {
    line += '\n';
    asio::post(strand_, [self = shared_from_this(), l = std::move(line)]()
                          mutable { self->on_send(std::move(l)); });
  }

  void terminate() override {
    stopped_->store(true);
    asio::post(strand_, [self = shared_from_this()] { self->do_terminate(); });
  }

private:
  template <class... Ts>
  void notify(Ts&&... xs) {
    if (stopped_->load())
      return;
    if (auto hdl = caf::actor_cast<caf::actor>(owner_))
      caf::anon_send(hdl, std::forward<Ts>(xs)...);
  }

  // -- start ------------------------------------------------------------------

  void do_start() {
    if (stopped_->load() || pid_ > 0)
      return;
    if (opts_.argv.empty() || opts_.argv.front().empty())
      return fail_start("no program given");
    // Everything the child needs is prepared here: after fork it may only
    // call async-signal-safe functions.
    std::map<std::string, std::string> env;
    for (char** p = environ; p != nullptr && *p != nullptr; ++p) {
      std::string kv{*p};
      auto eq = kv.find('=');
      if (eq != std::string::npos)
        env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (auto& [key, value] : opts_.env)
      env[key] = value;
    auto path_var = env.count("PATH") ? env["PATH"] : "/usr/bin:/bin";
    auto program = resolve_program(opts_.argv.front(), path_var);
    if (program.empty())
      return fail_start("exec failed: `" + opts_.argv.front()
                        + "` not found in PATH");
    std::vector<std::string> env_strings;
    for (auto& [key, value] : env)
      env_strings.push_back(key + "=" + value);
    std::vector<char*> argv;
    for (auto& x : opts_.argv)
      argv.push_back(const_cast<char*>(x.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& x : env_strings)
      envp.push_back(const_cast<char*>(x.c_str()));
    envp.push_back(nullptr);
    int in[2] = {-1, -1};
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    int rep[2] = {-1, -1};
    auto close_all = [&] {
      for (auto p : {in, out, err, rep})
        for (int i = 0; i < 2; ++i)
          if (p[i] >= 0)
            ::close(p[i]);
    };
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0
        || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(rep, O_CLOEXEC) != 0) {
      auto why = std::string{"pipe: "} + std::strerror(errno);
      close_all();
      return fail_start(why);
    }
    auto max_fd = static_cast<int>(::sysconf(_SC_OPEN_MAX));
    if (max_fd <= 0 || max_fd > 65536)
      max_fd = 65536;
    const char* cwd = opts_.working_dir.empty() ? nullptr
                                                : opts_.working_dir.c_str();
    auto pid = ::fork();
    if (pid < 0) {
      auto why = std::string{"fork: "} + std::strerror(errno);
      close_all();
      return fail_start(why);
    }
    if (pid == 0)
      run_child(in[0], out[1], err[1], rep[1], max_fd, cwd, program.c_str(),
                argv.data(), envp.data());
    // Also here, so a signal to the group cannot race the child's setpgid.
    ::setpgid(pid, pid);
    pid_ = pid;
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    ::close(rep[1]);
    error_code ec;
    in_.assign(in[1], ec);
    out_.assign(out[0], ec);
    err_.assign(err[0], ec);
    report_.assign(rep[0], ec);
    in_.non_blocking(true, ec);
    notify(proc_started_atom::value, static_cast<int>(pid_));
    read_out();
    read_err();
    read_report();
    watch_exit();
  }

  // In the child: async-signal-safe calls only, then exec. A failure is
  // written to `rep` as `step: errno` and ends the child with 127.
  [[noreturn]] static void run_child(int in, int out, int err, int rep,
                                     int max_fd, const char* cwd,
                                     const char* program, char** argv,
                                     char** envp) {
    ::setpgid(0, 0);
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
      ::sigaction(sig, &dfl, nullptr); // fails harmlessly for KILL/STOP
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // `step errno`, decimal; the parent renders it.
    auto report = [rep](const char* step) {
      int e = errno;
      char buf[64];
      size_t n = 0;
      for (auto p = step; *p != '\0' && n < 40; ++p)
        buf[n++] = *p;
      buf[n++] = ' ';
      char digits[12];
      size_t d = 0;
      do {
        digits[d++] = static_cast<char>('0' + e % 10);
        e /= 10;
      } while (e > 0 && d < sizeof(digits));
      while (d > 0)
        buf[n++] = digits[--d];
      auto ignored = ::write(rep, buf, n);
      static_cast<void>(ignored);
      ::_exit(127);
    };
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
      report("dup2");
    // Everything but 0-2 and the report pipe (close-on-exec) is closed.
    bool closed = rep >= 3;
    if (closed && rep > 3
        && ::close_range(3, static_cast<unsigned>(rep - 1), 0) != 0)
      closed = false;
    if (closed && ::close_range(static_cast<unsigned>(rep + 1), ~0U, 0) != 0)
      closed = false;
    if (!closed) {
      for (int fd = 3; fd < max_fd; ++fd)
        if (fd != rep)
          ::close(fd);
    }
    if (cwd != nullptr && ::chdir(cwd) != 0)
      report("chdir");
    ::execve(program, argv, envp);
    report("exec");
    ::_exit(127);
  }

  void fail_start(std::string why) {
    notify(proc_exited_atom::value, std::move(why));
    stopped_->store(true);
  }

  // -- output -----------------------------------------------------------------

  void read_out() {
    out_.async_read_some(asio::buffer(out_buf_),
                         [self = shared_from_this()](const error_code& ec,
                                                     size_t n) {
                           self->on_out(ec, n);
                         });
  }

  void on_out(const error_code& ec, size_t n) {
    auto emit = [this](std::string line) {
      notify(proc_out_atom::value, std::move(line));
    };
    auto overlong = [this](size_t bytes) {
      notify(proc_overlong_atom::value, static_cast<uint64_t>(bytes));
    };
    if (ec) {
      out_lines_.finish(emit, overlong);
      out_done_ = true;
      return maybe_report_exit();
    }
    out_lines_.feed(out_buf_.data(), n, emit, overlong);
    read_out();
  }

  void read_err() {
    err_.async_read_some(asio::buffer(err_buf_),
                         [self = shared_from_this()](const error_code& ec,
                                                     size_t n) {
                           self->on_err(ec, n);
                         });
  }

  void on_err(const error_code& ec, size_t n) {
    auto emit = [this](std::string line) {
      notify(proc_err_atom::value, std::move(line));
    };
    auto ignore = [](size_t) {};
    if (ec) {
      err_lines_.finish(emit, ignore);
      err_done_ = true;
      return maybe_report_exit();
    }
    err_lines_.feed(err_buf_.data(), n, emit, ignore);
    read_err();
  }

  void read_report() {
    report_.async_read_some(asio::buffer(rep_buf_),
                            [self = shared_from_this()](const error_code& ec,
                                                        size_t n) {
                              self->on_report(ec, n);
                            });
  }

  void on_report(const error_code& ec, size_t n) {
    if (ec) {
      report_done_ = true;
      return maybe_report_exit();
    }
    exec_error_.append(rep_buf_.data(), n);
    read_report();
  }

  // -- exit -------------------------------------------------------------------

  void watch_exit() {
    auto fd = pidfd_open(pid_);
    if (fd >= 0) {
      error_code ec;
      exit_.assign(fd, ec);
      if (!ec) {
        exit_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](const error_code& ec) {
                           if (!ec)
                             self->try_reap();
                         });
        return;
      }
      ::close(fd);
    }
    poll_exit();
  }

  void poll_exit() {
    drain_timer_.expires_after(reap_poll);
    drain_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->reaped_)
        return;
      if (!self->try_reap())
        self->poll_exit();
    });
  }

  bool try_reap() {
    if (reaped_)
      return true;
    // While the leader is a zombie its pid cannot be reused: kill whatever
    // it left behind in its group, then reap it.
    int status = 0;
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0)
      return false;
    ::kill(-pid_, SIGKILL);
    reaped_ = true;
    status_ = r == pid_ ? status : -1;
    kill_timer_.cancel();
    error_code ignored;
    exit_.close(ignored);
    // The last lines may still be in the pipes.
    drain_timer_.expires_after(drain_timeout);
    drain_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec)
        self->report_exit();
    });
    maybe_report_exit();
    return true;
  }

  void maybe_report_exit() {
    if (reaped_ && out_done_ && err_done_ && report_done_)
      report_exit();
  }

  void report_exit() {
    if (exit_reported_)
      return;
    exit_reported_ = true;
    drain_timer_.cancel();
    std::string how;
    if (!exec_error_.empty())
      how = describe_start_error(exec_error_);
    else if (status_ < 0)
      how = "ended (status unavailable)";
    else
      how = describe_wait_status(status_);
    notify(proc_exited_atom::value, std::move(how));
    close_pipes();
  }

  // -- input ------------------------------------------------------------------

  void on_send(std::string line) {
    if (stopped_->load() || in_failed_ || !in_.is_open())
      return;
    if (queued_ + line.size() > opts_.max_queue) {
      in_failed_ = true;
      notify(proc_io_error_atom::value,
             std::string{"stdin: more than "} + std::to_string(opts_.max_queue)
               + " bytes waiting for the plugin");
      return;
    }
    queued_ += line.size();
    queue_.push_back(std::move(line));
    if (queue_.size() == 1)
      do_write();
  }

  void do_write() {
    write_timer_.expires_after(opts_.write_timeout);
    write_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) { // the child does not read its stdin
        self->write_timed_out_ = true;
        error_code ignored;
        self->in_.cancel(ignored);
      }
    });
    asio::async_write(in_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](const error_code& ec,
                                                  size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(const error_code& ec) {
    write_timer_.cancel();
    if (ec) {
      in_failed_ = true;
      queue_.clear();
      queued_ = 0;
      if (write_timed_out_)
        notify(proc_io_error_atom::value,
               std::string{"stdin: write timed out after "}
                 + std::to_string(opts_.write_timeout.count()) + "ms");
      // A broken pipe means the child closed stdin or exited; its exit (or
      // its silence) is reported on its own.
      else if (ec != asio::error::broken_pipe
               && ec != asio::error::operation_aborted)
        notify(proc_io_error_atom::value, "stdin: " + ec.message());
      return;
    }
    queued_ -= queue_.front().size();
    queue_.pop_front();
    if (!queue_.empty())
      do_write();
  }

  // -- shutdown ---------------------------------------------------------------

  void do_terminate() {
    if (terminating_)
      return;
    terminating_ = true;
    close_pipes();
    if (pid_ <= 0 || reaped_)
      return;
    ::kill(-pid_, SIGTERM);
    kill_timer_.expires_after(opts_.kill_grace);
    kill_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->reaped_)
        ::kill(-self->pid_, SIGKILL);
    });
  }

  // Closing stdout and stderr too: a child still writing gets EPIPE and
  // no longer blocks on a full pipe.
  void close_pipes() {
    error_code ignored;
    in_.close(ignored);
    out_.close(ignored);
    err_.close(ignored);
    report_.close(ignored);
    write_timer_.cancel();
    queue_.clear();
    queued_ = 0;
  }

  asio::strand<asio::io_context::executor_type> strand_;
  asio::posix::stream_descriptor in_;
  asio::posix::stream_descriptor out_;
  asio::posix::stream_descriptor err_;
  asio::posix::stream_descriptor report_;
  asio::posix::stream_descriptor exit_;
  asio::steady_timer write_timer_;
  asio::steady_timer kill_timer_;
  asio::steady_timer drain_timer_;
  caf::actor_addr owner_;
  options opts_;
  line_reader out_lines_;
  line_reader err_lines_;
  std::array<char, 16384> out_buf_;
  std::array<char, 4096> err_buf_;
  std::array<char, 256> rep_buf_;
  std::string exec_error_;
  std::deque<std::string> queue_;
  size_t queued_ = 0;
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  bool out_done_ = false;
  bool err_done_ = false;
  bool report_done_ = false;
  bool exit_reported_ = false;
  bool in_failed_ = false;
  bool write_timed_out_ = false;
  bool terminating_ = false;
  std::shared_ptr<std::atomic<bool>> stopped_;
};

} // namespace

std::shared_ptr<child_process>
child_process::make(asio::io_context& io, caf::actor_addr owner,
                    options opts) {
  return std::make_shared<child_process_impl>(io, std::move(owner),
                                              std::move(opts));
}

} // namespace tether
