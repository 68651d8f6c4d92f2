// The heartbeat of one shard: the first beat after interval x jitter, then
// one per interval; a beat without an ACK since the previous one means the
// connection is a zombie, and the heartbeat exits with `zombie` so the
// shard unit (one_for_all) restarts and resumes.

#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace tether::gateway {

/// `connection` is the shard's connection actor (started just before).
caf::actor spawn_heartbeat(caf::local_actor* parent, caf::actor connection);

} // namespace tether::gateway
