// Shared fixture for supervisor tests: probe workers whose every start is
// recorded, a capturing event sink and helpers that drive virtual time.

#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "caf/test/dsl.hpp"

#include "supervision/reason.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/type_ids.hpp"

namespace tether::test {

using crash_atom = caf::atom_constant<caf::atom("crash")>;

/// A worker that exits with the reason it is sent. A stubborn one traps
/// exit messages and ignores them (only `kill` ends it).
caf::behavior probe_worker(caf::event_based_actor* self, bool stubborn);

/// A policy with round numbers so tests can name exact times.
supervision::restart_policy test_policy();

struct supervision_fixture : test_coordinator_fixture<> {
  supervision_fixture();
  ~supervision_fixture();

  /// A spec for a probe child; every start is counted in `starts`.
  supervision::child_spec
  probe(const std::string& id,
        supervision::restart_type type = supervision::restart_type::permanent,
        supervision::restart_policy policy = test_policy(),
        bool stubborn = false);

  /// Spawns a supervisor at path `root` with a fixed seed.
  caf::actor
  start_root(supervision::strategy strat,
             std::vector<supervision::child_spec> children,
             std::optional<supervision::supervisor_flags> flags = {});

  supervision::supervisor_flags flags(supervision::strategy strat);

  /// Makes the current incarnation of `id` exit with `reason`.
  void crash(const std::string& id, caf::error reason);

  /// Moves virtual time and runs everything that became due.
  void advance(supervision::duration d);

  supervision::node_snapshot snapshot(const caf::actor& sup);
  supervision::node_snapshot child_of(const caf::actor& sup,
                                      const std::string& path);

  /// Sends a request and returns the error in the answer (none = ok).
  template <class... Ts>
  caf::error ask(const caf::actor& sup, Ts&&... xs) {
    self->send(sup, std::forward<Ts>(xs)...);
    sched.run();
    caf::error result = caf::make_error(caf::sec::request_timeout);
    self->receive([&](caf::ok_atom) { result = caf::error{}; },
                  [&](caf::error& err) { result = std::move(err); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

  /// `kind:path` for every recorded event, in order.
  std::vector<std::string> events_of(supervision::event_kind kind) const;
  std::vector<supervision::duration> restart_delays() const;

  std::shared_ptr<std::vector<supervision::supervisor_event>> log;
  std::map<std::string, caf::actor> live;
  std::map<std::string, int> starts;
  std::vector<std::string> start_order;
  caf::actor root;
};

} // namespace tether::test
