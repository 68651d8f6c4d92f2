#define CAF_SUITE protocols.discord.sharding

#include "protocols/discord/sharding.hpp"

#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether::discord;

CAF_TEST(a guild maps to its shard by the snowflake timestamp) {
  // 41771983423143937 >> 22 = 9959216934 (computed independently).
  uint64_t guild = 41771983423143937;
  CAF_CHECK_EQUAL(shard_for_guild(guild, 1), 0u);
  CAF_CHECK_EQUAL(shard_for_guild(guild, 9), 3u);
  CAF_CHECK_EQUAL(shard_for_guild(guild, 16), 6u);
  // The low 22 bits never matter.
  CAF_CHECK_EQUAL(shard_for_guild((uint64_t{5} << 22) | 0x3fffff, 4), 1u);
  CAF_CHECK_EQUAL(shard_for_guild(uint64_t{5} << 22, 4), 1u);
  CAF_CHECK_EQUAL(shard_for_guild(~uint64_t{0}, 1000), 103u);
}

CAF_TEST(no guild and no shard count go to shard zero) {
  CAF_CHECK_EQUAL(shard_for_guild(0, 8), 0u);
  CAF_CHECK_EQUAL(shard_for_guild(41771983423143937, 0), 0u);
}

CAF_TEST(32 shards at max_concurrency 16 form 16 buckets and 2 rounds) {
  std::vector<uint32_t> buckets;
  std::vector<uint32_t> rounds;
  for (uint32_t shard = 0; shard < 32; ++shard) {
    buckets.push_back(identify_bucket(shard, 16));
    rounds.push_back(identify_round(shard, 16));
  }
  std::vector<uint32_t> want_buckets;
  std::vector<uint32_t> want_rounds;
  for (uint32_t i = 0; i < 32; ++i) {
    want_buckets.push_back(i % 16);
    want_rounds.push_back(i < 16 ? 0 : 1);
  }
  CAF_CHECK_EQUAL(buckets, want_buckets);
  CAF_CHECK_EQUAL(rounds, want_rounds);
  // Shards 0 and 16 share a bucket, so 16 waits for 0.
  CAF_CHECK_EQUAL(identify_bucket(0, 16), identify_bucket(16, 16));
  CAF_CHECK_NOT_EQUAL(identify_bucket(15, 16), identify_bucket(16, 16));
}

CAF_TEST(max_concurrency one serializes every shard) {
  for (uint32_t shard = 0; shard < 5; ++shard) {
    CAF_CHECK_EQUAL(identify_bucket(shard, 1), 0u);
    CAF_CHECK_EQUAL(identify_round(shard, 1), shard);
  }
  CAF_CHECK_EQUAL(identify_bucket(7, 0), 0u);
  CAF_CHECK_EQUAL(identify_round(7, 0), 7u);
}

CAF_TEST(max_concurrency above the shard count starts all at once) {
  for (uint32_t shard = 0; shard < 4; ++shard) {
    CAF_CHECK_EQUAL(identify_bucket(shard, 16), shard);
    CAF_CHECK_EQUAL(identify_round(shard, 16), 0u);
  }
}
