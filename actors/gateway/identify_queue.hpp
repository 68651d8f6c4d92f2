// One per bot: learns the shard plan from GET /gateway/bot, refuses to
// start shards the daily identify budget cannot cover, starts the shard
// units, and hands out identify slots: one per 5 s per max_concurrency
// bucket (shard_id % max_concurrency), never beyond the daily budget.
// Resumes do not pass through here.

#pragma once

#include <cstdint>
#include <functional>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/gateway/bot_state.hpp"
#include "actors/runtime.hpp"
#include "supervision/child_spec.hpp"

namespace tether::gateway {

using shard_spec_factory = std::function<supervision::child_spec(uint32_t)>;

caf::actor spawn_identify_queue(caf::local_actor* parent, runtime_ptr rt,
                                bot_ptr bot, std::string path,
                                shard_spec_factory make_shard);

} // namespace tether::gateway
