#include "actors/discord/interactions.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/ingress/api.hpp"
#include "actors/ingress/ingress.hpp"
#include "actors/ingress/type_ids.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/discord/interaction.hpp"

namespace tether::discord {

namespace {

using namespace tether::ingress;
using level = spdlog::level::level_enum;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// Interaction tokens accept follow-ups for 15 minutes.
constexpr auto token_lifetime = std::chrono::minutes{15};

struct followup_token {
  std::string token;
  steady::time_point expires;
};

struct interactions_state {
  std::unique_ptr<rejections> rejected;
  std::unique_ptr<outbox> out;
  replay_guard_ptr guard;
  /// Requests still waiting for an inline answer, by interaction id.
  std::map<std::string, webhook_call_ptr> waiting;
  std::map<std::string, followup_token> tokens;
  uint64_t dispatched = 0;
  uint64_t duplicates = 0;
  static inline const char* name = "discord.interactions";
};

using self_ptr = caf::stateful_actor<interactions_state>*;

void forget_expired(interactions_state& st, steady::time_point now) {
  for (auto i = st.tokens.begin(); i != st.tokens.end();)
    if (i->second.expires <= now)
      i = st.tokens.erase(i);
    else
      ++i;
}

caf::behavior interactions(self_ptr self, runtime_ptr rt,
                           config::platform_entry entry, std::string path,
                           std::shared_ptr<net::http_client> http) {
  auto cfg = std::get<config::discord_interactions_settings>(entry.settings);
  auto& st = self->state;
  st.rejected = std::make_unique<rejections>("discord_interactions", path);
  st.out = std::make_unique<outbox>("discord_interactions", path, http);
  st.guard = shared_replay_guard(*rt->config());
  auto name = entry.name;
  logging::log(level::info, "discord_interactions", "ready",
               {{"path", path}, {"webhook", cfg.path}});
  return {
    [=](webhook_atom, webhook_call_ptr& call) {
      auto& st = self->state;
      auto& req = call->request;
      if (req.method != "POST") {
        st.rejected->reject(*call, 405, "method", req.method);
        return;
      }
      auto sig = req.header("X-Signature-Ed25519");
      auto ts = req.header("X-Signature-Timestamp");
      if (!verify_interaction(cfg.public_key, sig, ts, req.body)) {
        st.rejected->reject(*call, 401, "signature");
        return;
      }
      int64_t stamp = 0;
      try {
        stamp = std::stoll(ts);
      } catch (...) {
        stamp = 0;
      }
      if (!st.guard->fresh(stamp, unix_now())) {
        st.rejected->reject(*call, 401, "stale_timestamp", ts);
        return;
      }
      std::string error;
      auto inter = parse_interaction(req.body, &error);
      if (!inter) {
        st.rejected->reject(*call, 400, "malformed", error);
        return;
      }
      if (inter->type == static_cast<int>(interaction_type::ping)) {
        respond_ok(*call, pong_response(), "application/json");
        return;
      }
      if (inter->type
          != static_cast<int>(interaction_type::application_command)) {
        st.rejected->reject(*call, 400, "unsupported_type",
                            std::to_string(inter->type));
        return;
      }
      if (!st.guard->first_time("discord_interactions:" + name + ":"
                                  + inter->id,
                                unix_now())) {
        ++st.duplicates;
        logging::log(level::info, "discord_interactions", "duplicate",
                     {{"path", path}, {"id", inter->id}});
        respond_ok(*call, deferred_response(), "application/json");
        return;
      }
      auto msg = convert_command(req.body, name, &error);
      if (!msg) {
        st.rejected->reject(*call, 400, "malformed", error);
        return;
      }
      // Replies find this actor by its kind, not by `discord`.
      msg->platform = "discord_interactions";
      auto router = rt->directory().get("core/router");
      if (!router) {
        logging::log(level::warn, "discord_interactions", "router_down",
                     {{"path", path}, {"id", msg->id}});
        respond_ok(*call, deferred_response(), "application/json");
        return;
      }
      auto now = steady::now();
      forget_expired(st, now);
      st.tokens[inter->id] = {inter->token, now + token_lifetime};
      ++st.dispatched;
      if (cfg.reply_window.count() == 0) {
        // Always deferred: every answer is a follow-up.
        respond_ok(*call, deferred_response(), "application/json");
        self->send(router, inbound_atom::value, std::move(*msg));
        return;
      }
      st.waiting[inter->id] = call;
      self->send(router, inbound_atom::value, std::move(*msg));
      self->delayed_send(self, cfg.reply_window, window_atom::value,
                         inter->id);
    },
    [=](window_atom, const std::string& id) {
      auto& st = self->state;
      auto i = st.waiting.find(id);
      if (i == st.waiting.end())
        return;
      respond_ok(*i->second, deferred_response(), "application/json");
      st.waiting.erase(i);
      logging::log(level::debug, "discord_interactions", "deferred",
                   {{"path", path}, {"id", id}});
    },
    [=](reply_atom, outbound_reply& reply) {
      auto& st = self->state;
      if (auto i = st.waiting.find(reply.reply_to); i != st.waiting.end()) {
        respond_ok(*i->second, message_response(reply.text),
                   "application/json");
        st.waiting.erase(i);
        // The answer to Discord's own request: handed over, and nothing
        // more will say whether it arrived.
        confirm_reply(*rt, reply.outbox_id, reply_outcome::sent);
        return;
      }
      forget_expired(st, steady::now());
      auto t = st.tokens.find(reply.reply_to);
      if (t == st.tokens.end()) {
        logging::log(level::warn, "discord_interactions", "reply_dropped",
                     {{"path", path},
                      {"reply_to", reply.reply_to},
                      {"reason", "no interaction token (expired or unknown)"}});
        confirm_reply(*rt, reply.outbox_id, reply_outcome::rejected,
                      "no interaction token (expired or unknown)");
        return;
      }
      auto url = cfg.api_base
                 + followup_path(cfg.application_id, t->second.token);
      nlohmann::json body{{"content", reply.text},
                          {"allowed_mentions", {{"parse", nlohmann::json::array()}}}};
      auto timeout = duration_cast<milliseconds>(cfg.request_timeout);
      api_job job;
      job.what = "follow-up to " + reply.reply_to;
      job.finished = confirm_to(rt, reply.outbox_id);
      job.make = [url, text = body.dump(), timeout] {
        net::http_request req;
        req.method = "POST";
        req.url = url;
        req.headers = {{"Content-Type", "application/json"}};
        req.body = text;
        req.timeout = timeout;
        return std::optional<net::http_request>{std::move(req)};
      };
      job.judge = judge_http;
      st.out->add(self, std::move(job));
    },
    [=](api_send_atom, uint64_t id) { self->state.out->send(self, id); },
    [=](api_done_atom, uint64_t id, net::http_response& resp) {
      self->state.out->done(self, id, resp);
    },
  };
}

} // namespace

supervision::child_spec
interactions_spec(runtime_ptr rt, const config::tether_config& cfg,
                  const config::platform_entry& entry,
                  std::shared_ptr<net::http_client> http) {
  auto settings = std::get<config::discord_interactions_settings>(
    entry.settings);
  net::http_client_options opts;
  opts.tls.ca_file = settings.ca_file;
  opts.user_agent = "DiscordBot (tether, " TETHER_VERSION ")";
  if (!http)
    http = net::http_client::make(rt->io(), opts);
  supervision::child_spec spec;
  spec.id = entry.id();
  spec.start = [rt, entry, http, settings](supervision::child_context& ctx) {
    auto hdl = ctx.parent->system().spawn(interactions, rt, entry, ctx.path,
                                          http);
    rt->directory().register_actor(ctx.path, hdl);
    rt->directory().register_actor("webhook:" + settings.path, hdl);
    return rt->directory().register_actor(
      "sender:discord_interactions:" + entry.name, hdl);
  };
  return spec;
}

} // namespace tether::discord
