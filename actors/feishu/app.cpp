#include "actors/feishu/app.hpp"

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
#include "protocols/crypto/digest.hpp"
#include "protocols/feishu/webhook.hpp"
#include "protocols/pacing/keyed_pacer.hpp"
#include "supervision/supervisor.hpp"

namespace tether::feishu {

namespace {

using namespace tether::ingress;
using level = spdlog::level::level_enum;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Replies per chat. PROTOCOLS.md §5.3 (im/v1/messages create): 5 QPS to
// the same user and 5 QPS per group. A bucket of 3 refilled at 2/s puts at
// most 3 + 2 = 5 sends into any one-second window.
pacing::pacer_limits chat_limits() {
  pacing::pacer_limits out;
  out.interval = milliseconds{500};
  out.burst = 3;
  out.max_keys = 10000;
  out.max_delay = seconds{30};
  return out;
}

/// Replies waiting for their chat's slot at most; beyond, replies drop.
constexpr size_t max_paced = 1000;

struct hook_state {
  std::unique_ptr<rejections> rejected;
  std::unique_ptr<outbox> out;
  replay_guard_ptr guard;
  /// Replies sent per message answered, for distinct uuids.
  std::map<std::string, uint64_t> reply_count;
  uint64_t dispatched = 0;
  uint64_t duplicates = 0;
  pacing::keyed_pacer pacer{chat_limits()};
  /// Replies waiting for their slot, by ticket.
  std::map<uint64_t, api_job> paced;
  uint64_t next_ticket = 1;
  static inline const char* name = "feishu.hook";
};

using self_ptr = caf::stateful_actor<hook_state>*;

// Hands `job` to the outbox now, or at the chat's next slot by a delayed
// (reply_atom, ticket) to this actor.
void pace(self_ptr self, const std::string& path, const std::string& chat,
          api_job job) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  auto slot = st.pacer.acquire_at(chat, now);
  const char* why = nullptr;
  if (!slot.granted())
    why = pacing::to_string(slot.kind);
  else if (slot.at <= now)
    return st.out->add(self, std::move(job));
  else if (st.paced.size() >= max_paced)
    why = "pacing_queue_full";
  if (why) {
    logging::log(level::warn, "feishu", "send_dropped",
                 {{"path", path}, {"what", job.what}, {"reason", why}});
    // Only this process is short of room: worth another try later.
    finish(job, reply_outcome::retry, why);
    return;
  }
  auto ticket = st.next_ticket++;
  st.paced.emplace(ticket, std::move(job));
  self->delayed_send(self, slot.at - now, reply_atom::value, ticket);
}

// Codes that mean "the tenant_access_token is invalid or expired".
bool token_invalid(int64_t code) {
  return code == 99991661 || code == 99991663 || code == 99991668;
}

caf::behavior hook(self_ptr self, runtime_ptr rt,
                   config::platform_entry entry, std::string path,
                   std::shared_ptr<net::http_client> http,
                   token_cell_ptr cell) {
  auto cfg = std::get<config::feishu_settings>(entry.settings);
  auto& st = self->state;
  st.rejected = std::make_unique<rejections>("feishu", path);
  st.out = std::make_unique<outbox>("feishu", path, http);
  st.guard = shared_replay_guard(*rt->config());
  webhook_config wcfg;
  wcfg.bot_name = entry.name;
  wcfg.encrypt_key = cfg.encrypt_key.reveal();
  wcfg.verification_token = cfg.verification_token.reveal();
  wcfg.bot_ids = {cfg.app_id};
  auto name = entry.name;
  logging::log(level::info, "feishu", "ready",
               {{"path", path}, {"webhook", cfg.path}});
  return {
    [=](webhook_atom, webhook_call_ptr& call) {
      auto& st = self->state;
      auto& req = call->request;
      if (req.method != "POST") {
        st.rejected->reject(*call, 405, "method", req.method);
        return;
      }
      auto ts = req.header("X-Lark-Request-Timestamp");
      auto nonce = req.header("X-Lark-Request-Nonce");
      auto sig = req.header("X-Lark-Signature");
      auto result = handle_request({ts, nonce, sig, req.body}, wcfg);
      switch (result.kind) {
        case outcome_kind::rejected:
          st.rejected->reject(*call, result.status,
                              result.status == 401 ? "verification"
                                                   : "malformed",
                              result.error);
          return;
        case outcome_kind::challenge:
          respond_ok(*call, result.response, "application/json");
          return;
        case outcome_kind::event:
          break;
      }
      // Signed requests carry their time; unsigned ones (no encrypt key)
      // are bounded by the event's own create_time.
      int64_t stamp = 0;
      try {
        stamp = !ts.empty() ? std::stoll(ts)
                            : std::stoll(result.event->create_time) / 1000;
      } catch (...) {
        stamp = 0;
      }
      if (!st.guard->fresh(stamp, unix_now())) {
        st.rejected->reject(*call, 401, "stale_timestamp",
                            std::to_string(stamp));
        return;
      }
      auto& env = *result.event;
      if (!st.guard->first_time("feishu:" + name + ":" + env.event_id,
                                unix_now())) {
        ++st.duplicates;
        logging::log(level::info, "feishu", "duplicate",
                     {{"path", path}, {"event_id", env.event_id}});
        respond_ok(*call, success_response(), "application/json");
        return;
      }
      // No passive reply on Feishu: acknowledge now, reply by API.
      respond_ok(*call, success_response(), "application/json");
      if (env.event_type != "im.message.receive_v1") {
        logging::log(level::debug, "feishu", "event_ignored",
                     {{"path", path}, {"event_type", env.event_type}});
        return;
      }
      std::string error;
      auto msg = convert_message_receive(env, wcfg, &error);
      if (!msg) {
        logging::log(level::info, "feishu", "unsupported",
                     {{"path", path}, {"error", error}});
        return;
      }
      auto router = rt->directory().get("core/router");
      if (!router) {
        logging::log(level::warn, "feishu", "router_down",
                     {{"path", path}, {"id", msg->id}});
        return;
      }
      ++st.dispatched;
      self->send(router, inbound_atom::value, std::move(*msg));
    },
    [=](reply_atom, outbound_reply& reply) {
      auto& st = self->state;
      // Feishu accepts a uuid at most once per hour: the same reply,
      // retried, cannot post twice. The outbox's idempotency key stays the
      // same when it resends after a crash; without one, the reply's
      // number among the answers to its message stands in.
      std::string uuid = reply.idempotency_key;
      if (uuid.empty()) {
        auto n = ++st.reply_count[reply.reply_to];
        if (st.reply_count.size() > 10000)
          st.reply_count.clear();
        uuid = crypto::sha256_hex(name + "\n" + reply.reply_to + "\n"
                                  + std::to_string(n) + "\n" + reply.text)
                 .substr(0, 32);
      }
      nlohmann::json content{{"text", reply.text}};
      nlohmann::json body{{"receive_id", reply.context.room_id},
                          {"msg_type", "text"},
                          {"content", content.dump()},
                          {"uuid", uuid}};
      auto url = cfg.api_base
                 + "/open-apis/im/v1/messages?receive_id_type=chat_id";
      auto timeout = duration_cast<milliseconds>(cfg.request_timeout);
      api_job job;
      job.what = "reply to " + reply.reply_to;
      job.finished = confirm_to(rt, reply.outbox_id);
      job.make = [url, text = body.dump(), timeout,
                  cell]() -> std::optional<net::http_request> {
        auto tok = cell->get(std::chrono::steady_clock::now());
        if (!tok)
          return std::nullopt;
        net::http_request req;
        req.method = "POST";
        req.url = url;
        req.headers = {{"Content-Type", "application/json; charset=utf-8"},
                       {"Authorization", "Bearer " + *tok}};
        req.body = text;
        req.timeout = timeout;
        return req;
      };
      job.judge = [](const net::http_response& resp) -> api_verdict {
        auto json = nlohmann::json::parse(resp.body, nullptr, false);
        auto code = json.is_object() ? json.value("code", int64_t{0})
                                     : int64_t{0};
        auto why = "code " + std::to_string(code) + ": "
                   + (json.is_object() ? json.value("msg", "") : "");
        if (resp.error.empty() && token_invalid(code))
          return {api_verdict::retry, why};
        auto verdict = judge_http(resp);
        if (verdict.kind != api_verdict::ok)
          return verdict;
        if (code == 0)
          return {api_verdict::ok, {}};
        // 230020: the chat's rate limit was hit.
        if (code == 230020)
          return {api_verdict::retry, why};
        return {api_verdict::drop, why};
      };
      pace(self, path, reply.context.room_id, std::move(job));
    },
    [=](reply_atom, uint64_t ticket) {
      auto& st = self->state;
      auto i = st.paced.find(ticket);
      if (i == st.paced.end())
        return;
      auto job = std::move(i->second);
      st.paced.erase(i);
      st.out->add(self, std::move(job));
    },
    [=](api_send_atom, uint64_t id) { self->state.out->send(self, id); },
    [=](api_done_atom, uint64_t id, net::http_response& resp) {
      self->state.out->done(self, id, resp);
    },
  };
}

token_answer parse_token(const net::http_response& resp) {
  token_answer out;
  if (!resp.error.empty()) {
    out.error = resp.error;
    return out;
  }
  auto json = nlohmann::json::parse(resp.body, nullptr, false);
  if (!json.is_object()) {
    out.error = "HTTP " + std::to_string(resp.status);
    return out;
  }
  auto code = json.value("code", int64_t{-1});
  if (code != 0) {
    out.error = "code " + std::to_string(code) + ": " + json.value("msg", "");
    // A 4xx with a code names the credentials; 5xx and 429 may pass.
    out.kind = resp.status >= 500 || resp.status == 429
                 ? token_answer::failed
                 : token_answer::rejected;
    return out;
  }
  auto tok = json.value("tenant_access_token", "");
  auto expires = json.value("expire", int64_t{0});
  if (tok.empty() || expires <= 0) {
    out.error = "no tenant_access_token in the answer";
    return out;
  }
  out.kind = token_answer::ok;
  out.token = tok;
  out.expires_in = seconds{expires};
  return out;
}

} // namespace

supervision::child_spec app_spec(runtime_ptr rt,
                                 const config::tether_config& cfg,
                                 const config::platform_entry& entry,
                                 std::shared_ptr<net::http_client> http) {
  using namespace supervision;
  auto settings = std::get<config::feishu_settings>(entry.settings);
  auto node = "platforms/" + entry.id();
  net::http_client_options opts;
  opts.tls.ca_file = settings.ca_file;
  opts.user_agent = "tether/" TETHER_VERSION;
  if (!http)
    http = net::http_client::make(rt->io(), opts);
  auto cell = std::make_shared<token_cell>();
  token_source src;
  src.component = "feishu";
  // Within 30 min of expiry Feishu hands out a new token.
  src.margin = seconds{1800};
  src.request = [settings] {
    net::http_request req;
    req.method = "POST";
    req.url = settings.api_base
              + "/open-apis/auth/v3/tenant_access_token/internal";
    req.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    req.body = nlohmann::json{{"app_id", settings.app_id},
                              {"app_secret", settings.app_secret.reveal()}}
                 .dump();
    req.timeout = duration_cast<milliseconds>(settings.request_timeout);
    return req;
  };
  src.parse = parse_token;
  child_spec tok;
  tok.id = "token";
  tok.policy = cfg.policy_for(node + "/token");
  tok.start = [http, src, cell](child_context& ctx) {
    return spawn_token_refresher(ctx.parent, http, src, cell, ctx.path);
  };
  child_spec hk;
  hk.id = "hook";
  hk.policy = cfg.policy_for(node + "/hook");
  hk.start = [rt, entry, http, cell, settings](child_context& ctx) {
    auto hdl = ctx.parent->system().spawn(hook, rt, entry, ctx.path, http,
                                          cell);
    rt->directory().register_actor(ctx.path, hdl);
    rt->directory().register_actor("webhook:" + settings.path, hdl);
    return rt->directory().register_actor("sender:feishu:" + entry.name,
                                          hdl);
  };
  supervisor_flags flags;
  flags.strat = strategy::one_for_one;
  return supervisor_spec(entry.id(), flags, std::vector<child_spec>{tok, hk},
                         cfg.policy_for(node));
}

} // namespace tether::feishu
