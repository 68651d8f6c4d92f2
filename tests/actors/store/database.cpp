#define CAF_SUITE actors.store.database

#include "actors/store/database.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <unistd.h>

#include "caf/test/unit_test.hpp"
#include "support/temp_dir.hpp"

using namespace tether::store;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

outbox_entry reply(const std::string& text, const std::string& key = {}) {
  outbox_entry x;
  x.platform = "discord";
  x.bot = "main";
  x.room_id = "c1";
  x.thread_id = "t1";
  x.guild_id = "g1";
  x.reply_to = "m1";
  x.text = text;
  x.seq = 2;
  x.idempotency_key = key;
  x.created_ms = 1000;
  x.deadline_ms = 5000;
  return x;
}

// The message of the database_error `f` throws; fails when none is thrown.
template<class F>
std::string error_of(F f, database_error* out = nullptr) {
  try {
    f();
  } catch (const database_error& e) {
    if (out) *out = e;
    return e.what();
  }
  CAF_FAIL("no database_error thrown");
  return {};
}

struct fixture {
  tether::test::temp_dir dir{"tether-store"};
  std::string file = dir.path() + "/tether.db";
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(database_tests, fixture)

CAF_TEST(a new file gets the current schema in WAL mode) {
  CAF_REQUIRE(!dir.path().empty());
  database db{file};
  CAF_CHECK_EQUAL(db.user_version(), database::schema_version);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM sqlite_master WHERE type "
                            "= 'table' AND name IN ('outbox', 'seen', "
                            "'sessions')"),
                  3);
  CAF_CHECK_EQUAL(db.scalar("SELECT journal_mode = 'wal' FROM "
                            "pragma_journal_mode"),
                  1);
  CAF_CHECK_EQUAL(db.scalar("SELECT synchronous FROM pragma_synchronous"),
                  1); // NORMAL
  CAF_CHECK(fs::exists(file + "-wal"));
}

CAF_TEST(an empty existing file is migrated) {
  std::ofstream{file}.flush();
  CAF_REQUIRE(fs::exists(file));
  CAF_REQUIRE_EQUAL(fs::file_size(file), 0u);
  database db{file};
  CAF_CHECK_EQUAL(db.user_version(), database::schema_version);
  CAF_CHECK_EQUAL(db.depth(), 0u);
}

CAF_TEST(a missing data directory is created) {
  auto nested = dir.path() + "/a/b/tether.db";
  database db{nested};
  CAF_CHECK(fs::exists(nested));
}

CAF_TEST(reopening keeps the schema and the data) {
  {
    database db{file};
    db.put(reply("one"));
  }
  database db{file};
  CAF_CHECK_EQUAL(db.user_version(), database::schema_version);
  CAF_CHECK_EQUAL(db.depth(), 1u);
}

CAF_TEST(put stores every field and pending returns rows by id) {
  database db{file};
  auto a = db.put(reply("one"));
  auto b = db.put(reply("two"));
  CAF_CHECK(b > a);
  auto rows = db.pending(10);
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  auto& x = rows[0];
  CAF_CHECK_EQUAL(x.id, a);
  CAF_CHECK_EQUAL(x.platform, "discord");
  CAF_CHECK_EQUAL(x.bot, "main");
  CAF_CHECK_EQUAL(x.room_id, "c1");
  CAF_CHECK_EQUAL(x.thread_id, "t1");
  CAF_CHECK_EQUAL(x.guild_id, "g1");
  CAF_CHECK_EQUAL(x.reply_to, "m1");
  CAF_CHECK_EQUAL(x.text, "one");
  CAF_CHECK_EQUAL(x.seq, 2u);
  CAF_CHECK_EQUAL(x.idempotency_key, "");
  CAF_CHECK_EQUAL(x.created_ms, 1000);
  CAF_CHECK_EQUAL(x.deadline_ms, 5000);
  CAF_CHECK_EQUAL(x.attempts, 0u);
  CAF_CHECK(x.state == outbox_state::pending);
  CAF_CHECK_EQUAL(rows[1].text, "two");
  CAF_CHECK_EQUAL(db.pending(1).size(), 1u);
  // CAF_CHECK_EQUAL keeps references to its arguments: no temporaries.
  auto after_a = db.pending(10, a);
  CAF_REQUIRE_EQUAL(after_a.size(), 1u);
  CAF_CHECK_EQUAL(after_a[0].id, b);
  CAF_CHECK_EQUAL(db.depth(), 2u);
}

CAF_TEST(text with any bytes round - trips) {
  database db{file};
  std::string text = "quote ' \" semicolon; 中文 \n";
  text.push_back('\0');
  text += "after nul";
  auto id = db.put(reply(text));
  auto row = db.get(id);
  CAF_REQUIRE(row);
  CAF_CHECK_EQUAL(row->text, text);
}

CAF_TEST(an idempotency key makes put return the first row) {
  database db{file};
  auto a = db.put(reply("one", "discord:main:m1:1"));
  auto b = db.put(reply("one again", "discord:main:m1:1"));
  auto c = db.put(reply("two", "discord:main:m1:2"));
  CAF_CHECK_EQUAL(a, b);
  CAF_CHECK_NOT_EQUAL(a, c);
  CAF_CHECK_EQUAL(db.depth(), 2u);
  auto row = db.get(a);
  CAF_REQUIRE(row);
  CAF_CHECK_EQUAL(row->text, "one");
  CAF_CHECK_EQUAL(row->idempotency_key, "discord:main:m1:1");
  // Rows without a key are never merged.
  db.put(reply("x"));
  db.put(reply("x"));
  CAF_CHECK_EQUAL(db.depth(), 4u);
}

CAF_TEST(mark_sent mark_attempt and mark_dropped move pending rows) {
  database db{file};
  auto a = db.put(reply("a"));
  auto b = db.put(reply("b"));
  auto c = db.put(reply("c"));
  CAF_CHECK(db.mark_sent(a, 2000));
  CAF_CHECK(!db.mark_sent(a, 2001)); // already sent
  CAF_CHECK(!db.mark_sent(999, 2000));
  CAF_CHECK_EQUAL(db.mark_attempt(b, "HTTP 500"), 1u);
  CAF_CHECK_EQUAL(db.mark_attempt(b, "HTTP 502"), 2u);
  CAF_CHECK(!db.mark_attempt(a, "late"));
  CAF_CHECK(db.mark_dropped(c, "HTTP 403"));
  CAF_CHECK(!db.mark_dropped(c, "again"));
  auto x = *db.get(a);
  CAF_CHECK(x.state == outbox_state::sent);
  CAF_CHECK_EQUAL(x.sent_ms, 2000);
  auto y = *db.get(b);
  CAF_CHECK(y.state == outbox_state::pending);
  CAF_CHECK_EQUAL(y.attempts, 2u);
  CAF_CHECK_EQUAL(y.last_error, "HTTP 502");
  auto z = *db.get(c);
  CAF_CHECK(z.state == outbox_state::dropped);
  CAF_CHECK_EQUAL(z.last_error, "HTTP 403");
  CAF_CHECK_EQUAL(db.depth(), 1u);
  auto st = db.stats();
  CAF_CHECK_EQUAL(st.pending, 1u);
  CAF_CHECK_EQUAL(st.sent, 1u);
  CAF_CHECK_EQUAL(st.dropped, 1u);
  CAF_CHECK(st.bytes > 0u);
}

CAF_TEST(rows not marked sent are pending again after a reopen) {
  uint64_t a = 0;
  uint64_t b = 0;
  {
    database db{file};
    a = db.put(reply("a"));
    b = db.put(reply("b"));
    db.put(reply("c"));
    db.mark_sent(b, 2000);
  } // closed without confirming a and c
  database db{file};
  auto rows = db.pending(10);
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].id, a);
  CAF_CHECK_EQUAL(rows[1].text, "c");
  CAF_CHECK(db.get(b)->state == outbox_state::sent);
  // Ids keep growing after a reopen.
  CAF_CHECK(db.put(reply("d")) > rows[1].id);
}

CAF_TEST(prune removes finished rows past the horizon) {
  database db{file};
  auto a = db.put(reply("a")); // created 1000
  auto b = db.put(reply("b"));
  auto c = db.put(reply("c"));
  db.mark_sent(a, 1500);
  db.mark_sent(b, 9000);
  db.mark_dropped(c, "gone");
  // Horizon 10000 - 5000 = 5000: a (sent 1500) and c (created 1000) go.
  auto r = db.prune_outbox(10000, 5000, 1000);
  CAF_CHECK_EQUAL(r.finished, 2u);
  CAF_CHECK_EQUAL(r.pending, 0u);
  CAF_CHECK(!db.get(a));
  CAF_CHECK(db.get(b));
  CAF_CHECK(!db.get(c));
  // Pending rows are never pruned by age.
  auto d = db.put(reply("d"));
  db.prune_outbox(1000000, 0, 1000);
  CAF_CHECK(db.get(d));
  CAF_CHECK(!db.get(b));
}

CAF_TEST(prune bounds the outbox with finished rows first) {
  database db{file};
  std::vector<uint64_t> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(db.put(reply("r" + std::to_string(i))));
  for (int i = 5; i < 8; ++i)
    db.mark_sent(ids[i], 1000);
  // 10 rows, bound 8: the two oldest finished rows go (ids 5 and 6).
  auto r = db.prune_outbox(1000, 1000000, 8);
  CAF_CHECK_EQUAL(r.finished, 2u);
  CAF_CHECK_EQUAL(r.pending, 0u);
  CAF_CHECK(!db.get(ids[5]));
  CAF_CHECK(!db.get(ids[6]));
  CAF_CHECK(db.get(ids[7]));
  CAF_CHECK_EQUAL(db.depth(), 7u);
  // Bound 5: the last finished row, then the two oldest pending ones.
  r = db.prune_outbox(1000, 1000000, 5);
  CAF_CHECK_EQUAL(r.finished, 1u);
  CAF_CHECK_EQUAL(r.pending, 2u);
  CAF_CHECK(!db.get(ids[0]));
  CAF_CHECK(!db.get(ids[1]));
  CAF_CHECK(db.get(ids[2]));
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM outbox"), 5);
}

CAF_TEST(check_and_insert dedupes until the key expires) {
  database db{file};
  CAF_CHECK(db.check_and_insert("discord:main:1", 1000, 10000));
  CAF_CHECK(!db.check_and_insert("discord:main:1", 1000, 10000));
  CAF_CHECK(!db.check_and_insert("discord:main:1", 1000, 10999));
  CAF_CHECK(db.check_and_insert("discord:main:2", 1000, 10500));
  // Expired at 11000: new again, and remembered anew.
  CAF_CHECK(db.check_and_insert("discord:main:1", 1000, 11000));
  CAF_CHECK(!db.check_and_insert("discord:main:1", 1000, 11500));
  CAF_CHECK_EQUAL(db.seen_count(), 2u);
}

CAF_TEST(seen keys survive a reopen) {
  {
    database db{file};
    CAF_CHECK(db.check_and_insert("qq:bot:e1", 60000, 1000));
  }
  database db{file};
  CAF_CHECK(!db.check_and_insert("qq:bot:e1", 60000, 2000));
}

CAF_TEST(prune_seen drops expired keys then the oldest beyond the bound) {
  database db{file};
  for (int i = 0; i < 10; ++i)
    db.check_and_insert("k" + std::to_string(i), 1000 + i * 100, 0);
  // Expiries are 1000..1900; at 1250 k0..k2 are expired.
  CAF_CHECK_EQUAL(db.prune_seen(1250, 100), 3u);
  CAF_CHECK_EQUAL(db.seen_count(), 7u);
  // Bound 4: k3..k5 (expiring soonest) go.
  CAF_CHECK_EQUAL(db.prune_seen(1250, 4), 3u);
  CAF_CHECK_EQUAL(db.seen_count(), 4u);
  CAF_CHECK(!db.check_and_insert("k6", 1000, 1250));
  CAF_CHECK(db.check_and_insert("k5", 1000, 1250));
}

CAF_TEST(sessions are put read updated listed and erased) {
  database db{file};
  CAF_CHECK(!db.get_session("discord:main:shard:0"));
  db.put_session("discord:main:shard:0", R"({"seq":1})", 100);
  db.put_session("discord:main:shard:1", R"({"seq":2})", 100);
  db.put_session("discord:main:shard:10", R"({"seq":3})", 100);
  db.put_session("discord:mainx:shard:0", R"({"seq":4})", 100);
  db.put_session("qq:main:shard:0", R"({"seq":5})", 100);
  db.put_session("discord:main:shard:0", R"({"seq":9})", 200);
  CAF_CHECK_EQUAL(*db.get_session("discord:main:shard:0"), R"({"seq":9})");
  auto xs = db.sessions_with_prefix("discord:main:");
  CAF_REQUIRE_EQUAL(xs.size(), 3u);
  CAF_CHECK_EQUAL(xs[0].first, "discord:main:shard:0");
  CAF_CHECK_EQUAL(xs[1].first, "discord:main:shard:1");
  CAF_CHECK_EQUAL(xs[2].first, "discord:main:shard:10");
  CAF_CHECK_EQUAL(db.sessions_with_prefix("discord:main:shard:1").size(), 2u);
  CAF_CHECK_EQUAL(db.sessions_with_prefix("").size(), 5u);
  CAF_CHECK_EQUAL(db.sessions_with_prefix("zz").size(), 0u);
  CAF_CHECK(db.erase_session("discord:main:shard:1"));
  CAF_CHECK(!db.erase_session("discord:main:shard:1"));
  CAF_CHECK_EQUAL(db.sessions_with_prefix("discord:main:").size(), 2u);
  CAF_CHECK_EQUAL(db.stats().sessions, 4u);
}

CAF_TEST(a file of garbage is a clear error naming the path) {
  {
    std::ofstream out{file, std::ios::binary};
    for (int i = 0; i < 4096; ++i)
      out.put(static_cast<char>((i * 7919) & 0xff));
  }
  database_error err{"", ""};
  auto msg = error_of(
    [&] {
      database db{file};
    },
    &err);
  CAF_MESSAGE(msg);
  CAF_CHECK(has(msg, file));
  CAF_CHECK(has(msg, "file is not a database"));
  CAF_CHECK(err.corrupt());
}

CAF_TEST(damage behind a valid header is reported as corrupt when met) {
  {
    database db{file};
    for (int i = 0; i < 50; ++i)
      db.put(reply(std::string(200, 'x')));
  } // the last close checkpoints the WAL into the file
  CAF_REQUIRE(fs::file_size(file) > 8192u);
  {
    std::fstream io{file, std::ios::in | std::ios::out | std::ios::binary};
    // Page 1 (header and schema) stays intact; every other page is junk.
    auto size = fs::file_size(file);
    io.seekp(4096);
    for (auto i = uintmax_t{4096}; i < size; ++i)
      io.put(static_cast<char>(0xa5));
  }
  database db{file};
  database_error err{"", ""};
  auto msg = error_of(
    [&] {
      db.pending(100);
    },
    &err);
  CAF_MESSAGE(msg);
  CAF_CHECK(has(msg, file));
  CAF_CHECK(err.corrupt());
}

CAF_TEST(a path under a regular file is a clear error naming the path) {
  auto blocker = dir.path() + "/not-a-dir";
  std::ofstream{blocker} << "x";
  auto bad = blocker + "/tether.db";
  auto msg = error_of([&] {
    database db{bad};
  });
  CAF_MESSAGE(msg);
  CAF_CHECK(has(msg, bad));
  CAF_CHECK(has(msg, "cannot create directory"));
  CAF_CHECK(has(msg, "Not a directory") || has(msg, "not a directory"));
}

CAF_TEST(an unwritable directory is a clear error naming the path) {
  // Root may write anywhere, so this runs only as another user; the test
  // above covers root.
  if (::geteuid() == 0) {
    CAF_MESSAGE("skipped: running as root");
    return;
  }
  auto ro = dir.path() + "/ro";
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  auto bad = ro + "/tether.db";
  auto msg = error_of([&] {
    database db{bad};
  });
  fs::permissions(ro, fs::perms::owner_all);
  CAF_MESSAGE(msg);
  CAF_CHECK(has(msg, bad));
  CAF_CHECK(has(msg, "unable to open database file"));
}

CAF_TEST(a newer schema version is a clear error) {
  {
    database db{file};
    db.scalar("PRAGMA user_version = 7");
  }
  auto msg = error_of([&] {
    database db{file};
  });
  CAF_MESSAGE(msg);
  CAF_CHECK(has(msg, file));
  CAF_CHECK(has(msg, "schema version 7 is newer"));
}

CAF_TEST(a statement past its deadline is aborted) {
  database db{file, 200ms};
  auto start = std::chrono::steady_clock::now();
  database_error err{"", ""};
  auto msg = error_of(
    [&] {
      db.scalar("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                "FROM c) SELECT count(*) FROM c");
    },
    &err);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CAF_MESSAGE(msg);
  CAF_CHECK(err.timed_out());
  CAF_CHECK(has(msg, "deadline of 200ms"));
  CAF_CHECK(elapsed >= 200ms);
  CAF_CHECK(elapsed < 1500ms);
  // The connection is fine afterwards.
  CAF_CHECK(db.put(reply("after")) > 0u);
  CAF_CHECK_EQUAL(db.depth(), 1u);
}

CAF_TEST(two connections see the commits of each other) {
  database a{file};
  database b{file};
  auto id = a.put(reply("from a"));
  auto row = b.get(id);
  CAF_REQUIRE(row);
  CAF_CHECK_EQUAL(row->text, "from a");
  CAF_CHECK(b.check_and_insert("k", 1000, 0));
  CAF_CHECK(!a.check_and_insert("k", 1000, 0));
}

CAF_TEST(waiting for the lock of another writer ends at the op timeout) {
  database a{file, 1500ms};
  database b{file, 200ms};
  std::promise<void> started;
  // `a` takes the write lock and holds it until its own deadline.
  std::thread holder{[&] {
    started.set_value();
    try {
      a.scalar("INSERT INTO seen (key, expires_ms) SELECT 'k', 0 WHERE "
               "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
               "FROM c) SELECT count(*) FROM c) > 0");
    } catch (const database_error&) {
      // expected: aborted at its deadline
    }
  }};
  started.get_future().wait();
  std::this_thread::sleep_for(100ms);
  auto start = std::chrono::steady_clock::now();
  auto msg = error_of([&] {
    b.put(reply("blocked"));
  });
  auto elapsed = std::chrono::steady_clock::now() - start;
  holder.join();
  CAF_MESSAGE(msg);
  CAF_CHECK(has(msg, "locked by another connection (waited 200ms)"));
  CAF_CHECK(elapsed >= 150ms);
  CAF_CHECK(elapsed < 1000ms);
  // Once the lock is free, writes work again.
  CAF_CHECK(b.put(reply("later")) > 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
