#include "actors/router/router.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/router/route_table.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "supervision/reason.hpp"

namespace tether {

namespace {

struct router_state {
  std::shared_ptr<const route_table> routes;
  uint64_t routed = 0;
  uint64_t unrouted = 0;
  uint64_t handler_missing = 0;
  uint64_t handler_failed = 0;
  static inline const char* name = "router";
};

config::duration handler_timeout(const config::tether_config& cfg,
                                 const std::string& name) {
  for (auto& h : cfg.handlers)
    if (h.name == name)
      return h.timeout;
  return std::chrono::seconds{10};
}

caf::behavior router(caf::stateful_actor<router_state>* self,
                     runtime_ptr rt, std::string path) {
  self->state.routes = std::make_shared<route_table>(rt->config()->routes);
  return {
    [=](inbound_atom, inbound_message& msg) {
      auto names = self->state.routes->match(msg);
      if (names.empty()) {
        ++self->state.unrouted;
        logging::log(spdlog::level::debug, "router", "unrouted",
                     {{"platform", msg.platform}, {"bot", msg.bot},
                      {"id", msg.id}});
        return;
      }
      ++self->state.routed;
      auto cfg = rt->config();
      auto shared_msg = std::make_shared<const inbound_message>(msg);
      for (auto& name : names) {
        auto hdl = rt->directory().get("handlers/" + name);
        if (!hdl) {
          ++self->state.handler_missing;
          logging::log(spdlog::level::warn, "router", "handler_down",
                       {{"handler", name}, {"id", msg.id}});
          continue;
        }
        auto timeout = handler_timeout(*cfg, name);
        self->request(hdl, timeout, handle_atom::value, msg)
          .then(
            [=](handler_result& result) {
              if (result.texts.empty())
                return;
              auto key = "sender:" + shared_msg->platform + ":"
                         + shared_msg->bot;
              auto platform = rt->directory().get(key);
              if (!platform) {
                logging::log(spdlog::level::warn, "router", "platform_down",
                             {{"platform", key}, {"id", shared_msg->id}});
                return;
              }
              for (auto& text : result.texts)
                self->send(platform, reply_atom::value,
                           make_reply(*shared_msg, text));
            },
            [=](caf::error& err) {
              ++self->state.handler_failed;
              logging::log(spdlog::level::warn, "router", "handler_failed",
                           {{"handler", name},
                            {"id", shared_msg->id},
                            {"reason", supervision::describe(err)}});
            });
      }
    },
    [=](set_routes_atom, std::shared_ptr<const route_table>& routes) {
      self->state.routes = std::move(routes);
      logging::log(spdlog::level::info, "router", "routes_updated",
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
