// The node of one QQ official bot (API v2, PROTOCOLS.md §2):
//
//   qq:NAME                one_for_one, escalate_fatal
//   ├── token              getAppAccessToken, refreshed before expiry
//   ├── rest               passive replies with msg_seq per msg_id
//   ├── identify_queue     shard plan, identify pacing by max_concurrency
//   └── shards             one_for_one, escalate_fatal
//       └── shard:N        one_for_all: connection + heartbeat
//
// The gateway part is the machinery Discord uses (actors/gateway) with
// QQ's dialect. Rejected credentials, fatal close codes (4010-4014,
// 4914/4915) and an exhausted session budget park the bot.

#pragma once

#include <vector>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::qq {

supervision::child_spec bot_spec(runtime_ptr rt,
                                 const config::tether_config& cfg,
                                 const config::platform_entry& entry);

/// Unknown intent names, like discord::validate.
std::vector<config::error> validate(const config::tether_config& cfg);

} // namespace tether::qq
