// What a supervisor needs to know to start, restart and stop one child.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "supervision/event.hpp"
#include "supervision/policy.hpp"

namespace tether::supervision {

/// Handed to a start function on every (re)start.
struct child_context {
  /// The supervisor; spawn the child through it.
  caf::local_actor* parent = nullptr;
  /// Full node path of the child, e.g. `platforms/sandbox:console`.
  std::string path;
  /// The policy the supervisor applies to this child.
  restart_policy policy;
  /// The supervisor's event sink, for nested supervisors to share.
  std::shared_ptr<const event_sink> events;
  /// 1 on the first start, then one more per restart.
  uint64_t incarnation = 1;
};

/// Spawns the child; returning an invalid handle or throwing counts as a
/// failed start (reason `start_failed`), which is restarted like an exit.
using start_function = std::function<caf::actor(child_context&)>;

struct child_spec {
  /// Unique among its siblings; the last segment of the node path.
  std::string id;
  start_function start;
  restart_type restart = restart_type::permanent;
  child_kind kind = child_kind::worker;
  /// Restart, backoff, intensity and shutdown policy of this child.
  restart_policy policy;
  /// When true the child is `starting` until it sends `ready_atom` to its
  /// supervisor; otherwise it counts as `running` once spawned.
  bool signals_ready = false;
};

} // namespace tether::supervision
