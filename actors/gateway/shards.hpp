// The gateway part of a bot's node, the same for every Discord-shaped
// gateway platform (DESIGN.md):
//
//   identify_queue     shard plan, identify pacing, daily budget
//   shards             one_for_one, escalate_fatal
//   └── shard:N        one_for_all, escalate_fatal
//       ├── connection WS session, decode, dispatch, resume state
//       └── heartbeat  jittered first beat, ACK tracking, zombie exit
//
// A platform's bot node puts its own children (REST sender, token
// refresher) before these two.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/gateway/bot_state.hpp"
#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"
#include "supervision/supervisor.hpp"

namespace tether::gateway {

/// Supervisor flags of gateway nodes: a fatal reason (rejected token,
/// disallowed intents) goes up and parks the whole bot.
supervision::supervisor_flags gateway_flags(supervision::strategy strat);

/// The one_for_all unit `shard:N` (connection + heartbeat) of the bot whose
/// node path is `bot_path`.
supervision::child_spec shard_unit(runtime_ptr rt, bot_ptr bot, uint32_t shard,
                                   const config::tether_config& cfg,
                                   const std::string& bot_path);

/// `identify_queue` and `shards`, in this order.
std::vector<supervision::child_spec>
gateway_children(runtime_ptr rt, bot_ptr bot, const config::tether_config& cfg,
                 const std::string& bot_path);

} // namespace tether::gateway
