#include "support/supervision_fixture.hpp"

using namespace tether::supervision;
using namespace std::chrono_literals;

namespace tether::test {

caf::behavior probe_worker(caf::event_based_actor* self, bool stubborn) {
  if (stubborn)
    self->set_exit_handler([](caf::exit_msg&) {
      // Ignores every shutdown request; only kill gets through.
    });
  return {
    [=](crash_atom, caf::error& reason) { self->quit(std::move(reason)); },
    [=](caf::ping_atom) { return caf::pong_atom::value; },
  };
}

restart_policy test_policy() {
  restart_policy p;
  p.max_restarts = 3;
  p.within = 60s;
  p.backoff.initial = 100ms;
  p.backoff.multiplier = 2.0;
  p.backoff.max = 1s;
  p.backoff.jitter = 0.0;
  p.backoff.reset_after = 10s;
  p.on_exhausted = exhausted_action::escalate;
  p.cooldown = 1min;
  p.shutdown = 2s;
  return p;
}

supervision_fixture::supervision_fixture()
  : log(std::make_shared<std::vector<supervisor_event>>()) {
  // nop
}

supervision_fixture::~supervision_fixture() {
  if (root)
    caf::anon_send_exit(root, caf::exit_reason::kill);
  sched.run();
}

child_spec supervision_fixture::probe(const std::string& id,
                                      restart_type type,
                                      restart_policy policy, bool stubborn) {
  child_spec spec;
  spec.id = id;
  spec.restart = type;
  spec.policy = policy;
  spec.start = [this, id, stubborn](child_context& ctx) {
    auto hdl = ctx.parent->system().spawn(probe_worker, stubborn);
    live[id] = hdl;
    ++starts[id];
    start_order.push_back(id);
    return hdl;
  };
  return spec;
}

supervisor_flags supervision_fixture::flags(strategy strat) {
  supervisor_flags f;
  f.strat = strat;
  f.path = "root";
  f.seed = 42;
  auto sink_log = log;
  f.events = std::make_shared<const event_sink>(
    [sink_log](const supervisor_event& ev) { sink_log->push_back(ev); });
  return f;
}

caf::actor
supervision_fixture::start_root(strategy strat, std::vector<child_spec> children,
                                 std::optional<supervisor_flags> f) {
  root = spawn_supervisor(sys, f ? *f : flags(strat), std::move(children),
                          self);
  sched.run();
  return root;
}

void supervision_fixture::crash(const std::string& id, caf::error reason) {
  caf::anon_send(live.at(id), crash_atom::value, std::move(reason));
  sched.run();
}

void supervision_fixture::advance(duration d) {
  sched.clock().advance_time(d);
  sched.run();
  // Timers that became due while running (zero delays) fire too; bounded.
  for (int i = 0; i < 100 && sched.clock().advance_time(duration{0}) > 0; ++i)
    sched.run();
}

node_snapshot supervision_fixture::snapshot(const caf::actor& sup) {
  self->send(sup, snapshot_atom::value);
  sched.run();
  node_snapshot result;
  bool got = false;
  self->receive(
    [&](node_snapshot& x) {
      result = std::move(x);
      got = true;
    },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_REQUIRE(got);
  return result;
}

node_snapshot supervision_fixture::child_of(const caf::actor& sup,
                                            const std::string& path) {
  auto tree = snapshot(sup);
  auto node = tree.find(path);
  if (node == nullptr)
    CAF_FAIL("no node " << path << " in:\n" << render_tree(tree));
  return *node;
}

std::vector<std::string>
supervision_fixture::events_of(event_kind kind) const {
  std::vector<std::string> result;
  for (auto& ev : *log)
    if (ev.kind == kind)
      result.push_back(ev.path);
  return result;
}

std::vector<duration> supervision_fixture::restart_delays() const {
  std::vector<duration> result;
  for (auto& ev : *log)
    if (ev.kind == event_kind::restart)
      result.push_back(ev.delay);
  return result;
}

} // namespace tether::test
