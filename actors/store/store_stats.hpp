// The store's answer to store_stats_atom.

#pragma once

#include <cstdint>

#include <caf/meta/type_name.hpp>

namespace tether::store {

struct store_stats {
  /// Outbox rows by state.
  uint64_t pending = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  /// Dedupe keys remembered.
  uint64_t seen = 0;
  /// Gateway sessions saved.
  uint64_t sessions = 0;
  /// Size of the database file plus its write-ahead log.
  uint64_t db_bytes = 0;
};

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, store_stats& x) {
  return f(caf::meta::type_name("store_stats"), x.pending, x.sent, x.dropped,
           x.seen, x.sessions, x.db_bytes);
}

} // namespace tether::store
