#include "actors/qq/webhook.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/ingress/ingress.hpp"
#include "actors/ingress/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/qq/message.hpp"
#include "protocols/qq/webhook.hpp"
#include "supervision/reason.hpp"

namespace tether::qq {

namespace {

using level = spdlog::level::level_enum;

struct webhook_state {
  std::unique_ptr<ingress::rejections> rejected;
  ingress::replay_guard_ptr guard;
  std::optional<crypto::ed25519_keypair> key;
  uint64_t dispatched = 0;
  static inline const char* name = "qq.webhook";
};

using self_ptr = caf::stateful_actor<webhook_state>*;

caf::behavior webhook(self_ptr self, runtime_ptr rt, std::string name,
                      config::qq_settings cfg, std::shared_ptr<seen_ids> seen,
                      std::string path) {
  auto& st = self->state;
  st.rejected = std::make_unique<ingress::rejections>("qq", path);
  st.guard = ingress::shared_replay_guard(*rt->config());
  std::string error;
  st.key = make_webhook_key(cfg.client_secret.reveal(), &error);
  if (!st.key) {
    self->quit(supervision::make_fatal("qq webhook key: " + error));
    return {};
  }
  logging::log(level::info, "qq", "webhook_ready",
               {{"path", path}, {"webhook", cfg.path}});
  return {
    [=](ingress::webhook_atom, ingress::webhook_call_ptr& call) {
      auto& st = self->state;
      auto& req = call->request;
      if (req.method != "POST") {
        st.rejected->reject(*call, 405, "method", req.method);
        return;
      }
      // Verified before anything in the body is looked at.
      auto sig = req.header("x-signature-ed25519");
      auto ts = req.header("x-signature-timestamp");
      if (!verify_request(*st.key, sig, ts, req.body)) {
        st.rejected->reject(*call, 401, "signature");
        return;
      }
      std::string error;
      auto msg = parse_payload(req.body, &error);
      if (!msg) {
        st.rejected->reject(*call, 400, "malformed", error);
        return;
      }
      switch (msg->op) {
        case 13: {
          auto answer = validation_response(*st.key, req.body, &error);
          if (!answer) {
            st.rejected->reject(*call, 400, "malformed", error);
            return;
          }
          ingress::respond_ok(*call, *answer, "application/json");
          return;
        }
        case 1:
          ingress::respond_ok(*call, heartbeat_ack(msg->seq),
                              "application/json");
          return;
        case 0:
          break;
        default:
          st.rejected->reject(*call, 400, "opcode", std::to_string(msg->op));
          return;
      }
      int64_t stamp = 0;
      try {
        stamp = std::stoll(ts);
      } catch (...) {
        stamp = 0;
      }
      if (!st.guard->fresh(stamp, ingress::unix_now())) {
        st.rejected->reject(*call, 401, "stale_timestamp", ts);
        return;
      }
      // A retried delivery is acknowledged and not dispatched again.
      auto key = "qq:" + name + ":" + (msg->id.empty() ? ts : msg->id);
      if (!st.guard->first_time(key, ingress::unix_now())) {
        ingress::respond_ok(*call, dispatch_ack(true), "application/json");
        return;
      }
      if (scene_of_event(msg->type)) {
        auto converted = convert_message(msg->type, msg->data, name, "",
                                         &error);
        if (!converted) {
          logging::log(level::warn, "qq", "bad_event",
                       {{"path", path}, {"t", msg->type}, {"error", error}});
        } else if (seen->first(converted->id)) {
          trim_leading_space(*converted);
          ++st.dispatched;
          if (auto router = rt->directory().get("core/router"))
            self->send(router, inbound_atom::value, std::move(*converted));
        }
      } else if (!msg->type.empty()) {
        for (auto& wanted : cfg.events)
          if (wanted == "*" || wanted == msg->type) {
            inbound_message ev;
            ev.type = "event";
            ev.event = msg->type;
            ev.platform = "qq";
            ev.bot = name;
            ev.raw = msg->data;
            if (auto router = rt->directory().get("core/router"))
              self->send(router, inbound_atom::value, std::move(ev));
            break;
          }
      }
      ingress::respond_ok(*call, dispatch_ack(true), "application/json");
    },
  };
}

} // namespace

caf::actor spawn_webhook(caf::local_actor* parent, runtime_ptr rt,
                         std::string name, config::qq_settings settings,
                         std::shared_ptr<seen_ids> seen, std::string path) {
  auto route = "webhook:" + settings.path;
  auto hdl = parent->system().spawn(webhook, rt, std::move(name),
                                    std::move(settings), std::move(seen),
                                    std::move(path));
  return rt->directory().register_actor(route, hdl);
}

} // namespace tether::qq
