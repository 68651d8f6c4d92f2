// Starts a child spec outside a supervisor, the way a supervisor would:
// from inside a parent actor, with a child_context.

#pragma once

#include <string>

#include "caf/test/dsl.hpp"

#include "supervision/child_spec.hpp"

namespace tether::test {

/// Runs `spec.start` inside a short-lived parent actor and returns the
/// child's handle. Drives the test scheduler until the handle is known.
template <class Fixture>
caf::actor start_child(Fixture& fix, supervision::child_spec spec,
                       const std::string& path) {
  auto me = caf::actor_cast<caf::actor>(fix.self);
  // CAF 0.17 binds a reference to a null argument tuple when a function
  // actor takes no arguments (UBSan reports it), hence the unused `int`.
  fix.sys.spawn([spec, path, me](caf::event_based_actor* parent, int) {
    supervision::child_context ctx;
    ctx.parent = parent;
    ctx.path = path;
    ctx.policy = spec.policy;
    parent->send(me, spec.start(ctx));
  }, 0);
  fix.sched.run();
  caf::actor result;
  fix.self->receive([&](caf::actor& hdl) { result = hdl; },
                    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_REQUIRE(result);
  return result;
}

} // namespace tether::test
