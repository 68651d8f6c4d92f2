#include "actors/qq/token.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/qq/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/net/http_client.hpp"
#include "protocols/qq/token.hpp"
#include "supervision/reason.hpp"

namespace tether::qq {

std::optional<std::string> token_cell::get(time_point now) const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (token_.empty() || now >= expires_)
    return std::nullopt;
  return token_;
}

void token_cell::set(std::string token, time_point expires) {
  std::lock_guard<std::mutex> guard{mtx_};
  token_ = std::move(token);
  expires_ = expires;
  ++generation_;
}

uint64_t token_cell::generation() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return generation_;
}

namespace {

using level = spdlog::level::level_enum;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Failed fetches wait 1 s, 2 s, 4 s, ... up to a minute.
constexpr auto max_backoff = seconds{60};

struct token_state {
  int failures = 0;
  static inline const char* name = "qq.token";
};

using self_ptr = caf::stateful_actor<token_state>*;

caf::behavior token(self_ptr self, runtime_ptr rt, config::qq_settings cfg,
                    std::shared_ptr<net::http_client> http, token_ptr cell,
                    std::string path) {
  auto log = [path](level lvl, std::string_view event,
                    std::vector<logging::field> fields = {}) {
    fields.insert(fields.begin(), {"path", path});
    logging::log(lvl, "qq", event, fields);
  };
  auto fetch = [=] {
    net::http_request req;
    req.method = "POST";
    req.url = cfg.token_url;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = make_token_request(cfg.app_id, cfg.client_secret.reveal());
    req.timeout = std::chrono::duration_cast<milliseconds>(cfg.request_timeout);
    auto me = caf::actor_cast<caf::actor>(self);
    http->request(std::move(req), [me](net::http_response resp) {
      caf::anon_send(me, token_atom::value, std::move(resp));
    });
  };
  fetch();
  return {
    [=](refresh_atom) { fetch(); },
    [=](token_atom, net::http_response& resp) {
      auto& st = self->state;
      std::string error;
      std::optional<access_token> tok;
      if (resp.error.empty() && resp.status > 0 && resp.status < 500)
        tok = parse_token_response(resp.body, &error);
      if (!tok) {
        // An answer with an error code names the credentials: retrying
        // cannot help.
        bool rejected = resp.error.empty() && resp.status > 0
                        && resp.status < 500 && resp.status != 429
                        && error.rfind("code ", 0) == 0;
        auto why = !resp.error.empty() ? resp.error
                   : !error.empty()
                     ? "HTTP " + std::to_string(resp.status) + ": " + error
                     : "HTTP " + std::to_string(resp.status);
        if (rejected) {
          log(level::err, "token_rejected", {{"error", why}});
          self->quit(supervision::make_fatal(
            "getAppAccessToken rejected the app_id/client_secret: " + why));
          return;
        }
        ++st.failures;
        auto wait = std::min<seconds>(
          max_backoff, seconds{int64_t{1} << std::min(st.failures - 1, 6)});
        log(level::warn, "token_failed",
            {{"error", why},
             {"attempt", std::to_string(st.failures)},
             {"retry_in", std::to_string(wait.count()) + "s"}});
        self->delayed_send(self, wait, refresh_atom::value);
        return;
      }
      st.failures = 0;
      // The token is a credential: never in a log line.
      logging::add_secret(tok->token);
      auto now = std::chrono::steady_clock::now();
      cell->set(tok->token, now + tok->expires_in);
      auto margin = std::chrono::duration_cast<seconds>(
        cfg.token_refresh_margin);
      auto next = refresh_after(tok->expires_in, margin);
      log(level::info, "token_refreshed",
          {{"expires_in", std::to_string(tok->expires_in.count()) + "s"},
           {"next_refresh", std::to_string(next.count()) + "s"}});
      self->delayed_send(self, next, refresh_atom::value);
    },
  };
}

} // namespace

caf::actor spawn_token(caf::local_actor* parent, runtime_ptr rt,
                       config::qq_settings settings,
                       std::shared_ptr<net::http_client> http, token_ptr cell,
                       std::string path) {
  return parent->system().spawn(token, std::move(rt), std::move(settings),
                                std::move(http), std::move(cell),
                                std::move(path));
}

} // namespace tether::qq
