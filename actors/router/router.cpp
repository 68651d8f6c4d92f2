#include "actors/router/router.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include "actors/metrics/names.hpp"
#include "actors/router/conversation.hpp"
#include "actors/router/route_table.hpp"
#include "actors/router/seen_window.hpp"
#include "actors/store/type_ids.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "supervision/reason.hpp"

namespace tether {

namespace {

using level = spdlog::level::level_enum;
using time_point = caf::actor_clock::time_point;
using message_ptr = std::shared_ptr<const inbound_message>;

// Message ids remembered for dedupe: resume replays and platform
// re-deliveries arrive within minutes, far inside this window.
constexpr size_t seen_capacity = 100'000;

struct pending_call {
  std::string handler;
  time_point started;
  conversation_key conv;
  uint64_t seq = 0;
  size_t slot = 0;
  message_ptr msg;
  std::multimap<time_point, uint64_t>::iterator deadline;
};

// A call that waits for a free slot of its handler.
struct queued_call {
  conversation_key conv;
  uint64_t seq = 0;
  size_t slot = 0;
  message_ptr msg;
};

struct handler_lane {
  size_t in_flight = 0;
  std::deque<queued_call> waiting;
};

struct router_state {
  std::shared_ptr<const route_table> routes;
  uint64_t routed = 0;
  uint64_t unrouted = 0;
  uint64_t duplicates = 0;
  uint64_t handler_missing = 0;
  uint64_t handler_failed = 0;
  uint64_t handler_overloaded = 0;
  uint64_t relayed = 0;
  conversation_book conversations;
  seen_window seen{seen_capacity};
  std::vector<std::string> unsaved;
  std::unordered_map<std::string, handler_lane> lanes;
  // Handler deadlines are kept here and checked by one timer for the
  // earliest of them, instead of a CAF request timeout per call: those go
  // through the clock thread and cost more than the whole message path.
  uint64_t next_call = 1;
  std::unordered_map<uint64_t, pending_call> pending;
  std::multimap<time_point, uint64_t> deadlines;
  std::optional<time_point> sweep_at;
  // Arrival (steady ns) of each message with open handler calls, for the
  // latency metric; erased when its replies leave.
  std::unordered_map<const inbound_message*, int64_t> arrivals;
  int64_t received_at(const inbound_message* msg) {
    auto i = arrivals.find(msg);
    if (i == arrivals.end())
      return 0;
    auto ns = i->second;
    arrivals.erase(i);
    return ns;
  }
  // Overload drops are logged at most once per second per handler.
  std::map<std::string, std::pair<time_point, uint64_t>> overload_log;
  static inline const char* name = "router";
};

using self_ptr = caf::stateful_actor<router_state>*;

const config::handler_entry* find_handler(const config::tether_config& cfg,
                                          const std::string& name) {
  for (auto& h : cfg.handlers)
    if (h.name == name)
      return &h;
  return nullptr;
}

void arm_sweep(self_ptr self) {
  auto& st = self->state;
  if (st.deadlines.empty())
    return;
  auto next = st.deadlines.begin()->first;
  if (!st.sweep_at || next < *st.sweep_at) {
    st.sweep_at = next;
    self->scheduled_send(self, next, sweep_atom::value);
  }
}

std::string seen_key(const inbound_message& msg) {
  return msg.platform + ':' + msg.bot + ':' + msg.type + ':' + msg.id;
}

// Writes the keys of the answered messages not written yet to the store.
void flush_seen(self_ptr self, runtime_ptr rt) {
  auto& st = self->state;
  if (st.unsaved.empty())
    return;
  if (auto store = rt->directory().get("core/store"))
    self->send(store, store::store_remember_atom::value,
               std::move(st.unsaved), int64_t{0});
  st.unsaved.clear();
}

// Hands every reply that is now in order to the outbox.
void release(self_ptr self, runtime_ptr rt, const conversation_key& conv) {
  auto ready = self->state.conversations.take_ready(conv);
  if (ready.empty())
    return;
  // The keys of answered messages go to the store before their replies do
  // (the outbox writes those after this): a reply in the store implies its
  // message's key is, so a replay after a crash is never answered twice.
  // Unanswered messages are not written at all: handling one again after
  // a crash answers it at most once, and a flood of chatter costs the
  // store nothing.
  for (auto& done : ready)
    if (!done.texts.empty() && !done.msg->id.empty())
      self->state.unsaved.push_back(seen_key(*done.msg));
  flush_seen(self, rt);
  auto outbox = rt->directory().get("core/outbox");
  for (auto& done : ready) {
    if (done.texts.empty()) {
      self->state.arrivals.erase(done.msg.get());
      continue;
    }
    if (!outbox) {
      logging::log(level::warn, "router", "outbox_down",
                   {{"id", done.msg->id},
                    {"replies", std::to_string(done.texts.size())}});
      continue;
    }
    uint32_t seq = 0;
    auto received = self->state.received_at(done.msg.get());
    for (auto& text : done.texts) {
      auto reply = make_reply(*done.msg, std::move(text));
      reply.seq = ++seq;
      reply.received_ns = received;
      self->send(outbox, outbox_atom::value, std::move(reply));
    }
  }
}

void dispatch(self_ptr self, runtime_ptr rt, const std::string& name,
              queued_call call);

// Starts the next waiting call of `name`, if a slot is free.
void pump_lane(self_ptr self, runtime_ptr rt, const std::string& name) {
  auto& st = self->state;
  auto i = st.lanes.find(name);
  if (i == st.lanes.end())
    return;
  auto cfg = rt->config();
  auto entry = find_handler(*cfg, name);
  size_t limit = entry ? entry->concurrency : 1;
  while (i->second.in_flight < limit && !i->second.waiting.empty()) {
    auto call = std::move(i->second.waiting.front());
    i->second.waiting.pop_front();
    dispatch(self, rt, name, std::move(call));
    i = st.lanes.find(name);
    if (i == st.lanes.end())
      return;
  }
  if (i->second.in_flight == 0 && i->second.waiting.empty())
    st.lanes.erase(i);
}

// Ends a call with `texts`; false if it already ended (answered late or
// timed out).
bool finish(self_ptr self, runtime_ptr rt, uint64_t id,
            std::vector<std::string> texts) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return false;
  auto call = std::move(i->second);
  st.deadlines.erase(call.deadline);
  st.pending.erase(i);
  metrics::handler_duration()
    .with({call.handler})
    .observe(std::chrono::duration<double>(self->clock().now() - call.started)
               .count());
  if (auto lane = st.lanes.find(call.handler); lane != st.lanes.end())
    --lane->second.in_flight;
  st.conversations.complete(call.conv, call.seq, call.slot, std::move(texts));
  release(self, rt, call.conv);
  pump_lane(self, rt, call.handler);
  return true;
}

void fail_call(self_ptr self, runtime_ptr rt, uint64_t id,
               const caf::error& err) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return;
  auto handler = i->second.handler;
  auto msg_id = i->second.msg->id;
  ++st.handler_failed;
  metrics::handler_calls()
    .with({handler, err == caf::sec::request_timeout ? "timeout" : "error"})
    .inc();
  logging::log(level::warn, "router", "handler_failed",
               {{"handler", handler},
                {"id", msg_id},
                {"reason", supervision::describe(err)}});
  finish(self, rt, id, {});
}

void dispatch(self_ptr self, runtime_ptr rt, const std::string& name,
              queued_call call) {
  auto& st = self->state;
  auto hdl = rt->directory().get("handlers/" + name);
  if (!hdl) {
    ++st.handler_missing;
    metrics::router_dropped().with({"handler_down"}).inc();
    logging::log(level::warn, "router", "handler_down",
                 {{"handler", name}, {"id", call.msg->id}});
    st.conversations.complete(call.conv, call.seq, call.slot, {});
    release(self, rt, call.conv);
    return;
  }
  auto cfg = rt->config();
  auto entry = find_handler(*cfg, name);
  auto timeout = entry ? entry->timeout : config::duration{std::chrono::seconds{10}};
  auto id = st.next_call++;
  auto at = st.deadlines.emplace(self->clock().now() + timeout, id);
  auto msg = call.msg;
  st.pending.emplace(id, pending_call{name, self->clock().now(),
                                      std::move(call.conv), call.seq,
                                      call.slot, msg, at});
  ++st.lanes[name].in_flight;
  arm_sweep(self);
  self->request(hdl, caf::infinite, handle_atom::value, *msg)
    .then(
      [=](handler_result& result) {
        if (self->state.pending.count(id) > 0)
          metrics::handler_calls().with({name, "ok"}).inc();
        finish(self, rt, id, std::move(result.texts));
      },
      [=](caf::error& err) { fail_call(self, rt, id, err); });
}

void log_overload(self_ptr self, const std::string& name,
                  const std::string& msg_id) {
  auto& st = self->state;
  ++st.handler_overloaded;
  metrics::router_dropped().with({"overloaded"}).inc();
  auto now = self->clock().now();
  auto& [last, dropped] = st.overload_log[name];
  ++dropped;
  if (dropped == 1 || now - last >= std::chrono::seconds{1}) {
    logging::log(level::warn, "router", "handler_overloaded",
                 {{"handler", name},
                  {"id", msg_id},
                  {"dropped", std::to_string(dropped)}});
    last = now;
    dropped = 0;
  }
}

// Sends the message itself to another platform (a bridge).
void relay(self_ptr self, runtime_ptr rt, const inbound_message& msg,
           const config::relay_target& target, const std::string& format) {
  outbound_reply out;
  out.platform = target.kind;
  out.bot = target.name;
  out.context.room_id = target.room;
  out.reply_to = msg.id;
  out.text = format_relay(format, msg);
  auto outbox = rt->directory().get("core/outbox");
  if (!outbox) {
    logging::log(level::warn, "router", "outbox_down", {{"id", msg.id}});
    return;
  }
  ++self->state.relayed;
  self->send(outbox, outbox_atom::value, std::move(out));
}


// A platform id seen before (a resume replay, a re-delivery, also across
// restarts via the store) is handled once; messages without an id cannot
// be told apart and always pass.
bool first_time(self_ptr self, const inbound_message& msg) {
  if (msg.id.empty())
    return true;
  return self->state.seen.insert(seen_key(msg));
}

// Keys remembered before a restart, so a resume replay after a crash is
// not answered twice.
void preload_seen(self_ptr self, runtime_ptr rt) {
  auto store = rt->directory().get("core/store");
  if (!store)
    return;
  // await: inbound messages wait in the mailbox until the keys are in.
  self
    ->request(store, std::chrono::seconds{5},
              store::store_recent_seen_atom::value, uint64_t{seen_capacity})
    .await(
      [=](std::vector<std::string>& keys) {
        // Most recent first: insert the oldest first so it is evicted first.
        for (auto i = keys.rbegin(); i != keys.rend(); ++i)
          self->state.seen.insert(*i);
      },
      [=](caf::error& err) {
        logging::log(level::warn, "router", "seen_preload_failed",
                     {{"error", supervision::describe(err)}});
      });
}

void on_inbound(self_ptr self, runtime_ptr rt, inbound_message& msg) {
  auto& st = self->state;
  auto routed = st.routes->resolve(msg);
  if (routed.handlers.empty() && routed.relays.empty()) {
    ++st.unrouted;
    logging::log(level::debug, "router", "unrouted",
                 {{"platform", msg.platform}, {"bot", msg.bot},
                  {"id", msg.id}});
    return;
  }
  if (!first_time(self, msg)) {
    ++st.duplicates;
    metrics::router_dropped().with({"duplicate"}).inc();
    logging::log(level::debug, "router", "duplicate",
                 {{"platform", msg.platform}, {"bot", msg.bot},
                  {"id", msg.id}});
    return;
  }
  ++st.routed;
  metrics::messages_processed().with({msg.platform, msg.bot}).inc();
  for (auto& [target, format] : routed.relays)
    relay(self, rt, msg, target, format);
  auto& names = routed.handlers;
  if (names.empty())
    return;
  auto conv = conversation_of(msg);
  auto shared_msg = std::make_shared<const inbound_message>(std::move(msg));
  auto seq = st.conversations.open(conv, shared_msg, names.size());
  auto now = self->clock().now();
  st.arrivals.emplace(shared_msg.get(),
                      std::chrono::duration_cast<std::chrono::nanoseconds>(
                        now.time_since_epoch())
                        .count());
  auto cfg = rt->config();
  for (size_t slot = 0; slot < names.size(); ++slot) {
    auto& name = names[slot];
    auto entry = find_handler(*cfg, name);
    auto& lane = st.lanes[name];
    queued_call call{conv, seq, slot, shared_msg};
    size_t limit = entry ? entry->concurrency : 1;
    size_t queue_limit = entry ? entry->queue : 0;
    if (lane.in_flight < limit && lane.waiting.empty()) {
      dispatch(self, rt, name, std::move(call));
    } else if (lane.waiting.size() < queue_limit) {
      lane.waiting.push_back(std::move(call));
    } else {
      log_overload(self, name, shared_msg->id);
      st.conversations.complete(conv, seq, slot, {});
    }
  }
  release(self, rt, conv);
}

caf::behavior router(self_ptr self, runtime_ptr rt, std::string path) {
  self->state.routes = std::make_shared<route_table>(rt->config()->routes);
  preload_seen(self, rt);
  return {
    [=](inbound_atom, inbound_message& msg) { on_inbound(self, rt, msg); },
    [=](sweep_atom) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (st.sweep_at && now >= *st.sweep_at)
        st.sweep_at.reset();
      while (!st.deadlines.empty() && st.deadlines.begin()->first <= now)
        fail_call(self, rt, st.deadlines.begin()->second,
                  caf::make_error(caf::sec::request_timeout));
      arm_sweep(self);
    },
    [=](set_routes_atom, std::shared_ptr<const route_table>& routes) {
      self->state.routes = std::move(routes);
      logging::log(level::info, "router", "routes_updated",
                   {{"routes", std::to_string(self->state.routes->size())}});
    },
  };
}

} // namespace

supervision::child_spec router_spec(runtime_ptr rt) {
  supervision::child_spec spec;
  spec.id = "router";
  spec.start = [rt](supervision::child_context& ctx) {
    return rt->directory().register_actor(
      ctx.path, ctx.parent->system().spawn(router, rt, ctx.path));
  };
  return spec;
}

} // namespace tether
