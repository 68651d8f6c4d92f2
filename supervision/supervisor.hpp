// The supervisor actor: OTP restart semantics plus backoff and parking.
//
// A supervisor monitors and links its children, keeps their handles, and
// decides on every exit from the child's restart type, the exit reason and
// the child's policy. All timers are actor timers carrying a token, so a
// stale timer is ignored and the CAF test DSL can drive everything in
// virtual time.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "supervision/child_spec.hpp"
#include "supervision/event.hpp"
#include "supervision/policy.hpp"

namespace tether::supervision {

struct supervisor_flags {
  strategy strat = strategy::one_for_one;
  /// Node path of the supervisor itself (`root`, `platforms`, ...).
  std::string path;
  /// Seed for backoff jitter; nullopt draws one from random_device.
  std::optional<uint64_t> seed;
  /// Where events go; nullptr inherits the parent's, or logs.
  std::shared_ptr<const event_sink> events;
  /// When a child exits with a fatal reason, stop everything and exit with
  /// that reason so that the parent parks this whole subtree.
  bool escalate_fatal = false;
  /// Deadline for a child supervisor's snapshot answer.
  duration snapshot_timeout = std::chrono::seconds{1};
};

/// Spawns a supervisor with the given initial children, started in order.
/// `parent` (optional) receives `ready_atom` once every initial child has
/// left the `starting` state.
caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_flags flags,
                            std::vector<child_spec> children,
                            caf::actor parent = {});

/// A child spec that starts a nested supervisor. Its path and event sink
/// come from the parent at each start.
child_spec supervisor_spec(std::string id, supervisor_flags flags,
                           std::vector<child_spec> children,
                           restart_policy policy = {});

/// Computes a supervisor's children at each of its starts.
using children_factory = std::function<std::vector<child_spec>()>;

/// Like above, but the children are computed at each start, so a restarted
/// supervisor starts from the configuration in force at that moment.
child_spec supervisor_spec(std::string id, supervisor_flags flags,
                           children_factory children,
                           restart_policy policy = {});

/// Sends `ready_atom` to the supervisor that started `ctx`'s child, from
/// inside the child (for specs with `signals_ready`).
void report_ready(caf::local_actor* self, const caf::actor& supervisor);

} // namespace tether::supervision
