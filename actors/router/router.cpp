#include "actors/router/router.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <optional>

#include "actors/router/route_table.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "supervision/reason.hpp"

namespace tether {

namespace {

using level = spdlog::level::level_enum;
using time_point = caf::actor_clock::time_point;

// Calls a hung handler may hold before new messages for it are dropped:
// memory never grows without bound behind one slow handler.
constexpr size_t max_outstanding_per_handler = 1000;

struct pending_call {
  std::string handler;
  std::string message_id;
  std::multimap<time_point, uint64_t>::iterator deadline;
};

struct router_state {
  std::shared_ptr<const route_table> routes;
  uint64_t routed = 0;
  uint64_t unrouted = 0;
  uint64_t handler_missing = 0;
  uint64_t handler_failed = 0;
  uint64_t handler_overloaded = 0;
  uint64_t relayed = 0;
  uint64_t relay_failed = 0;
  // Handler deadlines are kept here and checked by one timer for the
  // earliest of them, instead of a CAF request timeout per call: those go
  // through the clock thread and cost more than the whole message path.
  uint64_t next_call = 1;
  std::map<uint64_t, pending_call> pending;
  std::multimap<time_point, uint64_t> deadlines;
  std::map<std::string, size_t> outstanding;
  std::optional<time_point> sweep_at;
  // Overload drops are logged at most once per second per handler.
  std::map<std::string, std::pair<time_point, uint64_t>> overload_log;
  static inline const char* name = "router";
};

using self_ptr = caf::stateful_actor<router_state>*;

config::duration handler_timeout(const config::tether_config& cfg,
                                 const std::string& name) {
  for (auto& h : cfg.handlers)
    if (h.name == name)
      return h.timeout;
  return std::chrono::seconds{10};
}

// Ends a call; false if it already ended (answered late or timed out).
bool finish(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return false;
  st.deadlines.erase(i->second.deadline);
  if (--st.outstanding[i->second.handler] == 0)
    st.outstanding.erase(i->second.handler);
  st.pending.erase(i);
  return true;
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

void fail_call(self_ptr self, uint64_t id, const caf::error& err) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return;
  auto handler = i->second.handler;
  auto msg_id = i->second.message_id;
  finish(self, id);
  ++st.handler_failed;
  logging::log(level::warn, "router", "handler_failed",
               {{"handler", handler},
                {"id", msg_id},
                {"reason", supervision::describe(err)}});
}

void deliver(self_ptr self, runtime_ptr rt, const inbound_message& msg,
             handler_result& result) {
  if (result.texts.empty())
    return;
  auto key = "sender:" + msg.platform + ":" + msg.bot;
  auto platform = rt->directory().get(key);
  if (!platform) {
    logging::log(level::warn, "router", "platform_down",
                 {{"platform", key}, {"id", msg.id}});
    return;
  }
  for (auto& text : result.texts)
    self->send(platform, reply_atom::value, make_reply(msg, text));
}

// Sends the message itself to another platform (a bridge).
void relay(self_ptr self, runtime_ptr rt, const inbound_message& msg,
           const config::relay_target& target, const std::string& format) {
  auto key = "sender:" + target.kind + ":" + target.name;
  auto platform = rt->directory().get(key);
  if (!platform) {
    ++self->state.relay_failed;
    logging::log(level::warn, "router", "relay_target_down",
                 {{"platform", key}, {"id", msg.id}});
    return;
  }
  outbound_reply out;
  out.platform = target.kind;
  out.bot = target.name;
  out.context.room_id = target.room;
  out.text = format_relay(format, msg);
  ++self->state.relayed;
  self->send(platform, reply_atom::value, std::move(out));
}

caf::behavior router(self_ptr self, runtime_ptr rt, std::string path) {
  self->state.routes = std::make_shared<route_table>(rt->config()->routes);
  return {
    [=](inbound_atom, inbound_message& msg) {
      auto& st = self->state;
      auto routed = st.routes->resolve(msg);
      for (auto& [target, format] : routed.relays)
        relay(self, rt, msg, target, format);
      auto& names = routed.handlers;
      if (names.empty() && !routed.relays.empty()) {
        ++st.routed;
        return;
      }
      if (names.empty()) {
        ++st.unrouted;
        logging::log(level::debug, "router", "unrouted",
                     {{"platform", msg.platform}, {"bot", msg.bot},
                      {"id", msg.id}});
        return;
      }
      ++st.routed;
      auto cfg = rt->config();
      auto shared_msg = std::make_shared<const inbound_message>(
        std::move(msg));
      auto now = self->clock().now();
      for (auto& name : names) {
        auto hdl = rt->directory().get("handlers/" + name);
        if (!hdl) {
          ++st.handler_missing;
          logging::log(level::warn, "router", "handler_down",
                       {{"handler", name}, {"id", shared_msg->id}});
          continue;
        }
        if (st.outstanding[name] >= max_outstanding_per_handler) {
          ++st.handler_overloaded;
          auto& [last, dropped] = st.overload_log[name];
          ++dropped;
          if (dropped == 1 || now - last >= std::chrono::seconds{1}) {
            logging::log(level::warn, "router", "handler_overloaded",
                         {{"handler", name},
                          {"id", shared_msg->id},
                          {"dropped", std::to_string(dropped)}});
            last = now;
            dropped = 0;
          }
          continue;
        }
        auto id = st.next_call++;
        auto deadline = now + handler_timeout(*cfg, name);
        auto at = st.deadlines.emplace(deadline, id);
        st.pending.emplace(id, pending_call{name, shared_msg->id, at});
        ++st.outstanding[name];
        arm_sweep(self);
        self->request(hdl, caf::infinite, handle_atom::value, *shared_msg)
          .then(
            [=](handler_result& result) {
              if (finish(self, id))
                deliver(self, rt, *shared_msg, result);
            },
            [=](caf::error& err) { fail_call(self, id, err); });
      }
    },
    [=](sweep_atom) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (st.sweep_at && now >= *st.sweep_at)
        st.sweep_at.reset();
      while (!st.deadlines.empty() && st.deadlines.begin()->first <= now)
        fail_call(self, st.deadlines.begin()->second,
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
