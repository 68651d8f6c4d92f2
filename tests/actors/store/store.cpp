#define CAF_SUITE actors.store.store

#include "actors/store/store.hpp"

#include <fstream>
#include <future>
#include <thread>

#include "actors/store/database.hpp"
#include "actors/store/type_ids.hpp"
#include "caf/test/dsl.hpp"
#include "supervision/reason.hpp"
#include "support/temp_dir.hpp"

using namespace tether;
using namespace tether::store;
using namespace std::chrono_literals;

// The store's behavior in the test coordinator. The coordinator cannot
// drive a detached actor (it would run on its own thread), so these tests
// spawn it on the scheduler; actors.store.detached runs the real, detached
// spawn with bounded waits.

namespace {

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

outbox_entry reply(const std::string& text) {
  outbox_entry x;
  x.platform = "sandbox";
  x.bot = "console";
  x.room_id = "room";
  x.reply_to = "m1";
  x.text = text;
  return x;
}

struct fixture : test_coordinator_fixture<> {
  tether::test::temp_dir dir{"tether-store"};
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(1000000);
  caf::actor store;

  store_options options(const std::string& path) {
    store_options opts;
    opts.path = path;
    opts.max_attempts = 3;
    opts.seen_ttl = 10s;
    opts.keep_sent = 1h;
    opts.seen_max = 1000;
    opts.prune_interval = 1min;
    opts.now_ms = [clock = now] {
      return *clock;
    };
    return opts;
  }

  fixture() {
    store = spawn_store(sys, options(dir.path() + "/tether.db"), false);
    sched.run();
  }

  ~fixture() {
    // The prune timer re-arms itself; the fixture's final run() would
    // never end while the store lives.
    if (store) {
      caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
      sched.run();
    }
  }

  /// Sends `xs` and returns the answer of type T.
  template<class T, class... Ts>
  T ask(Ts&&... xs) {
    self->send(store, std::forward<Ts>(xs)...);
    sched.run();
    T result{};
    bool got = false;
    self->receive(
      [&](T& x) {
        result = std::move(x);
        got = true;
      },
      [&](caf::error& err) {
        CAF_FAIL("store error: " << supervision::describe(err));
      },
      caf::after(std::chrono::seconds(0)) >> [] {});
    CAF_REQUIRE(got);
    return result;
  }

  void tell(caf::message msg) {
    self->send(store, std::move(msg));
    sched.run();
  }

  store_stats stats() {
    return ask<store_stats>(store_stats_atom::value);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(store_tests, fixture)

CAF_TEST(put answers the id and the row is pending until sent) {
  auto a = ask<uint64_t>(store_put_atom::value, reply("one"));
  auto b = ask<uint64_t>(store_put_atom::value, reply("two"));
  CAF_CHECK(a > 0u);
  CAF_CHECK(b > a);
  auto rows = ask<std::vector<outbox_entry>>(store_pending_atom::value);
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].id, a);
  CAF_CHECK_EQUAL(rows[0].text, "one");
  // No created_ms given: the store's clock.
  CAF_CHECK_EQUAL(rows[0].created_ms, 1000000);
  tell(caf::make_message(store_sent_atom::value, a));
  rows = ask<std::vector<outbox_entry>>(store_pending_atom::value);
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].id, b);
  auto st = stats();
  CAF_CHECK_EQUAL(st.pending, 1u);
  CAF_CHECK_EQUAL(st.sent, 1u);
  CAF_CHECK(st.db_bytes > 0u);
}

CAF_TEST(failures count attempts and drop at the maximum or when permanent) {
  auto a = ask<uint64_t>(store_put_atom::value, reply("a"));
  auto b = ask<uint64_t>(store_put_atom::value, reply("b"));
  tell(caf::make_message(store_failed_atom::value, a, std::string{"HTTP 500"},
                         false));
  tell(caf::make_message(store_failed_atom::value, a, std::string{"HTTP 502"},
                         false));
  auto rows = ask<std::vector<outbox_entry>>(store_pending_atom::value);
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].attempts, 2u);
  CAF_CHECK_EQUAL(rows[0].last_error, "HTTP 502");
  // The third failure reaches max_attempts (3).
  tell(caf::make_message(store_failed_atom::value, a, std::string{"HTTP 503"},
                         false));
  tell(caf::make_message(store_failed_atom::value, b, std::string{"HTTP 403"},
                         true));
  CAF_CHECK(ask<std::vector<outbox_entry>>(store_pending_atom::value).empty());
  auto st = stats();
  CAF_CHECK_EQUAL(st.pending, 0u);
  CAF_CHECK_EQUAL(st.dropped, 2u);
}

CAF_TEST(seen answers true once per key until it expires) {
  std::string key = "discord:main:123";
  CAF_CHECK(ask<bool>(store_seen_atom::value, key, int64_t{0}));
  CAF_CHECK(!ask<bool>(store_seen_atom::value, key, int64_t{0}));
  // The default TTL (10 s) applies to ttl 0.
  *now += 9999;
  CAF_CHECK(!ask<bool>(store_seen_atom::value, key, int64_t{0}));
  *now += 1;
  CAF_CHECK(ask<bool>(store_seen_atom::value, key, int64_t{500}));
  *now += 499;
  CAF_CHECK(!ask<bool>(store_seen_atom::value, key, int64_t{500}));
  *now += 1;
  CAF_CHECK(ask<bool>(store_seen_atom::value, key, int64_t{500}));
}

CAF_TEST(sessions are saved read listed and erased) {
  CAF_CHECK_EQUAL(ask<std::string>(store_session_get_atom::value,
                                   std::string{"discord:main:shard:0"}),
                  "");
  CAF_CHECK(ask<bool>(store_session_put_atom::value,
                      std::string{"discord:main:shard:0"},
                      std::string{R"({"session_id":"s","seq":42})"}));
  CAF_CHECK(ask<bool>(store_session_put_atom::value,
                      std::string{"discord:main:shard:1"},
                      std::string{R"({"seq":1})"}));
  CAF_CHECK_EQUAL(ask<std::string>(store_session_get_atom::value,
                                   std::string{"discord:main:shard:0"}),
                  R"({"session_id":"s","seq":42})");
  using map = std::map<std::string, std::string>;
  auto all = ask<map>(store_sessions_atom::value, std::string{"discord:main:"});
  CAF_CHECK_EQUAL(all.size(), 2u);
  CAF_CHECK_EQUAL(all["discord:main:shard:1"], R"({"seq":1})");
  CAF_CHECK(ask<bool>(store_session_erase_atom::value,
                      std::string{"discord:main:shard:0"}));
  CAF_CHECK(!ask<bool>(store_session_erase_atom::value,
                       std::string{"discord:main:shard:0"}));
  CAF_CHECK_EQUAL(stats().sessions, 1u);
}

CAF_TEST(the periodic prune removes expired keys and old sent rows) {
  auto a = ask<uint64_t>(store_put_atom::value, reply("a"));
  tell(caf::make_message(store_sent_atom::value, a));
  ask<bool>(store_seen_atom::value, std::string{"k1"}, int64_t{0});
  ask<bool>(store_seen_atom::value, std::string{"k2"}, int64_t{0});
  CAF_CHECK_EQUAL(stats().seen, 2u);
  *now += 20000; // keys expired, the sent row is younger than 1 h
  CAF_CHECK_EQUAL(sched.clock().advance_time(59s), 0u);
  CAF_CHECK_EQUAL(sched.clock().advance_time(1s), 1u);
  expect((store_prune_atom), from(store).to(store));
  auto st = stats();
  CAF_CHECK_EQUAL(st.seen, 0u);
  CAF_CHECK_EQUAL(st.sent, 1u);
  // The timer re-armed itself; an hour later the sent row goes too.
  *now += 3600 * 1000;
  CAF_CHECK_EQUAL(sched.clock().advance_time(1min), 1u);
  expect((store_prune_atom), from(store).to(store));
  CAF_CHECK_EQUAL(stats().sent, 0u);
}

CAF_TEST(a store that cannot open its file exits with a fatal reason) {
  auto blocker = dir.path() + "/file";
  std::ofstream{blocker} << "x";
  auto bad = spawn_store(sys, options(blocker + "/tether.db"), false);
  self->monitor(bad);
  sched.run();
  caf::error reason;
  bool got = false;
  self->receive(
    [&](caf::down_msg& msg) {
      reason = msg.reason;
      got = true;
    },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_REQUIRE(got);
  CAF_CHECK(supervision::is_fatal(reason));
  auto text = supervision::describe(reason);
  CAF_MESSAGE(text);
  CAF_CHECK(has(text, blocker + "/tether.db"));
  CAF_CHECK(has(text, "Not a directory"));
}

CAF_TEST(a damaged file stops the store fatally at open) {
  auto path = dir.path() + "/damaged.db";
  {
    database db{path};
    outbox_entry x = reply(std::string(200, 'x'));
    for (int i = 0; i < 50; ++i)
      db.put(x);
  }
  {
    // Page 1 (header and schema) stays intact; every other page is junk.
    std::fstream io{path, std::ios::in | std::ios::out | std::ios::binary};
    io.seekp(0, std::ios::end);
    auto size = static_cast<long>(io.tellp());
    CAF_REQUIRE(size > 8192);
    io.seekp(4096);
    for (long i = 4096; i < size; ++i)
      io.put(static_cast<char>(0xa5));
  }
  auto bad = spawn_store(sys, options(path), false);
  self->monitor(bad);
  sched.run();
  caf::error reason;
  bool got = false;
  self->receive(
    [&](caf::down_msg& msg) {
      reason = msg.reason;
      got = true;
    },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_REQUIRE(got);
  CAF_CHECK(supervision::is_fatal(reason));
  auto text = supervision::describe(reason);
  CAF_MESSAGE(text);
  CAF_CHECK(has(text, path));
  CAF_CHECK(has(text, "malformed"));
}

CAF_TEST(a request that meets a held lock fails with a timeout) {
  auto opts = options(dir.path() + "/locked.db");
  opts.op_timeout = 200ms;
  auto locked = spawn_store(sys, opts, false);
  sched.run();
  database holder_db{opts.path, 1500ms};
  std::promise<void> started;
  // Another connection holds the write lock for 1.5 s.
  std::thread holder{[&] {
    started.set_value();
    try {
      holder_db.scalar("INSERT INTO seen (key, expires_ms) SELECT 'k', 0 "
                       "WHERE (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                       "SELECT x + 1 FROM c) SELECT count(*) FROM c) > 0");
    } catch (const database_error&) {
      // expected: aborted at its deadline
    }
  }};
  started.get_future().wait();
  std::this_thread::sleep_for(100ms);
  self->send(locked, store_put_atom::value, reply("blocked"));
  sched.run(); // the store waits at most 200 ms for the lock
  caf::error answer;
  self->receive(
    [&](caf::error& err) {
      answer = std::move(err);
    },
    [&](uint64_t) {
      CAF_FAIL("put succeeded under a lock");
    },
    caf::after(std::chrono::seconds(0)) >> [] {});
  holder.join();
  CAF_CHECK(answer == store_errc::timeout);
  CAF_MESSAGE(supervision::describe(answer));
  CAF_CHECK(has(supervision::describe(answer), "locked"));
  // The store lives on and works once the lock is free.
  self->send(locked, store_put_atom::value, reply("later"));
  sched.run();
  bool put = false;
  self->receive(
    [&](uint64_t) {
      put = true;
    },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(put);
  caf::anon_send_exit(locked, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()
