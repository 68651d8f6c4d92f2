#include "supervision/supervisor.hpp"

#include <algorithm>
#include <map>
#include <random>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "supervision/backoff.hpp"
#include "supervision/reason.hpp"
#include "supervision/snapshot.hpp"
#include "supervision/type_ids.hpp"

namespace tether::supervision {

namespace {

using time_point = caf::actor_clock::time_point;

// Why a supervisor asked a child to stop; decides what happens at its DOWN.
enum class stop_purpose {
  none,
  shutdown,      // the supervisor itself is stopping
  terminate,     // terminate_child: keep the spec, state `stopped`
  restart_now,   // restart_child: start again at once
  group_restart, // a sibling failed under one_for_all / rest_for_one
};

struct child {
  child_spec spec;
  std::string path;
  caf::actor handle;
  node_state state = node_state::stopped;
  // Bumped on every start and every stop; kill timers carry it.
  uint64_t generation = 0;
  uint64_t incarnation = 0;
  restart_window window;
  uint64_t restarts_total = 0;
  size_t consecutive_failures = 0;
  bool has_exited = false;
  std::string last_reason;
  time_point last_exit_at{};
  time_point started_at{};
  // Token of the pending restart group, 0 = none.
  uint64_t pending = 0;
  time_point next_restart_at{};
  stop_purpose stopping = stop_purpose::none;
  std::vector<caf::response_promise> waiters;
};

// Children that restart together once their timer fired and all of them
// are down.
struct restart_group {
  bool due = false;
  // A retry after a park's cooldown gives the children a fresh window.
  bool after_cooldown = false;
};

int64_t to_ms(duration x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x).count();
}

std::string last_segment(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

class supervisor_actor : public caf::event_based_actor {
public:
  supervisor_actor(caf::actor_config& cfg, supervisor_flags flags,
                   std::vector<child_spec> specs, caf::actor_addr parent)
    : caf::event_based_actor(cfg),
      flags_(std::move(flags)),
      parent_(std::move(parent)) {
    if (flags_.seed)
      rng_.seed(static_cast<jitter_rng::result_type>(
        *flags_.seed ^ std::hash<std::string>{}(flags_.path)));
    else
      rng_.seed(std::random_device{}());
    for (auto& spec : specs)
      add_child(std::move(spec));
  }

  const char* name() const override {
    return "supervisor";
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& msg) { on_down(msg); });
    // Any exit message is a request to stop: children are monitored, not
    // linked, so their deaths arrive as DOWN messages only.
    set_exit_handler([this](caf::exit_msg& msg) {
      begin_shutdown(msg.reason ? msg.reason
                                : caf::error{caf::exit_reason::user_shutdown});
    });
    send(this, init_atom::value);
    return {
      [this](init_atom) {
        // By index: a temporary child whose start fails removes itself.
        for (size_t i = 0; i < children_.size();) {
          auto n = children_.size();
          start(children_[i]);
          if (children_.size() == n)
            ++i;
        }
        initialized_ = true;
        maybe_report_ready();
      },
      [this](ready_atom) { on_ready(); },
      [this](restart_atom, uint64_t token) { on_restart_timer(token); },
      [this](kill_atom, const std::string& id, uint64_t generation) {
        on_kill_timer(id, generation);
      },
      [this](caf::ping_atom) { return caf::pong_atom::value; },
      [this](snapshot_atom) { take_snapshot(); },
      [this](which_children_atom) {
        std::vector<std::string> ids;
        for (auto& c : children_)
          ids.push_back(c.spec.id);
        return ids;
      },
      [this](start_child_atom, child_spec& spec) { on_start_child(spec); },
      [this](terminate_child_atom atom, const std::string& id) {
        if (!route_down(atom, id))
          on_terminate_child(id);
      },
      [this](restart_child_atom atom, const std::string& id) {
        if (!route_down(atom, id))
          on_restart_child(id);
      },
      [this](delete_child_atom, const std::string& id) {
        on_delete_child(id);
      },
      [this](set_policy_atom atom, const std::string& id,
             const restart_policy& policy) {
        if (route_down(atom, id, policy))
          return;
        auto rp = make_response_promise();
        auto c = find(id);
        if (!c) {
          rp.deliver(caf::make_error(sup_errc::unknown_child, id));
          return;
        }
        c->spec.policy = policy;
        rp.deliver(caf::ok_atom::value);
      },
      [this](get_policy_atom atom, const std::string& id) {
        if (route_down(atom, id))
          return;
        auto rp = make_response_promise();
        if (auto c = find(id))
          rp.deliver(c->spec.policy);
        else
          rp.deliver(caf::make_error(sup_errc::unknown_child, id));
      },
    };
  }

  // When this actor dies in any way, including an untrappable kill, its
  // children must not outlive it: a restarted supervisor would otherwise
  // run a second copy of every connection.
  void on_exit() override {
    for (auto& c : children_)
      if (c.handle)
        caf::anon_send_exit(c.handle, caf::exit_reason::kill);
  }

private:
  // -- lookup -----------------------------------------------------------------

  child* find(const std::string& id) {
    auto i = std::find_if(children_.begin(), children_.end(),
                          [&](const child& c) { return c.spec.id == id; });
    return i != children_.end() ? &*i : nullptr;
  }

  child* find(const caf::actor_addr& addr) {
    if (!addr)
      return nullptr;
    auto i = std::find_if(children_.begin(), children_.end(),
                          [&](const child& c) { return c.handle == addr; });
    return i != children_.end() ? &*i : nullptr;
  }

  void add_child(child_spec spec) {
    child c;
    c.path = flags_.path.empty() ? spec.id : flags_.path + "/" + spec.id;
    c.spec = std::move(spec);
    children_.push_back(std::move(c));
  }

  void erase(const std::string& id) {
    children_.erase(std::remove_if(children_.begin(), children_.end(),
                                   [&](const child& c) {
                                     return c.spec.id == id;
                                   }),
                    children_.end());
  }

  time_point now() {
    return clock().now();
  }

  // -- events -----------------------------------------------------------------

  void emit(event_kind kind, const std::string& path, std::string reason = {},
            duration delay = duration{0}, const child* c = nullptr) {
    supervisor_event ev{kind, path, std::move(reason), delay, 0, 0};
    if (c) {
      ev.restarts_in_window = c->window.count(now(), c->spec.policy.within);
      ev.restarts_total = c->restarts_total;
    }
    if (flags_.events && *flags_.events)
      (*flags_.events)(ev);
    else
      log_event(ev);
  }

  // -- starting ---------------------------------------------------------------

  void start(const std::string& id) {
    if (auto c = find(id))
      start(*c);
  }

  void start(child& x) {
    auto c = &x;
    if (c->handle)
      return; // never two incarnations at once
    ++c->generation;
    ++c->incarnation;
    c->started_at = now();
    child_context ctx{this, c->path, c->spec.policy, flags_.events,
                      c->incarnation};
    caf::actor hdl;
    caf::error failure;
    try {
      hdl = c->spec.start(ctx);
    } catch (std::exception& e) {
      failure = caf::make_error(sup_errc::start_failed, e.what());
    } catch (...) {
      failure = caf::make_error(sup_errc::start_failed, "unknown exception");
    }
    if (!hdl) {
      if (!failure)
        failure = caf::make_error(sup_errc::start_failed,
                                  "start function returned no actor");
      // Handled like an exit, so backoff and intensity apply.
      on_child_exit(*c, failure);
      return;
    }
    monitor(hdl);
    c->handle = hdl;
    c->state = c->spec.signals_ready ? node_state::starting
                                     : node_state::running;
    emit(event_kind::start, c->path, {}, duration{0}, c);
  }

  void on_ready() {
    auto c = find(caf::actor_cast<caf::actor_addr>(current_sender()));
    if (!c || c->state != node_state::starting)
      return;
    c->state = node_state::running;
    emit(event_kind::ready, c->path, {}, duration{0}, c);
    maybe_report_ready();
  }

  void maybe_report_ready() {
    if (ready_sent_ || !initialized_ || shutting_down_)
      return;
    for (auto& c : children_)
      if (c.state == node_state::starting)
        return;
    ready_sent_ = true;
    if (auto hdl = caf::actor_cast<caf::actor>(parent_))
      send(hdl, ready_atom::value);
  }

  // -- exits ------------------------------------------------------------------

  void on_down(caf::down_msg& msg) {
    auto c = find(msg.source);
    if (!c)
      return; // abandoned after a kill, or already removed
    c->handle = nullptr;
    if (c->stopping != stop_purpose::none) {
      finish_stop(c->spec.id, msg.reason);
    } else if (shutting_down_) {
      record_exit(*c, msg.reason);
      c->state = node_state::stopped;
      continue_shutdown();
    } else {
      on_child_exit(*c, msg.reason);
    }
  }

  void record_exit(child& c, const caf::error& reason) {
    c.has_exited = true;
    c.last_reason = describe(reason);
    c.last_exit_at = now();
  }

  static bool should_restart(restart_type type, const caf::error& reason) {
    switch (type) {
      case restart_type::permanent: return true;
      case restart_type::transient: return !is_clean_exit(reason);
      case restart_type::temporary: return false;
    }
    return false;
  }

  // A child exited on its own (or failed to start): decide.
  void on_child_exit(child& c, const caf::error& reason) {
    auto t = now();
    c.handle = nullptr;
    if (t - c.started_at >= c.spec.policy.backoff.reset_after)
      c.consecutive_failures = 0;
    record_exit(c, reason);
    emit(event_kind::exit, c.path, c.last_reason, duration{0}, &c);
    if (is_fatal(reason)) {
      if (flags_.escalate_fatal) {
        emit(event_kind::give_up, flags_.path,
             "child " + c.path + " failed fatally: " + c.last_reason);
        begin_shutdown(reason);
      } else {
        park(c, true);
      }
      return;
    }
    if (!should_restart(c.spec.restart, reason)) {
      if (c.spec.restart == restart_type::temporary)
        erase(c.spec.id);
      else
        c.state = node_state::stopped;
      maybe_report_ready();
      return;
    }
    auto in_window = c.window.add(t, c.spec.policy.within);
    if (in_window > c.spec.policy.max_restarts) {
      auto why = "child " + c.path + " exceeded "
                 + std::to_string(c.spec.policy.max_restarts)
                 + " restarts in " + format_duration(c.spec.policy.within)
                 + ": " + c.last_reason;
      if (c.spec.policy.on_exhausted == exhausted_action::park) {
        park(c, false);
      } else {
        emit(event_kind::give_up, flags_.path, why);
        begin_shutdown(caf::make_error(
          sup_errc::reached_max_restart_intensity, c.path, c.last_reason));
      }
      return;
    }
    ++c.restarts_total;
    ++c.consecutive_failures;
    auto delay = backoff_delay(c.spec.policy.backoff, c.consecutive_failures,
                               rng_);
    auto group = affected_by(c);
    schedule(group, delay, node_state::backoff, false);
    emit(event_kind::restart, c.path, c.last_reason, delay, &c);
  }

  // The children that restart (or park) together with `c`, in start order.
  std::vector<std::string> affected_by(const child& c) {
    std::vector<std::string> ids;
    bool after = false;
    for (auto& x : children_) {
      bool self = &x == &c;
      after = after || self;
      bool member = self
                    || (flags_.strat == strategy::one_for_all
                        || (flags_.strat == strategy::rest_for_one && after));
      bool active = x.handle || x.state == node_state::backoff
                    || x.state == node_state::starting
                    || x.state == node_state::running;
      if (member && (self || active))
        ids.push_back(x.spec.id);
    }
    return ids;
  }

  void park(child& c, bool fatal) {
    auto group = affected_by(c);
    auto cooldown = c.spec.policy.cooldown;
    if (fatal || cooldown.count() <= 0) {
      // Kept until an operator restarts it or a reload changes it.
      for (auto& id : group) {
        auto x = find(id);
        cancel_pending(*x);
        x->state = node_state::parked;
        if (x->handle)
          stop(*x, stop_purpose::terminate);
      }
      emit(event_kind::park, c.path, c.last_reason, duration{0}, &c);
    } else {
      schedule(group, cooldown, node_state::parked, true);
      emit(event_kind::park, c.path, c.last_reason, cooldown, &c);
    }
    maybe_report_ready();
  }

  // -- restart timers ---------------------------------------------------------

  void schedule(const std::vector<std::string>& ids, duration delay,
                node_state state, bool after_cooldown) {
    auto token = next_token_++;
    auto at = now() + delay;
    for (auto& id : ids) {
      auto x = find(id);
      cancel_pending(*x);
      x->pending = token;
      x->next_restart_at = at;
      if (x->handle) {
        if (x->stopping == stop_purpose::none)
          stop(*x, stop_purpose::group_restart);
        else
          x->stopping = stop_purpose::group_restart;
      }
      x->state = state;
    }
    groups_[token] = restart_group{false, after_cooldown};
    if (delay.count() <= 0)
      send(this, restart_atom::value, token);
    else
      delayed_send(this, delay, restart_atom::value, token);
  }

  void cancel_pending(child& c) {
    if (c.pending == 0)
      return;
    auto token = c.pending;
    c.pending = 0;
    auto still_used = std::any_of(children_.begin(), children_.end(),
                                  [&](const child& x) {
                                    return x.pending == token;
                                  });
    if (!still_used)
      groups_.erase(token);
  }

  void on_restart_timer(uint64_t token) {
    auto i = groups_.find(token);
    if (i == groups_.end())
      return; // cancelled by a manual action or a shutdown
    i->second.due = true;
    try_restart_group(token);
  }

  void try_restart_group(uint64_t token) {
    auto i = groups_.find(token);
    if (i == groups_.end() || !i->second.due || shutting_down_)
      return;
    for (auto& c : children_)
      if (c.pending == token && c.stopping != stop_purpose::none)
        return; // a sibling is still stopping; its DOWN retries
    auto fresh = i->second.after_cooldown;
    groups_.erase(i);
    std::vector<std::string> ids;
    for (auto& c : children_)
      if (c.pending == token)
        ids.push_back(c.spec.id);
    for (auto& id : ids)
      find(id)->pending = 0;
    for (auto& id : ids) {
      auto c = find(id);
      // A failed start earlier in this loop may have scheduled the rest of
      // the group again; those wait for the new timer.
      if (!c || c->pending != 0 || c->handle)
        continue;
      if (fresh) {
        c->window.clear();
        c->consecutive_failures = 0;
        ++c->restarts_total;
      }
      start(id);
    }
  }

  // -- stopping ---------------------------------------------------------------

  void stop(child& c, stop_purpose purpose) {
    c.stopping = purpose;
    ++c.generation;
    emit(event_kind::stop, c.path, {}, duration{0}, &c);
    if (!c.spec.policy.shutdown) {
      kill_and_abandon(c, caf::exit_reason::kill);
      return;
    }
    send_exit(c.handle, caf::exit_reason::user_shutdown);
    delayed_send(this, *c.spec.policy.shutdown, kill_atom::value, c.spec.id,
                 c.generation);
  }

  void on_kill_timer(const std::string& id, uint64_t generation) {
    auto c = find(id);
    if (!c || c->generation != generation || c->stopping == stop_purpose::none
        || !c->handle)
      return;
    emit(event_kind::kill, c->path, "ignored shutdown for "
                                      + format_duration(
                                        *c->spec.policy.shutdown));
    kill_and_abandon(*c, caf::make_error(sup_errc::shutdown_timeout, c->path));
  }

  // Sends an untrappable kill and treats the child as gone right away, so a
  // wedged child cannot stall this supervisor.
  void kill_and_abandon(child& c, const caf::error& reason) {
    if (c.handle) {
      demonitor(c.handle);
      send_exit(c.handle, caf::exit_reason::kill);
      c.handle = nullptr;
    }
    finish_stop(c.spec.id, reason);
  }

  void finish_stop(const std::string& id, const caf::error& reason) {
    auto c = find(id);
    if (!c)
      return;
    auto purpose = c->stopping;
    c->stopping = stop_purpose::none;
    c->handle = nullptr;
    record_exit(*c, reason);
    auto waiters = std::move(c->waiters);
    c->waiters.clear();
    switch (purpose) {
      case stop_purpose::none:
      case stop_purpose::shutdown:
        c->state = node_state::stopped;
        break;
      case stop_purpose::terminate:
        if (c->state != node_state::parked)
          c->state = node_state::stopped;
        break;
      case stop_purpose::restart_now:
        if (!shutting_down_)
          start(id);
        break;
      case stop_purpose::group_restart:
        if (!shutting_down_)
          try_restart_group(c->pending);
        break;
    }
    for (auto& rp : waiters)
      if (shutting_down_ && purpose == stop_purpose::restart_now)
        rp.deliver(caf::make_error(sup_errc::shutting_down, id));
      else
        rp.deliver(caf::ok_atom::value);
    if (shutting_down_)
      continue_shutdown();
  }

  void begin_shutdown(caf::error reason) {
    if (shutting_down_) {
      return;
    }
    shutting_down_ = true;
    shutdown_reason_ = std::move(reason);
    groups_.clear();
    for (auto& c : children_) {
      c.pending = 0;
      if (!c.handle && c.state == node_state::backoff)
        c.state = node_state::stopped;
    }
    continue_shutdown();
  }

  // Stops one child at a time, in reverse start order (OTP), each within
  // its own shutdown timeout.
  void continue_shutdown() {
    for (auto& c : children_)
      if (c.stopping != stop_purpose::none)
        return; // wait for its DOWN or its kill timer
    for (auto i = children_.rbegin(); i != children_.rend(); ++i) {
      if (i->handle) {
        stop(*i, stop_purpose::shutdown);
        return;
      }
    }
    if (!quitting_) {
      quitting_ = true;
      quit(shutdown_reason_);
    }
  }

  // -- requests ---------------------------------------------------------------

  // An id with a `/` names a node further down (`shards/shard:0`): the
  // child supervisor named by the first segment takes the rest, and
  // answers the requester itself. Returns false for a plain child id.
  template <class Atom, class... Ts>
  bool route_down(Atom atom, const std::string& id, const Ts&... xs) {
    auto slash = id.find('/');
    if (slash == std::string::npos)
      return false;
    auto c = find(id.substr(0, slash));
    if (!c || c->spec.kind != child_kind::supervisor || !c->handle) {
      auto rp = make_response_promise();
      rp.deliver(caf::make_error(sup_errc::unknown_child, id));
      return true;
    }
    delegate(c->handle, atom, id.substr(slash + 1), xs...);
    return true;
  }

  void on_start_child(child_spec& spec) {
    auto rp = make_response_promise();
    if (shutting_down_) {
      rp.deliver(caf::make_error(sup_errc::shutting_down, spec.id));
      return;
    }
    if (find(spec.id)) {
      rp.deliver(caf::make_error(sup_errc::already_present, spec.id));
      return;
    }
    auto id = spec.id;
    add_child(std::move(spec));
    start(id);
    rp.deliver(caf::ok_atom::value);
  }

  void on_terminate_child(const std::string& id) {
    auto rp = make_response_promise();
    auto c = find(id);
    if (!c) {
      rp.deliver(caf::make_error(sup_errc::unknown_child, id));
      return;
    }
    cancel_pending(*c);
    if (c->handle) {
      c->waiters.push_back(rp);
      if (c->stopping == stop_purpose::none)
        stop(*c, stop_purpose::terminate);
      else if (c->stopping != stop_purpose::shutdown)
        c->stopping = stop_purpose::terminate;
      c->state = node_state::stopped;
      return;
    }
    c->state = node_state::stopped;
    rp.deliver(caf::ok_atom::value);
  }

  void on_restart_child(const std::string& id) {
    auto rp = make_response_promise();
    auto c = find(id);
    if (!c) {
      rp.deliver(caf::make_error(sup_errc::unknown_child, id));
      return;
    }
    if (shutting_down_) {
      rp.deliver(caf::make_error(sup_errc::shutting_down, id));
      return;
    }
    // An operator's restart starts over: a fresh window and no backoff. It
    // still counts in the total, which tells how often the node came back.
    cancel_pending(*c);
    c->window.clear();
    c->consecutive_failures = 0;
    ++c->restarts_total;
    if (c->handle) {
      c->waiters.push_back(rp);
      if (c->stopping == stop_purpose::none)
        stop(*c, stop_purpose::restart_now);
      else
        c->stopping = stop_purpose::restart_now;
      return;
    }
    start(id);
    rp.deliver(caf::ok_atom::value);
  }

  void on_delete_child(const std::string& id) {
    auto rp = make_response_promise();
    auto c = find(id);
    if (!c) {
      rp.deliver(caf::make_error(sup_errc::unknown_child, id));
      return;
    }
    if (c->handle || c->stopping != stop_purpose::none) {
      rp.deliver(caf::make_error(sup_errc::child_running, id));
      return;
    }
    cancel_pending(*c);
    erase(id);
    rp.deliver(caf::ok_atom::value);
  }

  // -- introspection ----------------------------------------------------------

  node_snapshot local_snapshot(const child& c) {
    auto t = now();
    node_snapshot x;
    x.path = c.path;
    x.id = c.spec.id;
    x.kind = std::string{to_string(c.spec.kind)};
    x.restart = std::string{to_string(c.spec.restart)};
    x.state = c.state;
    x.restarts_in_window = c.window.count(t, c.spec.policy.within);
    x.restarts_total = c.restarts_total;
    if (c.has_exited) {
      x.last_exit_reason = c.last_reason;
      x.last_exit_ago_ms = to_ms(t - c.last_exit_at);
    }
    if (c.pending != 0 && groups_.count(c.pending) > 0)
      x.next_restart_in_ms = std::max<int64_t>(0, to_ms(c.next_restart_at - t));
    if (c.handle)
      x.uptime_ms = to_ms(t - c.started_at);
    x.policy = to_string(c.spec.policy);
    return x;
  }

  void take_snapshot() {
    struct collector {
      node_snapshot result;
      size_t outstanding = 0;
      caf::response_promise rp;
    };
    auto col = std::make_shared<collector>();
    col->rp = make_response_promise();
    col->result.path = flags_.path;
    col->result.id = flags_.path.empty() ? "root" : last_segment(flags_.path);
    col->result.kind = "supervisor";
    col->result.strategy = std::string{to_string(flags_.strat)};
    col->result.state = node_state::running;
    for (auto& c : children_)
      col->result.children.push_back(local_snapshot(c));
    for (size_t i = 0; i < children_.size(); ++i) {
      auto& c = children_[i];
      if (c.spec.kind != child_kind::supervisor || !c.handle)
        continue;
      ++col->outstanding;
      request(c.handle, flags_.snapshot_timeout, snapshot_atom::value)
        .then(
          [col, i](node_snapshot& sub) {
            auto& slot = col->result.children[i];
            slot.strategy = std::move(sub.strategy);
            slot.children = std::move(sub.children);
            if (--col->outstanding == 0)
              col->rp.deliver(std::move(col->result));
          },
          [col, i](caf::error&) {
            col->result.children[i].unresponsive = true;
            if (--col->outstanding == 0)
              col->rp.deliver(std::move(col->result));
          });
    }
    if (col->outstanding == 0)
      col->rp.deliver(std::move(col->result));
  }

  // -- member variables -------------------------------------------------------

  supervisor_flags flags_;
  caf::actor_addr parent_;
  std::vector<child> children_;
  std::map<uint64_t, restart_group> groups_;
  uint64_t next_token_ = 1;
  jitter_rng rng_;
  bool initialized_ = false;
  bool ready_sent_ = false;
  bool shutting_down_ = false;
  bool quitting_ = false;
  caf::error shutdown_reason_;
};

} // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_flags flags,
                            std::vector<child_spec> children,
                            caf::actor parent) {
  return sys.spawn<supervisor_actor>(std::move(flags), std::move(children),
                                     caf::actor_cast<caf::actor_addr>(parent));
}

child_spec supervisor_spec(std::string id, supervisor_flags flags,
                           std::vector<child_spec> children,
                           restart_policy policy) {
  return supervisor_spec(
    std::move(id), std::move(flags), [children] { return children; },
    policy);
}

child_spec supervisor_spec(std::string id, supervisor_flags flags,
                           children_factory children,
                           restart_policy policy) {
  child_spec spec;
  spec.id = std::move(id);
  spec.kind = child_kind::supervisor;
  spec.policy = policy;
  spec.signals_ready = true;
  spec.start = [flags, children](child_context& ctx) {
    auto f = flags;
    f.path = ctx.path;
    if (!f.events)
      f.events = ctx.events;
    return spawn_supervisor(ctx.parent->system(), f, children(),
                            caf::actor_cast<caf::actor>(ctx.parent));
  };
  return spec;
}

void report_ready(caf::local_actor* self, const caf::actor& supervisor) {
  if (supervisor)
    caf::send_as(caf::actor_cast<caf::actor>(self), supervisor,
                 ready_atom::value);
}

} // namespace tether::supervision
