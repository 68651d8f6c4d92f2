// The gateway connection of one shard (Discord, QQ): a thin state machine
// over the platform's dialect (dialect.hpp). It resumes when its slot holds
// a session, identifies through the identify_queue otherwise, passes
// dispatches through the dialect to the router, and ends with a reason the
// supervisor can act on: resumable, re-identify, or fatal.

#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/gateway/bot_state.hpp"
#include "actors/runtime.hpp"

namespace tether::gateway {

caf::actor spawn_connection(caf::local_actor* parent, runtime_ptr rt,
                            bot_ptr bot, uint32_t shard, std::string path);

} // namespace tether::gateway
