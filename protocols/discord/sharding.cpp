#include "protocols/discord/sharding.hpp"

namespace tether::discord {

uint32_t shard_for_guild(uint64_t guild_id, uint32_t shard_count) {
  if (shard_count == 0) return 0;
  // The low 22 bits of a snowflake are worker/process/increment; the
  // timestamp above them spreads guilds evenly.
  return static_cast<uint32_t>((guild_id >> 22) % shard_count);
}

uint32_t identify_bucket(uint32_t shard_id, uint32_t max_concurrency) {
  return max_concurrency == 0 ? 0 : shard_id % max_concurrency;
}

uint32_t identify_round(uint32_t shard_id, uint32_t max_concurrency) {
  return max_concurrency == 0 ? shard_id : shard_id / max_concurrency;
}

} // namespace tether::discord
