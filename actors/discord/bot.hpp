// The node of one Discord bot (DESIGN.md):
//
//   discord:NAME           one_for_one, escalate_fatal
//   ├── rest               the sender (rate limits, 429s, nonces)
//   ├── identify_queue     shard plan, identify pacing, daily budget
//   └── shards             one_for_one, escalate_fatal
//       └── shard:N        one_for_all, escalate_fatal
//           ├── connection WS session, decode, dispatch, resume state
//           └── heartbeat  jittered first beat, ACK tracking, zombie exit
//
// identify_queue and shards are the shared gateway machinery
// (actors/gateway); Discord brings its dialect and its REST sender. A fatal
// reason anywhere below (a rejected token, disallowed intents, a budget
// that cannot cover the shards) parks the whole bot with it.

#pragma once

#include <vector>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::discord {

supervision::child_spec bot_spec(runtime_ptr rt,
                                 const config::tether_config& cfg,
                                 const config::platform_entry& entry);

supervision::child_spec webhook_spec(runtime_ptr rt,
                                     const config::tether_config& cfg,
                                     const config::platform_entry& entry);

/// Checks what only the Discord layer knows (intent names); each error is
/// `FILE:LINE:COL: key.path: message` like the loader's.
std::vector<config::error> validate(const config::tether_config& cfg);

} // namespace tether::discord
