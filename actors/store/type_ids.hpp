// Message types and atoms of the store (`core/store`).

#pragma once

#include <vector>

#include <caf/type_id.hpp>

#include "actors/ingress/type_ids.hpp"
#include "actors/store/outbox_entry.hpp"
#include "actors/store/store_stats.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_store, caf::id_block::tether_ingress::end)

  CAF_ADD_TYPE_ID(tether_store, (tether::store::outbox_entry))
  CAF_ADD_TYPE_ID(tether_store, (std::vector<tether::store::outbox_entry>))
  CAF_ADD_TYPE_ID(tether_store, (tether::store::store_stats))

  /// Request (outbox_entry) -> uint64_t id, once the row is committed.
  CAF_ADD_ATOM(tether_store, tether::store, store_put_atom, "stput")
  /// (uint64_t id): the platform accepted the reply.
  CAF_ADD_ATOM(tether_store, tether::store, store_sent_atom, "stsent")
  /// (uint64_t id, std::string error, bool permanent): an attempt failed;
  /// permanent (or out of attempts) drops the row.
  CAF_ADD_ATOM(tether_store, tether::store, store_failed_atom, "stfailed")
  /// Request -> std::vector<outbox_entry>: the pending rows, oldest first.
  CAF_ADD_ATOM(tether_store, tether::store, store_pending_atom, "stpending")
  /// Request (std::string key, int64_t ttl_ms) -> bool first_time.
  CAF_ADD_ATOM(tether_store, tether::store, store_seen_atom, "stseen")
  /// Request (std::string key) -> std::string value, empty if none.
  CAF_ADD_ATOM(tether_store, tether::store, store_session_get_atom, "stsessget")
  /// Request (std::string key, std::string value) -> true once committed.
  CAF_ADD_ATOM(tether_store, tether::store, store_session_put_atom, "stsessput")
  /// Request (std::string key) -> bool existed.
  CAF_ADD_ATOM(tether_store, tether::store, store_session_erase_atom,
               "stsessdel")
  /// Request (std::string prefix) -> std::map<std::string, std::string>.
  CAF_ADD_ATOM(tether_store, tether::store, store_sessions_atom, "stsesslist")
  /// Request -> store_stats.
  CAF_ADD_ATOM(tether_store, tether::store, store_stats_atom, "ststats")
  /// Store -> itself: time to prune.
  CAF_ADD_ATOM(tether_store, tether::store, store_prune_atom, "stprune")

  /// Send (std::vector<std::string> keys, int64_t ttl_ms): remember
  /// inbound message keys (the router's dedupe), in one transaction.
  CAF_ADD_ATOM(tether_store, tether::store, store_remember_atom, "stremember")
  /// Request (uint64_t limit) -> std::vector<std::string>: unexpired
  /// keys, most recent first.
  CAF_ADD_ATOM(tether_store, tether::store, store_recent_seen_atom, "strecent")
CAF_END_TYPE_ID_BLOCK(tether_store)
