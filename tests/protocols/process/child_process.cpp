#define CAF_SUITE protocols.process.child_process

#include "protocols/process/child_process.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "caf/test/unit_test.hpp"
#include "protocols/process/type_ids.hpp"
#include "support/temp_dir.hpp"

namespace asio = boost::asio;

using namespace std::chrono_literals;
using namespace tether;

namespace {

using clock_type = std::chrono::steady_clock;

/// What the session reported, in order.
struct report {
  std::string kind; // started, out, err, overlong, io_error, exited
  std::string text;
  int pid = 0;
};

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    io.get_executor()};
  std::atomic<bool> io_done{false};
  std::thread io_thread{[this] {
    io.run();
    io_done = true;
  }};

  fixture() {
    // As in tetherd: a write to a pipe whose reader died fails with EPIPE.
    std::signal(SIGPIPE, SIG_IGN);
  }

  ~fixture() {
    // Finished and terminated children must let the io_context run dry.
    work.reset();
    auto deadline = clock_type::now() + 5s;
    while (!io_done && clock_type::now() < deadline)
      std::this_thread::sleep_for(5ms);
    CAF_CHECK(io_done.load());
    io.stop();
    io_thread.join();
  }

  std::shared_ptr<child_process> start(child_process::options opts) {
    auto proc = child_process::make(io, self->address(), std::move(opts));
    proc->start();
    return proc;
  }

  std::shared_ptr<child_process> shell(const std::string& script) {
    child_process::options opts;
    opts.argv = {"/bin/sh", "-c", script};
    opts.kill_grace = 300ms;
    return start(std::move(opts));
  }

  /// The next report, or nullopt after `timeout`.
  std::optional<report> next(std::chrono::milliseconds timeout = 5s) {
    std::optional<report> out;
    self->receive(
      [&](proc_started_atom, int pid) { out = report{"started", {}, pid}; },
      [&](proc_out_atom, std::string& x) { out = report{"out", x}; },
      [&](proc_err_atom, std::string& x) { out = report{"err", x}; },
      [&](proc_overlong_atom, uint64_t n) {
        out = report{"overlong", std::to_string(n)};
      },
      [&](proc_io_error_atom, std::string& x) {
        out = report{"io_error", x};
      },
      [&](proc_exited_atom, std::string& x) { out = report{"exited", x}; },
      caf::after(timeout) >> [] {});
    return out;
  }

  /// Reports of one kind until `exited` (included), bounded by `timeout`.
  std::vector<std::string> collect(const std::string& kind,
                                   std::string* exit_how = nullptr,
                                   int* pid = nullptr) {
    std::vector<std::string> out;
    auto deadline = clock_type::now() + 5s;
    for (int i = 0; i < 10000 && clock_type::now() < deadline; ++i) {
      auto r = next(1s);
      if (!r)
        continue;
      if (r->kind == "started" && pid != nullptr)
        *pid = r->pid;
      if (r->kind == kind)
        out.push_back(r->text);
      if (r->kind == "exited") {
        if (exit_how != nullptr)
          *exit_how = r->text;
        break;
      }
    }
    return out;
  }
};

/// Whether `pid` is gone for good: not running and not a zombie.
bool gone(int pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  return !stat.good();
}

bool wait_gone(int pid, std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (clock_type::now() < deadline) {
    if (gone(pid))
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return gone(pid);
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(child_process_tests, fixture)

CAF_TEST(lines go both ways and the exit status is reported) {
  auto proc = shell("read x; echo \"got $x\"; echo warning >&2; "
                    "printf 'no newline'; exit 0");
  proc->write_line("hello");
  std::string how;
  int pid = 0;
  std::vector<std::string> out;
  std::vector<std::string> err;
  auto deadline = clock_type::now() + 5s;
  while (clock_type::now() < deadline) {
    auto r = next(1s);
    if (!r)
      continue;
    if (r->kind == "started")
      pid = r->pid;
    else if (r->kind == "out")
      out.push_back(r->text);
    else if (r->kind == "err")
      err.push_back(r->text);
    else if (r->kind == "exited") {
      how = r->text;
      break;
    }
  }
  CAF_CHECK_GREATER(pid, 0);
  CAF_CHECK_EQUAL(out, (std::vector<std::string>{"got hello", "no newline"}));
  CAF_CHECK_EQUAL(err, std::vector<std::string>{"warning"});
  CAF_CHECK_EQUAL(how, "exited with status 0");
  CAF_CHECK(wait_gone(pid, 2s));
}

CAF_TEST(an exit status and a signal are named) {
  std::string how;
  shell("echo bye; exit 3");
  CAF_CHECK_EQUAL(collect("out", &how), std::vector<std::string>{"bye"});
  CAF_CHECK_EQUAL(how, "exited with status 3");
  shell("kill -SEGV $$");
  collect("out", &how);
  CAF_CHECK_EQUAL(how, "killed by signal 11 (SIGSEGV)");
}

CAF_TEST(a program that cannot start is reported as exited) {
  std::string how;
  child_process::options opts;
  opts.argv = {"no-such-program-tether"};
  start(opts);
  collect("out", &how);
  CAF_CHECK_EQUAL(how,
                  "exec failed: `no-such-program-tether` not found in PATH");
  opts.argv = {"/nonexistent/plugin"};
  start(opts);
  collect("out", &how);
  CAF_CHECK_EQUAL(how, "exec failed: No such file or directory");
  test::temp_dir dir;
  opts.argv = {"/bin/true"};
  opts.working_dir = dir.path() + "/missing";
  start(opts);
  collect("out", &how);
  CAF_CHECK_EQUAL(how, "chdir failed: No such file or directory");
}

CAF_TEST(env working dir process group and closed fds) {
  test::temp_dir dir;
  child_process::options opts;
  // fd 3+ of the shell would show up here if any leaked from this process
  // (no pipeline: the shell would hold the pipe while `ls` looks).
  opts.argv = {"/bin/sh", "-c",
               "echo \"$TETHER_X\"; pwd; cut -d' ' -f5 /proc/$$/stat; "
               "ls /proc/$$/fd"};
  opts.env = {{"TETHER_X", "value x"}};
  opts.working_dir = dir.path();
  start(opts);
  std::string how;
  int pid = 0;
  auto out = collect("out", &how, &pid);
  CAF_CHECK_EQUAL(out.size(), 6u);
  if (out.size() != 6u)
    return;
  CAF_CHECK_EQUAL(out[0], "value x");
  CAF_CHECK_EQUAL(std::filesystem::canonical(out[1]),
                  std::filesystem::canonical(dir.path()));
  CAF_CHECK_EQUAL(out[2], std::to_string(pid));
  CAF_CHECK_EQUAL(out[3] + " " + out[4] + " " + out[5], "0 1 2");
  CAF_CHECK_EQUAL(how, "exited with status 0");
}

CAF_TEST(overlong stdout lines are dropped and reported) {
  child_process::options opts;
  opts.argv = {"/bin/sh", "-c",
               "head -c 3000 /dev/zero | tr '\\0' x; echo; echo short"};
  opts.max_line = 1024;
  start(opts);
  std::vector<std::string> seen;
  auto deadline = clock_type::now() + 5s;
  while (clock_type::now() < deadline) {
    auto r = next(1s);
    if (!r || r->kind == "started")
      continue;
    seen.push_back(r->kind + ":" + r->text);
    if (r->kind == "exited")
      break;
  }
  CAF_CHECK_EQUAL(seen, (std::vector<std::string>{
                          "overlong:3000", "out:short",
                          "exited:exited with status 0"}));
}

CAF_TEST(terminate kills a child that ignores sigterm and reaps it) {
  auto proc = shell("trap '' TERM; echo up; while :; do sleep 1; done");
  int pid = 0;
  for (int i = 0; i < 3 && pid == 0; ++i) {
    auto r = next();
    if (r && r->kind == "started")
      pid = r->pid;
  }
  CAF_REQUIRE_GREATER(pid, 0);
  auto r = next();
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->kind + ":" + r->text, "out:up");
  auto t0 = clock_type::now();
  proc->terminate();
  proc.reset();
  CAF_CHECK(wait_gone(pid, 3s));
  auto took = clock_type::now() - t0;
  // SIGKILL came after the grace period (300ms), not at once.
  CAF_CHECK_GREATER_OR_EQUAL(took, 250ms);
  // The whole group goes, including the `sleep` the shell started (killed
  // when its leader was reaped; init reaps it).
  auto deadline = clock_type::now() + 2s;
  while (::kill(-pid, 0) == 0 && clock_type::now() < deadline)
    std::this_thread::sleep_for(10ms);
  CAF_CHECK_EQUAL(::kill(-pid, 0), -1);
  // Nothing is reported after terminate().
  CAF_CHECK(!next(200ms));
}

CAF_TEST(a stopped child gets sigterm first) {
  auto proc = shell("trap 'echo term >&2; exit 7' TERM; echo up; "
                    "while :; do sleep 0.05; done");
  int pid = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = next();
    if (r && r->kind == "started")
      pid = r->pid;
    if (r && r->kind == "out")
      break;
  }
  CAF_REQUIRE_GREATER(pid, 0);
  auto t0 = clock_type::now();
  proc->terminate();
  proc.reset();
  CAF_CHECK(wait_gone(pid, 3s));
  CAF_CHECK_LESS(clock_type::now() - t0, 250ms);
}

CAF_TEST(writing to a child that exited is not an error of its own) {
  auto proc = shell("exit 4");
  std::string how;
  collect("out", &how);
  CAF_CHECK_EQUAL(how, "exited with status 4");
  proc->write_line("anyone?");
  CAF_CHECK(!next(200ms));
}

CAF_TEST(a child that does not read stdin fails the write after a deadline) {
  child_process::options opts;
  opts.argv = {"/bin/sh", "-c", "echo up; sleep 30"};
  opts.write_timeout = 200ms;
  opts.kill_grace = 200ms;
  auto proc = start(opts);
  // More than a pipe holds (64 KiB).
  std::string big(70 * 1024, 'x');
  proc->write_line(big);
  std::optional<report> failure;
  for (int i = 0; i < 5 && !failure; ++i) {
    auto r = next(2s);
    if (r && r->kind == "io_error")
      failure = r;
  }
  CAF_REQUIRE(failure);
  CAF_CHECK_EQUAL(failure->text, "stdin: write timed out after 200ms");
  proc->terminate();
}

CAF_TEST_FIXTURE_SCOPE_END()
