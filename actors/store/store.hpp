// The store actor (`core/store`): owns the SQLite database (outbox, inbound
// dedupe keys, gateway sessions) and answers the messages declared in
// actors/store/type_ids.hpp. SQLite calls block on local disk, so the
// actor is spawned detached, on its own thread, never on a scheduler
// worker.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "actors/runtime.hpp"
#include "supervision/child_spec.hpp"

namespace tether::store {

/// Errors the store answers requests with (category `store`).
enum class store_errc : uint8_t {
  none = 0,
  /// SQLite failed (disk full, I/O error, ...); the message says why.
  failed,
  /// The operation ran past `op_timeout` (a statement, or a wait for a
  /// lock another process holds) and was aborted.
  timeout,
  /// The file is damaged; the store exits (fatal) after answering.
  corrupt,
};

std::string to_string(store_errc x);

struct store_options {
  /// The database file.
  std::string path;
  /// Deadline of one operation (lock wait and statement each).
  std::chrono::milliseconds op_timeout{2000};
  /// Bound of the outbox table (rows of any state).
  uint64_t outbox_max_rows = 100000;
  /// Sent and dropped rows are kept this long.
  std::chrono::milliseconds keep_sent{std::chrono::hours{24}};
  /// TTL of a dedupe key when a request gives none (ttl_ms <= 0).
  std::chrono::milliseconds seen_ttl{std::chrono::hours{24}};
  /// Bound of the dedupe keys.
  uint64_t seen_max = 1000000;
  /// A row is dropped after this many failed attempts.
  uint32_t max_attempts = 10;
  /// How often the store prunes.
  std::chrono::milliseconds prune_interval{std::chrono::minutes{1}};
  /// Wall clock in ms since the epoch; tests replace it.
  std::function<int64_t()> now_ms;
};

/// The options for the config in force (`store:` section).
store_options make_options(const config::tether_config& cfg);

/// Spawns the store. `detached` is false only in tests that drive it with
/// the CAF test coordinator (which cannot run a detached actor's thread).
/// When the database cannot be opened the actor exits at once with a
/// fatal reason (supervision::make_fatal) naming the file and the cause.
caf::actor spawn_store(caf::actor_system& sys, store_options opts,
                       bool detached = true);

/// Child spec of the store (`core/store`), registered in the directory
/// under its node path. Options come from the config at each start.
supervision::child_spec store_spec(runtime_ptr rt);

} // namespace tether::store

CAF_ERROR_CODE_ENUM(tether::store::store_errc, "store")
