// Shard routing and identify ordering (PROTOCOLS.md §1.9).

#pragma once

#include <cstdint>

namespace tether::discord {

/// The shard that receives a guild's events: `(guild_id >> 22) % count`.
/// Events without a guild go to shard 0, as does everything when
/// `shard_count` is 0 (treated as unsharded).
uint32_t shard_for_guild(uint64_t guild_id, uint32_t shard_count);

/// The identify rate-limit key: `shard_id % max_concurrency`. Shards with
/// different keys may identify within the same 5 s; shards sharing a key
/// must wait for each other. `max_concurrency` 0 is treated as 1.
uint32_t identify_bucket(uint32_t shard_id, uint32_t max_concurrency);

/// Which 5-second round a shard identifies in when starting every shard in
/// order (`shard_id / max_concurrency`): with 32 shards and concurrency 16,
/// shards 0-15 start in round 0 and 16-31 in round 1.
uint32_t identify_round(uint32_t shard_id, uint32_t max_concurrency);

} // namespace tether::discord
