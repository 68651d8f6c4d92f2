#include "actors/discord/rest.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <random>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/discord/type_ids.hpp"
#include "actors/metrics/names.hpp"
#include "config/logging.hpp"
#include "protocols/discord/rate_limit.hpp"
#include "protocols/discord/rest_message.hpp"
#include "protocols/discord/rest_route.hpp"
#include "protocols/net/http_client.hpp"
#include "supervision/reason.hpp"

namespace tether::discord {

namespace {

using level = spdlog::level::level_enum;
using time_point = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

constexpr size_t max_queue = 10000;
constexpr size_t max_inflight = 8;
constexpr int max_attempts = 4;

struct job {
  uint64_t id = 0;
  std::string route;
  std::string url;
  std::string body;
  int attempts = 0;
  time_point not_before{};
};

/// Where and how replies go; the rest is shared by both platform kinds.
struct rest_target {
  std::string name;
  std::string path;
  net::header_list headers;
  std::chrono::milliseconds timeout{15'000};
  /// Builds the requests for one reply (several when the text is long).
  std::function<std::vector<job>(const outbound_reply&, uint64_t& seq)>
    make_jobs;
};

struct rest_state {
  std::deque<job> queue;
  std::map<uint64_t, job> inflight;
  rest_limiter limiter;
  uint64_t next_id = 1;
  uint64_t nonce_seq = 0;
  std::optional<time_point> pump_at;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  static inline const char* name = "discord.rest";
};

using self_ptr = caf::stateful_actor<rest_state>*;

class rest_logic {
public:
  rest_logic(self_ptr self, rest_target target,
             std::shared_ptr<net::http_client> http)
    : self_(self), target_(std::move(target)), http_(std::move(http)) {
    // nop
  }

  void on_reply(const outbound_reply& reply) {
    auto& st = self_->state;
    for (auto& j : target_.make_jobs(reply, st.nonce_seq)) {
      if (st.queue.size() >= max_queue) {
        ++st.dropped;
        log(level::err, "queue_full", {{"route", loggable_route(j.route)}});
        continue;
      }
      j.id = st.next_id++;
      st.queue.push_back(std::move(j));
    }
    pump();
  }

  void pump() {
    auto& st = self_->state;
    auto now = std::chrono::steady_clock::now();
    std::optional<time_point> earliest;
    // Routes with an earlier job still waiting: keep each route in order.
    std::set<std::string> waiting;
    for (auto i = st.queue.begin();
         i != st.queue.end() && st.inflight.size() < max_inflight;) {
      auto& j = *i;
      if (st.limiter.webhook_gone(j.route)) {
        self_->quit(supervision::make_fatal(
          "the webhook answered 404: stop using that webhook"));
        return;
      }
      if (st.limiter.route_blocked(j.route, now)) {
        ++st.dropped;
        log(level::err, "dropped",
            {{"route", loggable_route(j.route)},
             {"why", st.limiter.route_block_reason(j.route)}});
        i = st.queue.erase(i);
        continue;
      }
      if (st.limiter.invalid_budget_exhausted(now)) {
        // Far from Discord's ban threshold, but something is wrong: pause.
        earliest = now + std::chrono::seconds{10};
        log(level::err, "paused", {{"why", "too many invalid requests"}});
        break;
      }
      // One request per route in flight: a response's `remaining` replaces
      // the limiter's count, which must not miss requests still under way.
      if (waiting.count(j.route) > 0 || in_flight(j.route)) {
        waiting.insert(j.route);
        ++i;
        continue;
      }
      auto at = std::max(st.limiter.acquire_at(j.route, now), j.not_before);
      if (at > now) {
        waiting.insert(j.route);
        if (!earliest || at < *earliest)
          earliest = at;
        ++i;
        continue;
      }
      st.limiter.on_sent(j.route, now);
      send(std::move(j));
      i = st.queue.erase(i);
    }
    if (earliest && (!st.pump_at || *earliest < *st.pump_at)) {
      st.pump_at = earliest;
      self_->delayed_send(self_, *earliest - now, pump_atom::value);
    }
  }

  void on_pump() {
    auto& st = self_->state;
    if (st.pump_at && std::chrono::steady_clock::now() >= *st.pump_at)
      st.pump_at.reset();
    pump();
  }

  void on_done(uint64_t id, net::http_response& resp) {
    auto& st = self_->state;
    auto i = st.inflight.find(id);
    if (i == st.inflight.end())
      return;
    auto j = std::move(i->second);
    st.inflight.erase(i);
    auto now = std::chrono::steady_clock::now();
    if (resp.status != 0)
      st.limiter.on_response(j.route, resp.status,
                             parse_rate_limit(resp.headers,
                                              resp.status == 429
                                                ? std::string_view{resp.body}
                                                : std::string_view{}),
                             now);
    if (resp.status >= 200 && resp.status < 300) {
      ++st.sent;
    } else if (resp.status == 429) {
      rate_limited_.inc();
      // Same body, same nonce: Discord dedupes a retry that did go through.
      st.queue.push_front(std::move(j));
    } else if (resp.status == 404 && st.limiter.webhook_gone(j.route)) {
      // Park now, not when the next message comes: the operator should
      // see it at once.
      self_->quit(supervision::make_fatal(
        "the webhook answered 404: stop using that webhook"));
      return;
    } else if (resp.status == 0 || resp.status >= 500) {
      if (++j.attempts < max_attempts) {
        j.not_before = now + milliseconds{500 << j.attempts};
        log(level::warn, "retry",
            {{"route", loggable_route(j.route)},
             {"error", resp.error.empty() ? "HTTP " + std::to_string(resp.status)
                                          : resp.error},
             {"attempt", std::to_string(j.attempts)}});
        st.queue.push_front(std::move(j));
      } else {
        ++st.dropped;
        log(level::err, "dropped",
            {{"route", loggable_route(j.route)},
             {"why", "gave up after " + std::to_string(max_attempts)
                       + " attempts: "
                       + (resp.error.empty()
                            ? "HTTP " + std::to_string(resp.status)
                            : resp.error)}});
      }
    } else {
      ++st.dropped;
      log(level::err, "rejected",
          {{"route", loggable_route(j.route)},
           {"status", std::to_string(resp.status)},
           {"body", logging::redact(resp.body.substr(0, 300))}});
    }
    pump();
  }

private:
  bool in_flight(const std::string& route) const {
    for (auto& [id, j] : self_->state.inflight)
      if (j.route == route)
        return true;
    return false;
  }

  void send(job j) {
    auto& st = self_->state;
    net::http_request req;
    req.method = "POST";
    req.url = j.url;
    req.headers = target_.headers;
    req.body = j.body;
    req.timeout = target_.timeout;
    auto id = j.id;
    st.inflight.emplace(id, std::move(j));
    auto me = caf::actor_cast<caf::actor>(self_);
    http_->request(std::move(req), [me, id](net::http_response resp) {
      caf::anon_send(me, http_done_atom::value, id, std::move(resp));
    });
  }

  void log(level lvl, std::string_view event,
           std::vector<logging::field> fields = {}) {
    fields.insert(fields.begin(), {"path", target_.path});
    logging::log(lvl, "discord", event, fields);
  }

  self_ptr self_;
  rest_target target_;
  // Labelled with the platform kind: `discord` or `discord_webhook`.
  metrics::counter& rate_limited_ = metrics::rest_rate_limited().with(
    {target_.name.substr(0, target_.name.find(':'))});
  std::shared_ptr<net::http_client> http_;
};

caf::behavior rest(self_ptr self, runtime_ptr rt, rest_target target,
                   std::shared_ptr<net::http_client> http) {
  auto logic = std::make_shared<rest_logic>(self, std::move(target),
                                            std::move(http));
  return {
    [=](reply_atom, const outbound_reply& reply) { logic->on_reply(reply); },
    [=](pump_atom) { logic->on_pump(); },
    [=](http_done_atom, uint64_t id, net::http_response& resp) {
      logic->on_done(id, resp);
    },
  };
}

uint64_t random_salt() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

// The part of a webhook URL that names its rate-limit route.
std::string webhook_path(const std::string& url) {
  auto pos = url.find("/webhooks/");
  if (pos == std::string::npos)
    return "/webhooks/unknown";
  auto end = url.find('?', pos);
  return url.substr(pos, end == std::string::npos ? end : end - pos);
}

} // namespace

caf::actor spawn_bot_rest(caf::local_actor* parent, runtime_ptr rt,
                          std::string name,
                          const config::discord_settings& cfg,
                          std::shared_ptr<net::http_client> http,
                          std::string path) {
  rest_target target;
  target.name = "discord:" + name;
  target.path = path;
  target.headers = {{"Authorization", "Bot " + cfg.token.reveal()},
                    {"User-Agent", user_agent(TETHER_VERSION)},
                    {"Content-Type", "application/json"}};
  target.timeout = std::chrono::duration_cast<milliseconds>(
    cfg.request_timeout);
  auto api = cfg.api_base;
  auto mentions = cfg.allow_user_mentions;
  auto salt = random_salt();
  target.make_jobs = [api, mentions, salt](const outbound_reply& reply,
                                           uint64_t& seq) {
    std::vector<job> jobs;
    auto channel = reply.context.room_id;
    auto route_path = "/channels/" + channel + "/messages";
    bool first = true;
    for (auto& part : split_content(reply.text)) {
      job j;
      j.route = route_key("POST", route_path);
      j.url = api + route_path;
      // Only the first part answers the message; the rest follow it.
      j.body = make_create_message(part, make_nonce(++seq, salt),
                                   first ? reply.reply_to : std::string{},
                                   mentions);
      first = false;
      jobs.push_back(std::move(j));
    }
    return jobs;
  };
  auto key = "sender:" + target.name;
  return rt->directory().register_actor(
    key, parent->system().spawn(rest, rt, std::move(target), std::move(http)));
}

caf::actor spawn_webhook_rest(caf::local_actor* parent, runtime_ptr rt,
                              std::string name,
                              config::discord_webhook_settings settings,
                              std::shared_ptr<net::http_client> http,
                              std::string path) {
  rest_target target;
  target.name = "discord_webhook:" + name;
  target.path = path;
  target.headers = {{"User-Agent", user_agent(TETHER_VERSION)},
                    {"Content-Type", "application/json"}};
  target.timeout = std::chrono::duration_cast<milliseconds>(
    settings.request_timeout);
  auto url = webhook_url(settings.url.reveal(), settings.wait);
  auto route = route_key("POST", webhook_path(settings.url.reveal()));
  target.make_jobs = [url, route, settings](const outbound_reply& reply,
                                            uint64_t&) {
    std::vector<job> jobs;
    for (auto& part : split_content(reply.text)) {
      job j;
      j.route = route;
      j.url = url;
      j.body = make_webhook_message(part, settings.username,
                                    settings.avatar_url);
      jobs.push_back(std::move(j));
    }
    return jobs;
  };
  auto key = "sender:" + target.name;
  return rt->directory().register_actor(
    key, parent->system().spawn(rest, rt, std::move(target), std::move(http)));
}

} // namespace tether::discord
