#define CAF_SUITE actors.store.crash

#include <chrono>
#include <csignal>
#include <set>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/store/database.hpp"
#include "caf/test/unit_test.hpp"
#include "support/temp_dir.hpp"

using namespace tether::store;
using namespace std::chrono_literals;

// A child process writes through the database and dies by SIGKILL without
// closing anything; every row it saw committed must be pending when the
// parent reopens the file.

namespace {

outbox_entry reply(int i) {
  outbox_entry x;
  x.platform = "discord";
  x.bot = "main";
  x.room_id = "c1";
  x.reply_to = "m" + std::to_string(i);
  x.text = "reply " + std::to_string(i);
  x.created_ms = 1000 + i;
  return x;
}

// Child: puts up to `rows` rows and reports each committed id on `fd`;
// marks every fifth one sent (reported as its negative id). Then kills
// itself, unless the parent did already.
[[noreturn]] void child(const std::string& file, int fd, int rows) {
  try {
    database db{file};
    for (int i = 0; i < rows; ++i) {
      auto id = static_cast<int64_t>(db.put(reply(i)));
      if (i % 5 == 4) {
        db.mark_sent(static_cast<uint64_t>(id), 2000);
        id = -id;
      }
      if (::write(fd, &id, sizeof(id)) != sizeof(id)) ::_exit(3);
    }
    // Still inside db's scope: nothing is closed or checkpointed.
    ::raise(SIGKILL);
  } catch (...) {
    ::_exit(2);
  }
  ::_exit(4);
}

struct child_run {
  std::set<uint64_t> pending;
  std::set<uint64_t> sent;
  int status = 0;
};

// Reads the child's reports for at most 20 s; kills it after `kill_after`
// reports (0: let it kill itself).
child_run run_child(const std::string& file, int rows, size_t kill_after) {
  child_run result;
  int fds[2];
  CAF_REQUIRE_EQUAL(::pipe(fds), 0);
  auto pid = ::fork();
  CAF_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    child(file, fds[1], rows);
  }
  ::close(fds[1]);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  bool killed = false;
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      CAF_FAIL("the child did not finish within 20 s");
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int64_t id = 0;
    auto n = ::read(fds[0], &id, sizeof(id));
    if (n != sizeof(id)) break; // EOF: the child is gone
    if (id > 0) {
      result.pending.insert(static_cast<uint64_t>(id));
    } else {
      result.pending.erase(static_cast<uint64_t>(-id));
      result.sent.insert(static_cast<uint64_t>(-id));
    }
    if (!killed && kill_after > 0
        && result.pending.size() + result.sent.size() >= kill_after) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  CAF_REQUIRE_EQUAL(::waitpid(pid, &result.status, 0), pid);
  return result;
}

} // namespace

CAF_TEST(rows committed before a SIGKILL are pending after reopen) {
  tether::test::temp_dir dir{"tether-crash"};
  auto file = dir.path() + "/tether.db";
  auto run = run_child(file, 50, 0);
  CAF_REQUIRE(WIFSIGNALED(run.status));
  CAF_CHECK_EQUAL(WTERMSIG(run.status), SIGKILL);
  CAF_CHECK_EQUAL(run.pending.size(), 40u);
  CAF_CHECK_EQUAL(run.sent.size(), 10u);
  database db{file};
  std::set<uint64_t> pending;
  for (auto& x : db.pending(1000))
    pending.insert(x.id);
  CAF_CHECK(pending == run.pending);
  for (auto id : run.sent)
    CAF_CHECK(db.get(id)->state == outbox_state::sent);
}

CAF_TEST(a kill in the middle of writing loses no committed row) {
  tether::test::temp_dir dir{"tether-crash"};
  auto file = dir.path() + "/tether.db";
  // The parent kills the child while it is still writing.
  auto run = run_child(file, 100000, 300);
  CAF_REQUIRE(WIFSIGNALED(run.status));
  CAF_CHECK_EQUAL(WTERMSIG(run.status), SIGKILL);
  CAF_REQUIRE(run.pending.size() + run.sent.size() >= 300u);
  database db{file};
  std::set<uint64_t> pending;
  for (auto& x : db.pending(200000))
    pending.insert(x.id);
  // Every row the child saw committed is there; rows committed after its
  // last report may be there too.
  for (auto id : run.pending)
    CAF_CHECK(pending.count(id) == 1);
  for (auto id : run.sent)
    CAF_CHECK(db.get(id)->state == outbox_state::sent);
  CAF_MESSAGE("committed before the kill: "
              << run.pending.size() + run.sent.size()
              << ", pending after reopen: " << pending.size());
}
