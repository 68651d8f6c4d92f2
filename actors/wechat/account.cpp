#include "actors/wechat/account.hpp"

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
#include "protocols/wechat/message.hpp"
#include "protocols/wechat/signature.hpp"
#include "protocols/xml/flat_xml.hpp"
#include "supervision/reason.hpp"
#include "supervision/supervisor.hpp"

namespace tether::wechat {

namespace {

using namespace tether::ingress;
using level = spdlog::level::level_enum;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct waiting_push {
  webhook_call_ptr call;
  /// The follower (FromUserName) and the account (ToUserName).
  std::string follower;
  std::string account;
  /// Set when the push was encrypted: the reply must be too.
  bool encrypted = false;
  std::string timestamp;
  std::string nonce;
};

struct hook_state {
  std::unique_ptr<rejections> rejected;
  std::unique_ptr<outbox> out;
  replay_guard_ptr guard;
  std::optional<wecom::msg_crypt> crypt;
  std::map<std::string, waiting_push> waiting;
  uint64_t dispatched = 0;
  uint64_t duplicates = 0;
  static inline const char* name = "wechat.hook";
};

using self_ptr = caf::stateful_actor<hook_state>*;

int64_t to_int(const std::string& str) {
  try {
    return std::stoll(str);
  } catch (...) {
    return 0;
  }
}

// errcode values that mean "this access_token is no longer valid".
bool token_invalid(int64_t code) {
  return code == 40001 || code == 40014 || code == 42001;
}

caf::behavior hook(self_ptr self, runtime_ptr rt,
                   config::platform_entry entry, std::string path,
                   std::shared_ptr<net::http_client> http,
                   token_cell_ptr cell) {
  auto cfg = std::get<config::wechat_settings>(entry.settings);
  auto& st = self->state;
  st.rejected = std::make_unique<rejections>("wechat", path);
  st.out = std::make_unique<outbox>("wechat", path, http);
  st.guard = shared_replay_guard(*rt->config());
  if (cfg.mode != config::wechat_mode::plain) {
    std::string error;
    st.crypt = make_safe_crypt(cfg.token.reveal(),
                               cfg.encoding_aes_key.reveal(), cfg.app_id,
                               &error);
    if (!st.crypt) {
      self->quit(supervision::make_fatal("wechat encoding_aes_key: " + error));
      return {};
    }
  }
  auto name = entry.name;
  auto token = cfg.token.reveal();
  logging::log(level::info, "wechat", "ready",
               {{"path", path}, {"webhook", cfg.path}});
  return {
    [=](webhook_atom, webhook_call_ptr& call) {
      auto& st = self->state;
      auto& req = call->request;
      auto q = [&](const char* key) { return query_param(req.query, key); };
      auto timestamp = q("timestamp");
      auto nonce = q("nonce");
      auto signature = q("signature");
      if (req.method == "GET") {
        // URL verification dispatches nothing, so no timestamp window:
        // a replay only repeats the answer already given.
        std::string error;
        auto echo = verify_url(token, signature, timestamp, nonce,
                               q("echostr"), &error);
        if (!echo) {
          st.rejected->reject(*call, 401, "signature", error);
          return;
        }
        respond_ok(*call, *echo, "text/plain");
        return;
      }
      if (req.method != "POST") {
        st.rejected->reject(*call, 405, "method", req.method);
        return;
      }
      if (!verify_signature(token, timestamp, nonce, signature)) {
        st.rejected->reject(*call, 401, "signature");
        return;
      }
      if (!st.guard->fresh(to_int(timestamp), unix_now())) {
        st.rejected->reject(*call, 401, "stale_timestamp", timestamp);
        return;
      }
      std::string xml_text;
      bool encrypted = q("encrypt_type") == "aes";
      if (encrypted) {
        if (!st.crypt) {
          st.rejected->reject(*call, 401, "unexpected_encryption");
          return;
        }
        std::string error;
        auto inner = st.crypt->open_post(q("msg_signature"), timestamp, nonce,
                                         req.body, &error);
        if (!inner) {
          st.rejected->reject(*call, 401, "decrypt", error);
          return;
        }
        xml_text = std::move(*inner);
      } else if (cfg.mode == config::wechat_mode::safe) {
        st.rejected->reject(*call, 401, "plaintext_in_safe_mode");
        return;
      } else {
        xml_text = req.body;
      }
      std::string error;
      auto doc = xml::parse_flat(xml_text, &error);
      if (!doc) {
        st.rejected->reject(*call, 400, "malformed", error);
        return;
      }
      auto key = dedupe_key(*doc);
      if (!st.guard->first_time("wechat:" + name + ":" + key, unix_now())) {
        ++st.duplicates;
        logging::log(level::info, "wechat", "duplicate",
                     {{"path", path}, {"id", key}});
        respond_ok(*call, "success", "text/plain");
        return;
      }
      auto msg = convert_message(xml_text, name, &error);
      if (!msg) {
        // Verified but not understood: acknowledge so WeChat stops.
        logging::log(level::info, "wechat", "unsupported",
                     {{"path", path}, {"error", error}});
        respond_ok(*call, "success", "text/plain");
        return;
      }
      auto router = rt->directory().get("core/router");
      if (!router) {
        logging::log(level::warn, "wechat", "router_down",
                     {{"path", path}, {"id", msg->id}});
        respond_ok(*call, "success", "text/plain");
        return;
      }
      waiting_push w;
      w.call = call;
      w.follower = doc->get("FromUserName");
      w.account = doc->get("ToUserName");
      w.encrypted = encrypted;
      w.timestamp = timestamp;
      w.nonce = nonce;
      auto id = msg->id;
      ++st.dispatched;
      if (cfg.reply_window.count() == 0) {
        // No passive reply wanted: every reply goes through the API.
        respond_ok(*call, "success", "text/plain");
        self->send(router, inbound_atom::value, std::move(*msg));
        return;
      }
      st.waiting[id] = std::move(w);
      self->send(router, inbound_atom::value, std::move(*msg));
      self->delayed_send(self, cfg.reply_window, window_atom::value, id);
    },
    [=](window_atom, const std::string& id) {
      auto& st = self->state;
      auto i = st.waiting.find(id);
      if (i == st.waiting.end())
        return;
      respond_ok(*i->second.call, "success", "text/plain");
      st.waiting.erase(i);
    },
    [=](reply_atom, outbound_reply& reply) {
      auto& st = self->state;
      if (auto i = st.waiting.find(reply.reply_to); i != st.waiting.end()) {
        auto& w = i->second;
        auto xml_text = make_text_reply(w.follower, w.account, unix_now(),
                                        reply.text);
        if (w.encrypted) {
          std::string error;
          auto sealed = st.crypt->seal_reply(xml_text, w.timestamp, w.nonce,
                                             &error);
          if (!sealed) {
            logging::log(level::warn, "wechat", "seal_failed",
                         {{"path", path}, {"error", error}});
            respond_ok(*w.call, "success", "text/plain");
            st.waiting.erase(i);
            // Fall through to the API below.
          } else {
            respond_ok(*w.call, std::move(*sealed), "application/xml");
            st.waiting.erase(i);
            // The answer to the platform's own request: handed over, and
            // nothing more will say whether it arrived.
            confirm_reply(*rt, reply.outbox_id, reply_outcome::sent);
            return;
          }
        } else {
          respond_ok(*w.call, std::move(xml_text), "application/xml");
          st.waiting.erase(i);
          confirm_reply(*rt, reply.outbox_id, reply_outcome::sent);
          return;
        }
      }
      auto url = cfg.api_base + std::string{custom_send_path}
                 + "?access_token=";
      auto body = make_custom_text(reply.context.room_id, reply.text);
      auto timeout = duration_cast<milliseconds>(cfg.request_timeout);
      api_job job;
      job.what = "customer-service reply to " + reply.reply_to;
      job.finished = confirm_to(rt, reply.outbox_id);
      job.make = [url, body, timeout, cell]() -> std::optional<net::http_request> {
        auto tok = cell->get(std::chrono::steady_clock::now());
        if (!tok)
          return std::nullopt;
        net::http_request req;
        req.method = "POST";
        req.url = url + *tok;
        req.headers = {{"Content-Type", "application/json"}};
        req.body = body;
        req.timeout = timeout;
        return req;
      };
      job.judge = [cell](const net::http_response& resp) -> api_verdict {
        auto verdict = judge_http(resp);
        if (verdict.kind != api_verdict::ok)
          return verdict;
        auto json = nlohmann::json::parse(resp.body, nullptr, false);
        auto code = json.is_object() ? json.value("errcode", int64_t{0})
                                     : int64_t{0};
        if (code == 0)
          return {api_verdict::ok, {}};
        auto why = "errcode " + std::to_string(code) + ": "
                   + (json.is_object() ? json.value("errmsg", "") : "");
        if (token_invalid(code) || code == -1 || code == 45009)
          return {api_verdict::retry, why};
        return {api_verdict::drop, why};
      };
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
  if (resp.status != 200 || !json.is_object()) {
    out.error = "HTTP " + std::to_string(resp.status);
    return out;
  }
  auto code = json.value("errcode", int64_t{0});
  if (code != 0) {
    out.error = "errcode " + std::to_string(code) + ": "
                + json.value("errmsg", "");
    // -1: system busy; anything else names the request (appid, secret,
    // IP whitelist), which a retry does not change.
    out.kind = code == -1 ? token_answer::failed : token_answer::rejected;
    return out;
  }
  auto tok = json.value("access_token", "");
  auto expires = json.value("expires_in", int64_t{0});
  if (tok.empty() || expires <= 0) {
    out.error = "no access_token in the answer";
    return out;
  }
  out.kind = token_answer::ok;
  out.token = tok;
  out.expires_in = seconds{expires};
  return out;
}

} // namespace

supervision::child_spec account_spec(runtime_ptr rt,
                                     const config::tether_config& cfg,
                                     const config::platform_entry& entry,
                                     std::shared_ptr<net::http_client> http) {
  using namespace supervision;
  auto settings = std::get<config::wechat_settings>(entry.settings);
  auto node = "platforms/" + entry.id();
  net::http_client_options opts;
  opts.tls.ca_file = settings.ca_file;
  opts.user_agent = "tether/" TETHER_VERSION;
  if (!http)
    http = net::http_client::make(rt->io(), opts);
  auto cell = std::make_shared<token_cell>();
  token_source src;
  src.component = "wechat";
  src.margin = seconds{300};
  src.request = [settings] {
    net::http_request req;
    req.url = settings.api_base
              + "/cgi-bin/token?grant_type=client_credential&appid="
              + settings.app_id + "&secret=" + settings.app_secret.reveal();
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
    return rt->directory().register_actor("sender:wechat:" + entry.name,
                                          hdl);
  };
  supervisor_flags flags;
  flags.strat = strategy::one_for_one;
  return supervisor_spec(entry.id(), flags, std::vector<child_spec>{tok, hk},
                         cfg.policy_for(node));
}

} // namespace tether::wechat
