#include "actors/ingress/api.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/ingress/type_ids.hpp"
#include "config/logging.hpp"
#include "supervision/reason.hpp"

namespace tether::ingress {

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
}

void token_cell::invalidate(const std::string& token) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (token_ == token)
    token_.clear();
}

namespace {

using level = spdlog::level::level_enum;
using std::chrono::seconds;

constexpr auto max_backoff = seconds{60};

seconds backoff(int failures) {
  return std::min<seconds>(max_backoff,
                           seconds{int64_t{1} << std::min(failures - 1, 6)});
}

struct refresher_state {
  int failures = 0;
  static inline const char* name = "webhook.token";
};

caf::behavior refresher(caf::stateful_actor<refresher_state>* self,
                        std::shared_ptr<net::http_client> http,
                        token_source src, token_cell_ptr cell,
                        std::string path) {
  auto fetch = [=] {
    auto me = caf::actor_cast<caf::actor>(self);
    http->request(src.request(), [me](net::http_response resp) {
      caf::anon_send(me, api_token_atom::value, std::move(resp));
    });
  };
  fetch();
  return {
    [=](api_refresh_atom) { fetch(); },
    [=](api_token_atom, net::http_response& resp) {
      auto& st = self->state;
      auto answer = src.parse(resp);
      if (answer.kind == token_answer::rejected) {
        logging::log(level::err, src.component, "token_rejected",
                     {{"path", path}, {"error", answer.error}});
        self->quit(supervision::make_fatal(
          src.component + " rejected the app credentials: " + answer.error));
        return;
      }
      if (answer.kind == token_answer::failed) {
        auto wait = backoff(++st.failures);
        logging::log(level::warn, src.component, "token_failed",
                     {{"path", path},
                      {"error", answer.error},
                      {"attempt", std::to_string(st.failures)},
                      {"retry_in", std::to_string(wait.count()) + "s"}});
        self->delayed_send(self, wait, api_refresh_atom::value);
        return;
      }
      st.failures = 0;
      logging::add_secret(answer.token);
      cell->set(answer.token,
                std::chrono::steady_clock::now() + answer.expires_in);
      auto next = answer.expires_in > src.margin * 2
                    ? answer.expires_in - src.margin
                    : std::max(seconds{1}, answer.expires_in / 2);
      logging::log(level::info, src.component, "token_refreshed",
                   {{"path", path},
                    {"expires_in",
                     std::to_string(answer.expires_in.count()) + "s"},
                    {"next_refresh", std::to_string(next.count()) + "s"}});
      self->delayed_send(self, next, api_refresh_atom::value);
    },
  };
}

} // namespace

caf::actor spawn_token_refresher(caf::local_actor* parent,
                                 std::shared_ptr<net::http_client> http,
                                 token_source source, token_cell_ptr cell,
                                 std::string path) {
  return parent->system().spawn(refresher, std::move(http), std::move(source),
                                std::move(cell), std::move(path));
}

void outbox::add(caf::event_based_actor* self, api_job job) {
  auto id = next_++;
  jobs_.emplace(id, std::move(job));
  send(self, id);
}

void outbox::send(caf::event_based_actor* self, uint64_t id) {
  auto i = jobs_.find(id);
  if (i == jobs_.end())
    return;
  auto& job = i->second;
  ++job.attempts;
  auto req = job.make();
  if (!req) {
    retry(self, id, "no access token yet");
    return;
  }
  auto me = caf::actor_cast<caf::actor>(self);
  http_->request(std::move(*req), [me, id](net::http_response resp) {
    caf::anon_send(me, api_done_atom::value, id, std::move(resp));
  });
}

void outbox::done(caf::event_based_actor* self, uint64_t id,
                  const net::http_response& resp) {
  auto i = jobs_.find(id);
  if (i == jobs_.end())
    return;
  auto verdict = i->second.judge(resp);
  switch (verdict.kind) {
    case api_verdict::ok:
      ++sent_;
      logging::log(level::debug, component_, "sent",
                   {{"path", path_}, {"what", i->second.what}});
      finish(i->second, reply_outcome::sent, {});
      jobs_.erase(i);
      return;
    case api_verdict::retry:
      retry(self, id, verdict.error);
      return;
    case api_verdict::drop:
      ++dropped_;
      logging::log(level::warn, component_, "send_failed",
                   {{"path", path_},
                    {"what", i->second.what},
                    {"error", verdict.error}});
      finish(i->second, reply_outcome::rejected, verdict.error);
      jobs_.erase(i);
      return;
  }
}

void outbox::retry(caf::event_based_actor* self, uint64_t id,
                   const std::string& why) {
  auto i = jobs_.find(id);
  if (i == jobs_.end())
    return;
  auto& job = i->second;
  if (job.attempts >= max_attempts) {
    ++dropped_;
    logging::log(level::warn, component_, "send_failed",
                 {{"path", path_},
                  {"what", job.what},
                  {"error", why},
                  {"attempts", std::to_string(job.attempts)}});
    finish(job, reply_outcome::retry,
           why + " (after " + std::to_string(job.attempts) + " attempts)");
    jobs_.erase(i);
    return;
  }
  auto wait = backoff(job.attempts);
  logging::log(level::info, component_, "send_retry",
               {{"path", path_},
                {"what", job.what},
                {"error", why},
                {"retry_in", std::to_string(wait.count()) + "s"}});
  self->delayed_send(caf::actor_cast<caf::actor>(self), wait,
                     api_send_atom::value, id);
}

void finish(api_job& job, reply_outcome outcome, const std::string& error) {
  if (!job.finished)
    return;
  auto fn = std::move(job.finished);
  job.finished = nullptr;
  fn(outcome, error);
}

api_finished confirm_to(runtime_ptr rt, uint64_t outbox_id) {
  if (outbox_id == 0)
    return nullptr;
  return [rt = std::move(rt), outbox_id](reply_outcome outcome,
                                         const std::string& error) {
    confirm_reply(*rt, outbox_id, outcome, error);
  };
}

api_verdict judge_http(const net::http_response& resp) {
  if (!resp.error.empty())
    return {api_verdict::retry, resp.error};
  if (resp.status >= 200 && resp.status < 300)
    return {api_verdict::ok, {}};
  auto why = "HTTP " + std::to_string(resp.status) + ": "
             + resp.body.substr(0, 200);
  if (resp.status == 429 || resp.status >= 500)
    return {api_verdict::retry, why};
  return {api_verdict::drop, why};
}

} // namespace tether::ingress
