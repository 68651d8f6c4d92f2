// The SQLite file behind the store: the outbox of replies, the keys of
// inbound messages already seen, and gateway sessions to resume.
//
// A plain class, blocking on local disk: only the store actor (a detached
// actor with its own thread) uses it. Every operation is bounded: waiting
// for a lock by `busy_timeout`, running a statement by a deadline after
// which SQLite aborts it. Times are passed in so tests control them.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "actors/store/outbox_entry.hpp"

struct sqlite3;

namespace tether::store {

/// Any failure of the database. what() names the file and carries SQLite's
/// message, e.g. `/var/lib/tether/tether.db: file is not a database`.
class database_error : public std::runtime_error {
public:
  database_error(const std::string& path, const std::string& what,
                 int code = 0);

  /// The SQLite result code (extended), 0 if the error is not SQLite's.
  int code() const {
    return code_;
  }

  /// The statement ran past its deadline and was aborted, or another
  /// connection held the lock for longer than the deadline.
  bool timed_out() const;

  /// The file is damaged or not a database: retrying cannot help.
  bool corrupt() const;

private:
  int code_;
};

/// Sizes of what the database holds.
struct database_stats {
  uint64_t pending = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t seen = 0;
  uint64_t sessions = 0;
  /// The main file plus its write-ahead log.
  uint64_t bytes = 0;
};

/// What prune() removed.
struct prune_result {
  /// Sent and dropped rows past their horizon or beyond the bound.
  uint64_t finished = 0;
  /// Pending rows removed because the table was full of them.
  uint64_t pending = 0;
  /// Expired or excess dedupe keys.
  uint64_t seen = 0;
};

class database {
public:
  // -- constants
  // ---------------------------------------------------------------

  /// The schema this code reads and writes (PRAGMA user_version).
  static constexpr int schema_version = 1;

  // -- constructors, destructors, and assignment operators --------------------

  /// Opens or creates the file (and its directory), switches it to WAL,
  /// and migrates the schema. Throws database_error naming `path` when the
  /// file cannot be opened or written, is not a database, or has a newer
  /// schema than this code knows.
  explicit database(std::string path, std::chrono::milliseconds op_timeout
                                      = std::chrono::seconds{2});

  ~database();

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // -- properties
  // --------------------------------------------------------------

  const std::string& path() const {
    return path_;
  }

  /// PRAGMA user_version of the open file.
  int user_version();

  // -- outbox
  // ------------------------------------------------------------------

  /// Adds `x` as pending (x.id and x.state are ignored) in one committed
  /// transaction, and returns its id. With a non-empty idempotency key
  /// that is already present, returns the existing row's id instead.
  uint64_t put(const outbox_entry& x);

  /// Marks a row sent at `now_ms`; false if no pending row has this id.
  bool mark_sent(uint64_t id, int64_t now_ms);

  /// Counts a failed attempt of a pending row; returns its attempts now,
  /// or nullopt if no pending row has this id.
  std::optional<uint32_t> mark_attempt(uint64_t id, const std::string& error);

  /// Gives up on a pending row; false if no pending row has this id.
  bool mark_dropped(uint64_t id, const std::string& reason);

  /// Up to `limit` pending rows, oldest (lowest id) first, starting after
  /// `after_id` (for paging).
  std::vector<outbox_entry> pending(size_t limit, uint64_t after_id = 0);

  /// Any row by id.
  std::optional<outbox_entry> get(uint64_t id);

  /// Number of pending rows.
  uint64_t depth();

  /// Deletes sent and dropped rows whose last change (sent_ms, else
  /// created_ms) is older than `now_ms - keep_finished_ms`, then the
  /// oldest rows beyond `max_rows`: finished ones first, pending ones
  /// only when pending rows alone exceed the bound.
  prune_result prune_outbox(int64_t now_ms, int64_t keep_finished_ms,
                            uint64_t max_rows);

  // -- seen (inbound dedupe)
  // ---------------------------------------------------

  /// Atomically: true if `key` is new or its previous entry expired (the
  /// key is then remembered until `now_ms + ttl_ms`), false if it is a
  /// duplicate.
  bool check_and_insert(const std::string& key, int64_t ttl_ms, int64_t now_ms);

  /// Remembers every key of `keys` until `now_ms + ttl_ms` (one
  /// transaction; known keys are renewed).
  void remember(const std::vector<std::string>& keys, int64_t ttl_ms,
                int64_t now_ms);

  /// Unexpired keys, the most recently remembered first, at most `limit`.
  std::vector<std::string> recent_seen(size_t limit, int64_t now_ms);

  /// Deletes expired keys, then the soonest-to-expire beyond `max_keys`.
  uint64_t prune_seen(int64_t now_ms, uint64_t max_keys);

  uint64_t seen_count();

  // -- sessions (gateway resume)
  // -----------------------------------------------

  void put_session(const std::string& key, const std::string& value,
                   int64_t now_ms);

  std::optional<std::string> get_session(const std::string& key);

  /// False if there was no such session.
  bool erase_session(const std::string& key);

  /// (key, value) of every session whose key starts with `prefix`, by key.
  std::vector<std::pair<std::string, std::string>>
  sessions_with_prefix(const std::string& prefix);

  // -- observers
  // ---------------------------------------------------------------

  database_stats stats();

  /// Runs one SQL statement and returns the first column of its first row
  /// as an integer (nullopt: no row). Under the same deadline as every
  /// other operation; for inspection and tests.
  std::optional<int64_t> scalar(const std::string& sql);

private:
  class statement;
  friend class statement;
  struct op_guard;

  [[noreturn]] void fail(int rc, const std::string& context = {});
  void exec(const char* sql);
  statement& prepared(const char* sql);
  void migrate();
  void begin_op();
  static int on_progress(void* self);

  std::string path_;
  std::chrono::milliseconds op_timeout_;
  sqlite3* db_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  bool deadline_armed_ = false;
  std::vector<std::pair<const char*, std::unique_ptr<statement>>> cache_;
};

} // namespace tether::store
