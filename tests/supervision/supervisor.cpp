#define CAF_SUITE supervision.supervisor

#include "support/supervision_fixture.hpp"

using namespace tether::supervision;
using namespace tether::test;
using namespace std::chrono_literals;

namespace {

caf::error boom() {
  return caf::make_error(caf::sec::runtime_error, "boom");
}

restart_policy with(std::function<void(restart_policy&)> f) {
  auto p = test_policy();
  f(p);
  return p;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, supervision_fixture)

// -- strategies ---------------------------------------------------------------

CAF_TEST(one_for_one restarts only the crashed child after its backoff) {
  start_root(strategy::one_for_one, {probe("a"), probe("b"), probe("c")});
  auto a = live["a"];
  crash("b", boom());
  CAF_CHECK_EQUAL(child_of(root, "root/b").state, node_state::backoff);
  CAF_CHECK_EQUAL(child_of(root, "root/b").next_restart_in_ms, 100);
  advance(99ms);
  CAF_CHECK_EQUAL(starts["b"], 1);
  advance(1ms);
  CAF_CHECK_EQUAL(starts["b"], 2);
  CAF_CHECK_EQUAL(child_of(root, "root/b").state, node_state::running);
  CAF_CHECK_EQUAL(starts["a"], 1);
  CAF_CHECK_EQUAL(starts["c"], 1);
  CAF_CHECK_EQUAL(live["a"], a);
}

CAF_TEST(one_for_all stops all siblings and restarts them in start order) {
  start_root(strategy::one_for_all, {probe("a"), probe("b"), probe("c")});
  start_order.clear();
  crash("b", boom());
  // Siblings were asked to stop (reverse order is not required here, but
  // both must be down before anything restarts).
  CAF_CHECK_EQUAL(events_of(event_kind::stop),
                  (std::vector<std::string>{"root/a", "root/c"}));
  for (auto id : {"a", "b", "c"})
    CAF_CHECK_EQUAL(child_of(root, std::string{"root/"} + id).state,
                    node_state::backoff);
  advance(100ms);
  CAF_CHECK_EQUAL(start_order, (std::vector<std::string>{"a", "b", "c"}));
  for (auto id : {"a", "b", "c"})
    CAF_CHECK_EQUAL(starts[id], 2);
  // One restart counted, on the child that failed.
  CAF_CHECK_EQUAL(child_of(root, "root/b").restarts_total, 1u);
  CAF_CHECK_EQUAL(child_of(root, "root/a").restarts_total, 0u);
}

CAF_TEST(rest_for_one restarts the crashed child and those started after it) {
  start_root(strategy::rest_for_one, {probe("a"), probe("b"), probe("c")});
  start_order.clear();
  crash("b", boom());
  CAF_CHECK_EQUAL(child_of(root, "root/a").state, node_state::running);
  CAF_CHECK_EQUAL(child_of(root, "root/c").state, node_state::backoff);
  advance(100ms);
  CAF_CHECK_EQUAL(start_order, (std::vector<std::string>{"b", "c"}));
  CAF_CHECK_EQUAL(starts["a"], 1);
}

CAF_TEST(one_for_all waits for a slow sibling before restarting the group) {
  auto slow = with([](restart_policy& p) { p.shutdown = 5s; });
  start_root(strategy::one_for_all,
             {probe("a", restart_type::permanent, slow, true), probe("b")});
  crash("b", boom());
  advance(100ms); // backoff over, but `a` ignores its shutdown
  CAF_CHECK_EQUAL(starts["b"], 1);
  advance(5s); // `a` killed after its shutdown timeout
  CAF_CHECK_EQUAL(events_of(event_kind::kill),
                  (std::vector<std::string>{"root/a"}));
  CAF_CHECK_EQUAL(starts["a"], 2);
  CAF_CHECK_EQUAL(starts["b"], 2);
}

CAF_TEST(a failed start inside a group restart reschedules the rest once) {
  int b_starts = 0;
  child_spec b;
  b.id = "b";
  b.policy = test_policy();
  b.start = [&](child_context& ctx) -> caf::actor {
    if (++b_starts == 2)
      throw std::runtime_error("port busy");
    auto hdl = ctx.parent->system().spawn(probe_worker, false);
    live["b"] = hdl;
    return hdl;
  };
  start_root(strategy::one_for_all, {probe("a"), std::move(b), probe("c")});
  crash("a", boom());
  advance(100ms); // a starts, b fails, c must not start in this round
  CAF_CHECK_EQUAL(starts["a"], 2);
  CAF_CHECK_EQUAL(starts["c"], 1);
  CAF_CHECK_EQUAL(child_of(root, "root/c").state, node_state::backoff);
  advance(100ms);
  CAF_CHECK_EQUAL(starts["a"], 3);
  CAF_CHECK_EQUAL(b_starts, 3);
  CAF_CHECK_EQUAL(starts["c"], 2);
  for (auto id : {"a", "b", "c"})
    CAF_CHECK_EQUAL(child_of(root, std::string{"root/"} + id).state,
                    node_state::running);
}

// -- restart types x exit reasons -----------------------------------------------

CAF_TEST(restart types decide on normal abnormal and shutdown reasons) {
  struct row {
    restart_type type;
    caf::error reason;
    bool restarted;
    bool removed;
  };
  std::vector<row> rows{
    {restart_type::permanent, caf::error{}, true, false},
    {restart_type::permanent, boom(), true, false},
    {restart_type::permanent, caf::exit_reason::user_shutdown, true, false},
    {restart_type::transient, caf::error{}, false, false},
    {restart_type::transient, boom(), true, false},
    {restart_type::transient, caf::exit_reason::user_shutdown, false, false},
    {restart_type::temporary, caf::error{}, false, true},
    {restart_type::temporary, boom(), false, true},
    {restart_type::temporary, caf::exit_reason::user_shutdown, false, true},
  };
  for (auto& r : rows) {
    CAF_MESSAGE("type " << to_string(r.type) << ", reason "
                        << describe(r.reason));
    if (root) {
      caf::anon_send_exit(root, caf::exit_reason::kill);
      sched.run();
    }
    starts.clear();
    start_root(strategy::one_for_one, {probe("x", r.type)});
    crash("x", r.reason);
    advance(100ms);
    CAF_CHECK_EQUAL(starts["x"], r.restarted ? 2 : 1);
    auto tree = snapshot(root);
    auto node = tree.find("root/x");
    CAF_CHECK_EQUAL(node == nullptr, r.removed);
    if (node && !r.restarted)
      CAF_CHECK_EQUAL(node->state, node_state::stopped);
  }
}

// -- intensity ----------------------------------------------------------------

CAF_TEST(exceeding the intensity stops all children and escalates) {
  auto p = with([](restart_policy& x) { x.max_restarts = 2; });
  start_root(strategy::one_for_one,
             {probe("a"), probe("b", restart_type::permanent, p), probe("c")});
  self->monitor(root);
  crash("b", boom());
  advance(100ms);
  crash("b", boom());
  advance(200ms);
  CAF_CHECK_EQUAL(starts["b"], 3);
  crash("b", boom()); // third failure in 60 s: more than max_restarts = 2
  CAF_CHECK_EQUAL(events_of(event_kind::give_up),
                  (std::vector<std::string>{"root"}));
  // Remaining children stopped in reverse start order.
  CAF_CHECK_EQUAL(events_of(event_kind::stop),
                  (std::vector<std::string>{"root/c", "root/a"}));
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                caf::after(0s) >> [] { CAF_FAIL("supervisor still alive"); });
  CAF_CHECK(reason == sup_errc::reached_max_restart_intensity);
  CAF_CHECK_EQUAL(describe(reason),
                  "reached_max_restart_intensity: root/b: runtime_error: boom");
}

CAF_TEST(restarts outside the window do not count towards the intensity) {
  auto p = with([](restart_policy& x) {
    x.max_restarts = 1;
    x.within = 10s;
  });
  start_root(strategy::one_for_one, {probe("a", restart_type::permanent, p)});
  crash("a", boom());
  advance(11s);
  crash("a", boom()); // the first restart left the window
  advance(11s);
  CAF_CHECK_EQUAL(starts["a"], 3);
  CAF_CHECK(events_of(event_kind::give_up).empty());
}

CAF_TEST(the parent decides when a child supervisor gives up) {
  auto p = with([](restart_policy& x) { x.max_restarts = 1; });
  auto inner = supervisor_spec("inner", flags(strategy::one_for_one),
                               {probe("a", restart_type::permanent, p)});
  inner.policy = test_policy();
  start_root(strategy::one_for_one, {std::move(inner), probe("x")});
  crash("a", boom());
  advance(100ms);
  crash("a", boom()); // exceeds inner's intensity for `a`
  CAF_CHECK_EQUAL(events_of(event_kind::give_up),
                  (std::vector<std::string>{"root/inner"}));
  auto node = child_of(root, "root/inner");
  CAF_CHECK_EQUAL(node.state, node_state::backoff);
  CAF_CHECK_EQUAL(node.last_exit_reason,
                  "reached_max_restart_intensity: root/inner/a: "
                  "runtime_error: boom");
  advance(100ms); // root restarts inner, which starts `a` afresh
  CAF_CHECK_EQUAL(starts["a"], 3);
  CAF_CHECK_EQUAL(child_of(root, "root/inner/a").restarts_total, 0u);
  CAF_CHECK_EQUAL(starts["x"], 1);
}

// -- parking and fatal reasons --------------------------------------------------

CAF_TEST(park keeps an exhausted child stopped and retries after the cooldown) {
  auto p = with([](restart_policy& x) {
    x.max_restarts = 1;
    x.on_exhausted = exhausted_action::park;
    x.cooldown = 1min;
  });
  start_root(strategy::one_for_one,
             {probe("a", restart_type::permanent, p), probe("b")});
  crash("a", boom());
  advance(100ms);
  crash("a", boom());
  auto node = child_of(root, "root/a");
  CAF_CHECK_EQUAL(node.state, node_state::parked);
  CAF_CHECK_EQUAL(node.next_restart_in_ms, 60000);
  CAF_CHECK_EQUAL(node.last_exit_reason, "runtime_error: boom");
  CAF_CHECK_EQUAL(child_of(root, "root/b").state, node_state::running);
  CAF_CHECK(events_of(event_kind::give_up).empty());
  advance(59s);
  CAF_CHECK_EQUAL(starts["a"], 2);
  advance(1s);
  CAF_CHECK_EQUAL(starts["a"], 3);
  node = child_of(root, "root/a");
  CAF_CHECK_EQUAL(node.state, node_state::running);
  CAF_CHECK_EQUAL(node.restarts_in_window, 0u);
  // The retry got a fresh window: one more failure restarts normally.
  crash("a", boom());
  CAF_CHECK_EQUAL(child_of(root, "root/a").state, node_state::backoff);
}

CAF_TEST(a fatal reason parks the child with its reason and never loops) {
  start_root(strategy::one_for_one, {probe("a"), probe("b")});
  crash("a", make_fatal("token rejected (4004)"));
  auto node = child_of(root, "root/a");
  CAF_CHECK_EQUAL(node.state, node_state::parked);
  CAF_CHECK_EQUAL(node.last_exit_reason, "fatal: token rejected (4004)");
  CAF_CHECK_EQUAL(node.next_restart_in_ms, -1);
  advance(24h);
  CAF_CHECK_EQUAL(starts["a"], 1);
  CAF_CHECK_EQUAL(child_of(root, "root/b").state, node_state::running);
  // An operator's restart brings it back.
  CAF_CHECK(!ask(root, restart_child_atom::value, std::string{"a"}));
  CAF_CHECK_EQUAL(starts["a"], 2);
  CAF_CHECK_EQUAL(child_of(root, "root/a").state, node_state::running);
}

CAF_TEST(a fatal reason parks the whole unit under one_for_all) {
  start_root(strategy::one_for_all, {probe("conn"), probe("beat")});
  crash("conn", make_fatal("bad token"));
  CAF_CHECK_EQUAL(child_of(root, "root/conn").state, node_state::parked);
  CAF_CHECK_EQUAL(child_of(root, "root/beat").state, node_state::parked);
  advance(1h);
  CAF_CHECK_EQUAL(starts["conn"], 1);
  CAF_CHECK_EQUAL(starts["beat"], 1);
}

CAF_TEST(escalate_fatal passes a fatal reason up to the parent) {
  auto unit_flags = flags(strategy::one_for_all);
  unit_flags.escalate_fatal = true;
  auto unit = supervisor_spec("unit", unit_flags, {probe("conn")});
  unit.policy = test_policy();
  start_root(strategy::one_for_one, {std::move(unit)});
  crash("conn", make_fatal("bad token"));
  auto node = child_of(root, "root/unit");
  CAF_CHECK_EQUAL(node.state, node_state::parked);
  CAF_CHECK_EQUAL(node.last_exit_reason, "fatal: bad token");
  advance(1h);
  CAF_CHECK_EQUAL(starts["conn"], 1);
}

// -- backoff ------------------------------------------------------------------

CAF_TEST(backoff doubles up to its maximum and resets after a stable run) {
  auto p = with([](restart_policy& x) { x.max_restarts = 100; });
  start_root(strategy::one_for_one, {probe("a", restart_type::permanent, p)});
  for (int i = 0; i < 6; ++i) {
    crash("a", boom());
    advance(1s);
  }
  std::vector<duration> expected{100ms, 200ms, 400ms, 800ms, 1s, 1s};
  CAF_CHECK_EQUAL(restart_delays(), expected);
  advance(10s); // ran for reset_after
  crash("a", boom());
  auto delays = restart_delays();
  CAF_REQUIRE_EQUAL(delays.size(), 7u);
  CAF_CHECK_EQUAL(delays.back(), duration{100ms});
}

CAF_TEST(seeded jitter gives the same sequence and stays within its bounds) {
  auto p = with([](restart_policy& x) {
    x.max_restarts = 100;
    x.backoff.jitter = 0.5;
  });
  std::vector<std::vector<duration>> runs;
  for (int run = 0; run < 2; ++run) {
    if (root) {
      caf::anon_send_exit(root, caf::exit_reason::kill);
      sched.run();
    }
    log->clear();
    start_root(strategy::one_for_one,
               {probe("a", restart_type::permanent, p)});
    for (int i = 0; i < 5; ++i) {
      crash("a", boom());
      advance(2s);
    }
    runs.push_back(restart_delays());
  }
  CAF_CHECK_EQUAL(runs[0], runs[1]);
  std::vector<duration> base{100ms, 200ms, 400ms, 800ms, 1s};
  bool any_jittered = false;
  for (size_t i = 0; i < base.size(); ++i) {
    CAF_CHECK_GREATER_OR_EQUAL(runs[0][i], base[i] / 2);
    CAF_CHECK_LESS_OR_EQUAL(runs[0][i], base[i] * 3 / 2);
    any_jittered = any_jittered || runs[0][i] != base[i];
  }
  CAF_CHECK(any_jittered);
}

CAF_TEST(a start function that throws is retried with backoff) {
  int attempts = 0;
  child_spec spec;
  spec.id = "flaky";
  spec.policy = test_policy();
  spec.start = [&](child_context& ctx) -> caf::actor {
    if (++attempts < 3)
      throw std::runtime_error("cannot open socket");
    return ctx.parent->system().spawn(probe_worker, false);
  };
  start_root(strategy::one_for_one, {std::move(spec)});
  auto node = child_of(root, "root/flaky");
  CAF_CHECK_EQUAL(node.state, node_state::backoff);
  CAF_CHECK_EQUAL(node.last_exit_reason, "start_failed: cannot open socket");
  advance(100ms);
  advance(200ms);
  CAF_CHECK_EQUAL(attempts, 3);
  CAF_CHECK_EQUAL(child_of(root, "root/flaky").state, node_state::running);
}

// -- shutdown -----------------------------------------------------------------

CAF_TEST(shutdown stops children in reverse start order then exits) {
  start_root(strategy::one_for_one, {probe("a"), probe("b"), probe("c")});
  self->monitor(root);
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(events_of(event_kind::stop),
                  (std::vector<std::string>{"root/c", "root/b", "root/a"}));
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                caf::after(0s) >> [] { CAF_FAIL("supervisor still alive"); });
  CAF_CHECK(reason == caf::exit_reason::user_shutdown);
}

CAF_TEST(a child that ignores shutdown is killed after its timeout) {
  start_root(strategy::one_for_one,
             {probe("a"),
              probe("stubborn", restart_type::permanent, test_policy(), true),
              probe("c")});
  self->monitor(root);
  auto stubborn = live["stubborn"];
  self->monitor(stubborn);
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(events_of(event_kind::stop),
                  (std::vector<std::string>{"root/c", "root/stubborn"}));
  advance(1999ms);
  CAF_CHECK(events_of(event_kind::kill).empty());
  advance(1ms);
  CAF_CHECK_EQUAL(events_of(event_kind::kill),
                  (std::vector<std::string>{"root/stubborn"}));
  auto stops = events_of(event_kind::stop);
  CAF_CHECK_EQUAL(stops.back(), "root/a");
  std::vector<caf::actor_addr> down;
  for (int i = 0; i < 2; ++i)
    self->receive([&](caf::down_msg& msg) { down.push_back(msg.source); },
                  caf::after(0s) >> [] { CAF_FAIL("missing DOWN"); });
  CAF_CHECK(std::count(down.begin(), down.end(), stubborn.address()) == 1);
  CAF_CHECK(std::count(down.begin(), down.end(), root.address()) == 1);
}

CAF_TEST(brutal_kill children are killed without waiting) {
  auto p = with([](restart_policy& x) { x.shutdown = std::nullopt; });
  start_root(strategy::one_for_one,
             {probe("stubborn", restart_type::permanent, p, true)});
  self->monitor(root);
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sched.run();
  self->receive([&](caf::down_msg&) {},
                caf::after(0s) >> [] { CAF_FAIL("supervisor still alive"); });
}

CAF_TEST(a shutdown during a backoff takes effect at once) {
  start_root(strategy::one_for_one, {probe("a")});
  self->monitor(root);
  crash("a", boom());
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sched.run();
  self->receive([&](caf::down_msg&) {},
                caf::after(0s) >> [] { CAF_FAIL("supervisor still alive"); });
  advance(1s);
  CAF_CHECK_EQUAL(starts["a"], 1);
}

CAF_TEST(a killed supervisor takes its children with it) {
  start_root(strategy::one_for_one, {probe("a")});
  auto a = live["a"];
  self->monitor(a);
  caf::anon_send_exit(root, caf::exit_reason::kill);
  sched.run();
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; },
                caf::after(0s) >> [] { CAF_FAIL("child survived"); });
  CAF_CHECK(reason == caf::exit_reason::kill);
  root = nullptr;
}

// -- dynamic children -----------------------------------------------------------

CAF_TEST(children can be started terminated restarted and deleted at runtime) {
  start_root(strategy::one_for_one, {probe("a")});
  CAF_CHECK(!ask(root, start_child_atom::value, probe("b")));
  CAF_CHECK_EQUAL(child_of(root, "root/b").state, node_state::running);
  CAF_CHECK(ask(root, start_child_atom::value, probe("b"))
            == sup_errc::already_present);
  CAF_CHECK(ask(root, delete_child_atom::value, std::string{"b"})
            == sup_errc::child_running);
  CAF_CHECK(!ask(root, terminate_child_atom::value, std::string{"b"}));
  CAF_CHECK_EQUAL(child_of(root, "root/b").state, node_state::stopped);
  advance(1min);
  CAF_CHECK_EQUAL(starts["b"], 1);
  CAF_CHECK(!ask(root, restart_child_atom::value, std::string{"b"}));
  CAF_CHECK_EQUAL(starts["b"], 2);
  CAF_CHECK(!ask(root, terminate_child_atom::value, std::string{"b"}));
  CAF_CHECK(!ask(root, delete_child_atom::value, std::string{"b"}));
  CAF_CHECK(snapshot(root).find("root/b") == nullptr);
  CAF_CHECK(ask(root, terminate_child_atom::value, std::string{"nope"})
            == sup_errc::unknown_child);
}

CAF_TEST(a manual restart during a backoff starts the child at once) {
  start_root(strategy::one_for_one, {probe("a")});
  crash("a", boom());
  crash("a", caf::error{}); // not running: ignored
  CAF_CHECK(!ask(root, restart_child_atom::value, std::string{"a"}));
  CAF_CHECK_EQUAL(starts["a"], 2);
  advance(1s); // the old backoff timer is stale now
  CAF_CHECK_EQUAL(starts["a"], 2);
}

CAF_TEST(restarting a running child stops it first) {
  start_root(strategy::one_for_one, {probe("a")});
  auto old = live["a"];
  self->monitor(old);
  CAF_CHECK(!ask(root, restart_child_atom::value, std::string{"a"}));
  CAF_CHECK_EQUAL(starts["a"], 2);
  CAF_CHECK(live["a"] != old);
  CAF_CHECK_EQUAL(child_of(root, "root/a").restarts_total, 1u);
  self->receive([&](caf::down_msg&) {},
                caf::after(0s) >> [] { CAF_FAIL("old child still alive"); });
}

// -- introspection ------------------------------------------------------------

CAF_TEST(snapshots describe the whole subtree) {
  auto inner = supervisor_spec("inner", flags(strategy::rest_for_one),
                               {probe("x"), probe("y")});
  inner.policy = test_policy();
  start_root(strategy::one_for_one, {probe("a"), std::move(inner)});
  advance(5s);
  crash("a", boom());
  advance(50ms);
  auto tree = snapshot(root);
  CAF_CHECK_EQUAL(tree.path, "root");
  CAF_CHECK_EQUAL(tree.kind, "supervisor");
  CAF_CHECK_EQUAL(tree.strategy, "one_for_one");
  CAF_REQUIRE_EQUAL(tree.children.size(), 2u);
  auto& a = tree.children[0];
  CAF_CHECK_EQUAL(a.path, "root/a");
  CAF_CHECK_EQUAL(a.kind, "worker");
  CAF_CHECK_EQUAL(a.restart, "permanent");
  CAF_CHECK_EQUAL(a.state, node_state::backoff);
  CAF_CHECK_EQUAL(a.restarts_in_window, 1u);
  CAF_CHECK_EQUAL(a.restarts_total, 1u);
  CAF_CHECK_EQUAL(a.last_exit_reason, "runtime_error: boom");
  CAF_CHECK_EQUAL(a.last_exit_ago_ms, 50);
  CAF_CHECK_EQUAL(a.next_restart_in_ms, 50);
  CAF_CHECK_EQUAL(a.uptime_ms, -1);
  CAF_CHECK_EQUAL(a.policy, to_string(test_policy()));
  auto& in = tree.children[1];
  CAF_CHECK_EQUAL(in.kind, "supervisor");
  CAF_CHECK_EQUAL(in.strategy, "rest_for_one");
  CAF_CHECK_EQUAL(in.state, node_state::running);
  CAF_CHECK_EQUAL(in.uptime_ms, 5050);
  CAF_REQUIRE_EQUAL(in.children.size(), 2u);
  CAF_CHECK_EQUAL(in.children[1].path, "root/inner/y");
  CAF_CHECK_EQUAL(in.children[1].state, node_state::running);
  CAF_CHECK(in.children[1].last_exit_reason.empty());
  CAF_CHECK_EQUAL(in.children[1].last_exit_ago_ms, -1);
}

CAF_TEST(the parent hears ready once every initial child left starting) {
  auto inner = supervisor_spec("inner", flags(strategy::one_for_one),
                               {probe("x")});
  inner.policy = test_policy();
  start_root(strategy::one_for_one, {std::move(inner)});
  bool ready = false;
  self->receive([&](ready_atom) { ready = true; },
                caf::after(0s) >> [] {});
  CAF_CHECK(ready);
  CAF_CHECK_EQUAL(child_of(root, "root/inner").state, node_state::running);
  CAF_CHECK_EQUAL(events_of(event_kind::ready),
                  (std::vector<std::string>{"root/inner"}));
}

CAF_TEST(requests with a nested path reach the supervisor below) {
  auto inner = supervisor_spec("inner", flags(strategy::one_for_one),
                               {probe("x")});
  inner.policy = test_policy();
  start_root(strategy::one_for_one, {std::move(inner)});
  auto p = with([](restart_policy& x) { x.max_restarts = 9; });
  CAF_CHECK(!ask(root, set_policy_atom::value, std::string{"inner/x"}, p));
  self->send(root, get_policy_atom::value, std::string{"inner/x"});
  sched.run();
  std::optional<restart_policy> got;
  self->receive([&](const restart_policy& x) { got = x; },
                [&](caf::error&) {}, caf::after(0s) >> [] {});
  CAF_REQUIRE(got.has_value());
  CAF_CHECK_EQUAL(got->max_restarts, 9u);
  CAF_CHECK_EQUAL(starts["x"], 1);
  CAF_CHECK(!ask(root, restart_child_atom::value, std::string{"inner/x"}));
  CAF_CHECK_EQUAL(starts["x"], 2);
  CAF_CHECK(ask(root, terminate_child_atom::value, std::string{"nope/x"})
            == sup_errc::unknown_child);
  CAF_CHECK(ask(root, terminate_child_atom::value, std::string{"inner/nope"})
            == sup_errc::unknown_child);
}

CAF_TEST(policies can be changed at runtime) {
  start_root(strategy::one_for_one, {probe("a")});
  auto p = with([](restart_policy& x) {
    x.backoff.initial = 3s;
    x.backoff.max = 10s;
  });
  CAF_CHECK(!ask(root, set_policy_atom::value, std::string{"a"}, p));
  CAF_CHECK_EQUAL(child_of(root, "root/a").policy, to_string(p));
  crash("a", boom());
  auto delays = restart_delays();
  CAF_REQUIRE_EQUAL(delays.size(), 1u);
  CAF_CHECK_EQUAL(delays.back(), duration{3s});
}

CAF_TEST_FIXTURE_SCOPE_END()
