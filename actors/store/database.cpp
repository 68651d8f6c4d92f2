#include "actors/store/database.hpp"

#include <cstring>
#include <filesystem>
#include <functional>

#include <system_error>

#include <sqlite3.h>

namespace tether::store {

namespace {

namespace fs = std::filesystem;

// Version 1: the outbox, the dedupe keys and the sessions. A later version
// appends its statements here and bumps database::schema_version.
const char* const migrations[] = {
  R"sql(
CREATE TABLE outbox (
  -- AUTOINCREMENT: ids are never reused after a prune, so a late
  -- confirmation for a deleted row can never hit a newer one.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform TEXT NOT NULL,
  bot TEXT NOT NULL,
  room_id TEXT NOT NULL DEFAULT '',
  thread_id TEXT NOT NULL DEFAULT '',
  guild_id TEXT NOT NULL DEFAULT '',
  reply_to TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  seq INTEGER NOT NULL DEFAULT 1,
  idempotency_key TEXT,
  created_ms INTEGER NOT NULL,
  deadline_ms INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'sent', 'dropped')),
  last_error TEXT NOT NULL DEFAULT '',
  sent_ms INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX outbox_idempotency ON outbox(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX outbox_state_id ON outbox(state, id);
CREATE TABLE seen (
  key TEXT PRIMARY KEY,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX seen_expires ON seen(expires_ms);
CREATE TABLE sessions (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

static_assert(sizeof(migrations) / sizeof(migrations[0])
                == database::schema_version,
              "one migration per schema version");

// The progress handler runs every this many VM instructions: often enough
// to stop a runaway statement within a millisecond or so, rarely enough
// to cost nothing measurable.
constexpr int progress_period = 1000;

const char* const outbox_columns
  = "id, platform, bot, room_id, thread_id, guild_id, reply_to, text, seq, "
    "coalesce(idempotency_key, ''), created_ms, deadline_ms, attempts, "
    "state, last_error, sent_ms";

outbox_state parse_state(const std::string& str) {
  if (str == "sent") return outbox_state::sent;
  if (str == "dropped") return outbox_state::dropped;
  return outbox_state::pending;
}

// The smallest string greater than every string starting with `prefix`;
// empty if there is none (all bytes 0xff).
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

} // namespace

// -- database_error -----------------------------------------------------------

database_error::database_error(const std::string& path, const std::string& what,
                               int code)
  : std::runtime_error(path + ": " + what), code_(code) {
  // nop
}

bool database_error::timed_out() const {
  auto primary = code_ & 0xff;
  return primary == SQLITE_INTERRUPT || primary == SQLITE_BUSY;
}

bool database_error::corrupt() const {
  auto primary = code_ & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

// -- statements ---------------------------------------------------------------

// A prepared statement, kept for the life of the connection.
class database::statement {
public:
  statement(database& db, const char* sql, bool persistent = true) : db_(db) {
    auto rc = sqlite3_prepare_v3(db.db_, sql, -1,
                                 persistent ? SQLITE_PREPARE_PERSISTENT : 0,
                                 &stmt_, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
      db.fail(rc);
    }
  }

  ~statement() {
    sqlite3_finalize(stmt_);
  }

  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int index, int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }

  statement& bind(int index, const std::string& value) {
    check(sqlite3_bind_text(stmt_, index, value.data(),
                            static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }

  statement& bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index));
    return *this;
  }

  /// True while there is a row to read.
  bool step() {
    auto rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(rc);
  }

  /// Runs a statement that returns no rows.
  void run() {
    while (step()) {
      // nop
    }
  }

  int64_t int64(int col) {
    return sqlite3_column_int64(stmt_, col);
  }

  bool is_null(int col) {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }

  std::string text(int col) {
    auto str = sqlite3_column_text(stmt_, col);
    auto len = sqlite3_column_bytes(stmt_, col);
    if (str == nullptr) return {};
    return std::string{reinterpret_cast<const char*>(str),
                       static_cast<size_t>(len)};
  }

  /// Ends the current run: drops its read lock and its bindings.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

private:
  void check(int rc) {
    if (rc != SQLITE_OK) db_.fail(rc);
  }

  database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

namespace {

// Resets a cached statement when the operation using it ends, so it never
// keeps a read transaction open (that would stall WAL checkpoints).
template<class Statement>
class query {
public:
  explicit query(Statement& st) : st_(st) {
    // nop
  }

  ~query() {
    st_.reset();
  }

  Statement* operator->() {
    return &st_;
  }

  Statement& operator*() {
    return st_;
  }

private:
  Statement& st_;
};

} // namespace

// Arms the statement deadline for one operation (which may span several
// statements, e.g. a transaction).
struct database::op_guard {
  explicit op_guard(database& db) : db_(db) {
    db.deadline_ = std::chrono::steady_clock::now() + db.op_timeout_;
    db.deadline_armed_ = true;
  }

  ~op_guard() {
    db_.deadline_armed_ = false;
  }

  database& db_;
};

namespace {

// BEGIN IMMEDIATE ... COMMIT; rolled back unless committed.
class transaction {
public:
  transaction(sqlite3* db, std::function<void(const char*)> exec)
    : db_(db), exec_(std::move(exec)) {
    exec_("BEGIN IMMEDIATE");
  }

  ~transaction() {
    if (!sqlite3_get_autocommit(db_))
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  void commit() {
    exec_("COMMIT");
  }

private:
  sqlite3* db_;
  std::function<void(const char*)> exec_;
};

} // namespace

// -- constructors, destructors, and assignment operators ----------------------

database::database(std::string path, std::chrono::milliseconds op_timeout)
  : path_(std::move(path)), op_timeout_(op_timeout) {
  auto dir = fs::path{path_}.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      throw database_error(path_, "cannot create directory " + dir.string()
                                    + ": " + ec.message());
  }
  auto rc = sqlite3_open_v2(
    path_.c_str(), &db_,
    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    auto err = db_ ? sqlite3_system_errno(db_) : 0;
    if (err != 0) msg += std::string{" ("} + std::strerror(err) + ")";
    sqlite3_close(db_);
    db_ = nullptr;
    throw database_error(path_, msg, rc);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(op_timeout_.count()));
    sqlite3_progress_handler(db_, progress_period, &database::on_progress,
                             this);
    op_guard guard{*this};
    // The first read of the file: garbage bytes fail here.
    statement wal{*this, "PRAGMA journal_mode=WAL", false};
    std::string mode;
    if (wal.step()) mode = wal.text(0);
    wal.reset();
    if (mode != "wal")
      throw database_error(path_, "cannot switch to WAL mode (journal mode "
                                  "is `"
                                    + mode
                                    + "`); is the directory "
                                      "writable?");
    // In WAL mode, NORMAL syncs at checkpoints only: a committed
    // transaction survives a crash or kill of the process; only a power
    // loss or OS crash may lose the last ones.
    exec("PRAGMA synchronous=NORMAL");
    migrate();
  } catch (...) {
    cache_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

database::~database() {
  cache_.clear();
  if (db_) sqlite3_close(db_);
}

// -- internals ----------------------------------------------------------------

void database::fail(int rc, const std::string& context) {
  std::string msg;
  if ((rc & 0xff) == SQLITE_INTERRUPT)
    msg = "statement aborted after its deadline of "
          + std::to_string(op_timeout_.count()) + "ms";
  else if ((rc & 0xff) == SQLITE_BUSY)
    msg = "database is locked by another connection (waited "
          + std::to_string(op_timeout_.count()) + "ms)";
  else
    msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (!context.empty()) msg = context + ": " + msg;
  throw database_error(path_, msg, rc);
}

int database::on_progress(void* ptr) {
  auto self = static_cast<database*>(ptr);
  return self->deadline_armed_
             && std::chrono::steady_clock::now() > self->deadline_
           ? 1
           : 0;
}

void database::exec(const char* sql) {
  char* err = nullptr;
  auto rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    if ((rc & 0xff) == SQLITE_INTERRUPT || (rc & 0xff) == SQLITE_BUSY) fail(rc);
    throw database_error(path_, msg, rc);
  }
}

database::statement& database::prepared(const char* sql) {
  for (auto& [key, st] : cache_)
    if (key == sql) return *st;
  cache_.emplace_back(sql, std::make_unique<statement>(*this, sql));
  return *cache_.back().second;
}

void database::migrate() {
  auto version = user_version();
  if (version > schema_version)
    throw database_error(path_, "schema version " + std::to_string(version)
                                  + " is newer than this tetherd knows ("
                                  + std::to_string(schema_version)
                                  + "); run a newer tetherd or move the "
                                    "file away");
  auto exec_fn = [this](const char* sql) {
    exec(sql);
  };
  for (auto v = version; v < schema_version; ++v) {
    transaction tx{db_, exec_fn};
    exec(migrations[v]);
    auto pragma = "PRAGMA user_version=" + std::to_string(v + 1);
    exec(pragma.c_str());
    tx.commit();
  }
}

int database::user_version() {
  op_guard guard{*this};
  query q{prepared("PRAGMA user_version")};
  return q->step() ? static_cast<int>(q->int64(0)) : 0;
}

// -- outbox -------------------------------------------------------------------

uint64_t database::put(const outbox_entry& x) {
  op_guard guard{*this};
  transaction tx{db_, [this](const char* sql) {
                   exec(sql);
                 }};
  {
    query ins{prepared(
      "INSERT INTO outbox (platform, bot, room_id, thread_id, guild_id, "
      "reply_to, text, seq, idempotency_key, created_ms, deadline_ms, "
      "attempts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL "
      "DO NOTHING")};
    ins->bind(1, x.platform)
      .bind(2, x.bot)
      .bind(3, x.room_id)
      .bind(4, x.thread_id)
      .bind(5, x.guild_id)
      .bind(6, x.reply_to)
      .bind(7, x.text)
      .bind(8, int64_t{x.seq})
      .bind(10, x.created_ms)
      .bind(11, x.deadline_ms)
      .bind(12, int64_t{x.attempts});
    if (x.idempotency_key.empty())
      ins->bind_null(9);
    else
      ins->bind(9, x.idempotency_key);
    ins->run();
  }
  uint64_t id = 0;
  if (sqlite3_changes(db_) == 1) {
    id = static_cast<uint64_t>(sqlite3_last_insert_rowid(db_));
  } else {
    query sel{prepared("SELECT id FROM outbox WHERE idempotency_key = ?1")};
    sel->bind(1, x.idempotency_key);
    if (!sel->step())
      throw database_error(path_, "insert of idempotency key `"
                                    + x.idempotency_key
                                    + "` neither added nor found a row");
    id = static_cast<uint64_t>(sel->int64(0));
  }
  tx.commit();
  return id;
}

bool database::mark_sent(uint64_t id, int64_t now_ms) {
  op_guard guard{*this};
  query q{prepared("UPDATE outbox SET state = 'sent', sent_ms = ?2 "
                   "WHERE id = ?1 AND state = 'pending'")};
  q->bind(1, static_cast<int64_t>(id)).bind(2, now_ms).run();
  return sqlite3_changes(db_) == 1;
}

std::optional<uint32_t> database::mark_attempt(uint64_t id,
                                               const std::string& error) {
  op_guard guard{*this};
  query q{prepared("UPDATE outbox SET attempts = attempts + 1, "
                   "last_error = ?2 WHERE id = ?1 AND state = 'pending' "
                   "RETURNING attempts")};
  q->bind(1, static_cast<int64_t>(id)).bind(2, error);
  if (!q->step()) return std::nullopt;
  auto attempts = static_cast<uint32_t>(q->int64(0));
  q->run();
  return attempts;
}

bool database::mark_dropped(uint64_t id, const std::string& reason) {
  op_guard guard{*this};
  query q{prepared("UPDATE outbox SET state = 'dropped', last_error = ?2 "
                   "WHERE id = ?1 AND state = 'pending'")};
  q->bind(1, static_cast<int64_t>(id)).bind(2, reason).run();
  return sqlite3_changes(db_) == 1;
}

namespace {

template<class Statement>
outbox_entry read_entry(Statement& st) {
  outbox_entry x;
  x.id = static_cast<uint64_t>(st.int64(0));
  x.platform = st.text(1);
  x.bot = st.text(2);
  x.room_id = st.text(3);
  x.thread_id = st.text(4);
  x.guild_id = st.text(5);
  x.reply_to = st.text(6);
  x.text = st.text(7);
  x.seq = static_cast<uint32_t>(st.int64(8));
  x.idempotency_key = st.text(9);
  x.created_ms = st.int64(10);
  x.deadline_ms = st.int64(11);
  x.attempts = static_cast<uint32_t>(st.int64(12));
  x.state = parse_state(st.text(13));
  x.last_error = st.text(14);
  x.sent_ms = st.int64(15);
  return x;
}

} // namespace

std::vector<outbox_entry> database::pending(size_t limit, uint64_t after_id) {
  static const std::string sql = std::string{"SELECT "} + outbox_columns
                                 + " FROM outbox WHERE state = 'pending' "
                                   "AND id > ?1 ORDER BY id LIMIT ?2";
  op_guard guard{*this};
  query q{prepared(sql.c_str())};
  q->bind(1, static_cast<int64_t>(after_id))
    .bind(2, static_cast<int64_t>(limit));
  std::vector<outbox_entry> result;
  while (q->step())
    result.push_back(read_entry(*q));
  return result;
}

std::optional<outbox_entry> database::get(uint64_t id) {
  static const std::string sql = std::string{"SELECT "} + outbox_columns
                                 + " FROM outbox WHERE id = ?1";
  op_guard guard{*this};
  query q{prepared(sql.c_str())};
  q->bind(1, static_cast<int64_t>(id));
  if (!q->step()) return std::nullopt;
  return read_entry(*q);
}

uint64_t database::depth() {
  op_guard guard{*this};
  query q{prepared("SELECT count(*) FROM outbox WHERE state = 'pending'")};
  return q->step() ? static_cast<uint64_t>(q->int64(0)) : 0;
}

prune_result database::prune_outbox(int64_t now_ms, int64_t keep_finished_ms,
                                    uint64_t max_rows) {
  prune_result result;
  op_guard guard{*this};
  transaction tx{db_, [this](const char* sql) {
                   exec(sql);
                 }};
  {
    query q{prepared("DELETE FROM outbox WHERE state != 'pending' "
                     "AND max(sent_ms, created_ms) < ?1")};
    q->bind(1, now_ms - keep_finished_ms).run();
    result.finished += static_cast<uint64_t>(sqlite3_changes(db_));
  }
  uint64_t rows = 0;
  {
    query q{prepared("SELECT count(*) FROM outbox")};
    if (q->step()) rows = static_cast<uint64_t>(q->int64(0));
  }
  if (rows > max_rows) {
    auto excess = static_cast<int64_t>(rows - max_rows);
    {
      query q{prepared("DELETE FROM outbox WHERE id IN (SELECT id FROM "
                       "outbox WHERE state != 'pending' ORDER BY id "
                       "LIMIT ?1)")};
      q->bind(1, excess).run();
      auto n = sqlite3_changes(db_);
      result.finished += static_cast<uint64_t>(n);
      excess -= n;
    }
    if (excess > 0) {
      query q{prepared("DELETE FROM outbox WHERE id IN (SELECT id FROM "
                       "outbox WHERE state = 'pending' ORDER BY id "
                       "LIMIT ?1)")};
      q->bind(1, excess).run();
      result.pending += static_cast<uint64_t>(sqlite3_changes(db_));
    }
  }
  tx.commit();
  return result;
}

// -- seen ---------------------------------------------------------------------

bool database::check_and_insert(const std::string& key, int64_t ttl_ms,
                                int64_t now_ms) {
  op_guard guard{*this};
  // One statement, so no other writer can slip in between the check and
  // the insert; an expired key counts as new and is renewed.
  query q{prepared("INSERT INTO seen (key, expires_ms) VALUES (?1, ?2) "
                   "ON CONFLICT (key) DO UPDATE SET expires_ms = "
                   "excluded.expires_ms WHERE seen.expires_ms <= ?3")};
  q->bind(1, key).bind(2, now_ms + ttl_ms).bind(3, now_ms).run();
  return sqlite3_changes(db_) == 1;
}

void database::remember(const std::vector<std::string>& keys, int64_t ttl_ms,
                        int64_t now_ms) {
  if (keys.empty()) return;
  op_guard guard{*this};
  transaction tx{db_, [this](const char* sql) {
                   exec(sql);
                 }};
  for (auto& key : keys) {
    query q{prepared("INSERT INTO seen (key, expires_ms) VALUES (?1, ?2) "
                     "ON CONFLICT (key) DO UPDATE SET expires_ms = "
                     "excluded.expires_ms")};
    q->bind(1, key).bind(2, now_ms + ttl_ms).run();
  }
  tx.commit();
}

std::vector<std::string> database::recent_seen(size_t limit, int64_t now_ms) {
  std::vector<std::string> out;
  op_guard guard{*this};
  query q{prepared("SELECT key FROM seen WHERE expires_ms > ?1 "
                   "ORDER BY expires_ms DESC LIMIT ?2")};
  q->bind(1, now_ms).bind(2, static_cast<int64_t>(limit));
  while (q->step())
    out.push_back(q->text(0));
  return out;
}

uint64_t database::prune_seen(int64_t now_ms, uint64_t max_keys) {
  uint64_t removed = 0;
  op_guard guard{*this};
  transaction tx{db_, [this](const char* sql) {
                   exec(sql);
                 }};
  {
    query q{prepared("DELETE FROM seen WHERE expires_ms <= ?1")};
    q->bind(1, now_ms).run();
    removed += static_cast<uint64_t>(sqlite3_changes(db_));
  }
  uint64_t keys = 0;
  {
    query q{prepared("SELECT count(*) FROM seen")};
    if (q->step()) keys = static_cast<uint64_t>(q->int64(0));
  }
  if (keys > max_keys) {
    query q{prepared("DELETE FROM seen WHERE key IN (SELECT key FROM seen "
                     "ORDER BY expires_ms LIMIT ?1)")};
    q->bind(1, static_cast<int64_t>(keys - max_keys)).run();
    removed += static_cast<uint64_t>(sqlite3_changes(db_));
  }
  tx.commit();
  return removed;
}

uint64_t database::seen_count() {
  op_guard guard{*this};
  query q{prepared("SELECT count(*) FROM seen")};
  return q->step() ? static_cast<uint64_t>(q->int64(0)) : 0;
}

// -- sessions -----------------------------------------------------------------

void database::put_session(const std::string& key, const std::string& value,
                           int64_t now_ms) {
  op_guard guard{*this};
  query q{prepared("INSERT INTO sessions (key, value, updated_ms) "
                   "VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET "
                   "value = excluded.value, updated_ms = excluded.updated_ms")};
  q->bind(1, key).bind(2, value).bind(3, now_ms).run();
}

std::optional<std::string> database::get_session(const std::string& key) {
  op_guard guard{*this};
  query q{prepared("SELECT value FROM sessions WHERE key = ?1")};
  q->bind(1, key);
  if (!q->step()) return std::nullopt;
  return q->text(0);
}

bool database::erase_session(const std::string& key) {
  op_guard guard{*this};
  query q{prepared("DELETE FROM sessions WHERE key = ?1")};
  q->bind(1, key).run();
  return sqlite3_changes(db_) == 1;
}

std::vector<std::pair<std::string, std::string>>
database::sessions_with_prefix(const std::string& prefix) {
  // A key range instead of LIKE/GLOB: no escaping, and it uses the key.
  auto end = prefix_end(prefix);
  op_guard guard{*this};
  query q{prepared(end.empty()
                     ? "SELECT key, value FROM sessions WHERE key >= ?1 "
                       "ORDER BY key"
                     : "SELECT key, value FROM sessions WHERE key >= ?1 "
                       "AND key < ?2 ORDER BY key")};
  q->bind(1, prefix);
  if (!end.empty()) q->bind(2, end);
  std::vector<std::pair<std::string, std::string>> result;
  while (q->step())
    result.emplace_back(q->text(0), q->text(1));
  return result;
}

// -- observers ----------------------------------------------------------------

database_stats database::stats() {
  database_stats result;
  {
    op_guard guard{*this};
    query q{prepared("SELECT state, count(*) FROM outbox GROUP BY state")};
    while (q->step()) {
      auto n = static_cast<uint64_t>(q->int64(1));
      switch (parse_state(q->text(0))) {
        case outbox_state::pending: result.pending = n; break;
        case outbox_state::sent: result.sent = n; break;
        case outbox_state::dropped: result.dropped = n; break;
      }
    }
  }
  result.seen = seen_count();
  {
    op_guard guard{*this};
    query q{prepared("SELECT count(*) FROM sessions")};
    if (q->step()) result.sessions = static_cast<uint64_t>(q->int64(0));
  }
  for (auto suffix : {"", "-wal"}) {
    std::error_code ec;
    auto size = fs::file_size(path_ + suffix, ec);
    if (!ec) result.bytes += size;
  }
  return result;
}

std::optional<int64_t> database::scalar(const std::string& sql) {
  op_guard guard{*this};
  statement st{*this, sql.c_str(), false};
  if (!st.step()) return std::nullopt;
  auto result = st.int64(0);
  st.reset();
  return result;
}

} // namespace tether::store
