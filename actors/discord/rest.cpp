#include "actors/discord/rest.hpp"

#include <algorithm>
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
#include "actors/outbox/confirm.hpp"
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
  /// The outbox reply this part belongs to (a key into `replies`); 0 for
  /// replies that expect no confirmation.
  uint64_t reply = 0;
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

/// A reply from the outbox still being posted, in one or more parts.
struct pending_reply {
  uint64_t outbox_id = 0;
  /// Parts not yet accepted by Discord.
  size_t left = 0;
};

struct rest_state {
  std::deque<job> queue;
  std::map<uint64_t, job> inflight;
  /// By a number of this actor's own (job::reply).
  std::map<uint64_t, pending_reply> replies;
  uint64_t next_reply = 1;
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
  rest_logic(self_ptr self, runtime_ptr rt, rest_target target,
             std::shared_ptr<net::http_client> http)
    : self_(self),
      rt_(std::move(rt)),
      target_(std::move(target)),
      http_(std::move(http)) {
    // nop
  }

  void on_reply(const outbound_reply& reply) {
    auto& st = self_->state;
    auto jobs = target_.make_jobs(reply, st.nonce_seq);
    if (jobs.empty()) {
      log(level::warn, "reply_dropped", {{"why", "empty text"}});
      confirm_reply(*rt_, reply.outbox_id, reply_outcome::rejected,
                    "empty text: nothing to post");
      return;
    }
    // All parts or none: a reply posted in part cannot be resent whole.
    if (st.queue.size() + jobs.size() > max_queue) {
      st.dropped += jobs.size();
      log(level::err, "queue_full",
          {{"route", loggable_route(jobs.front().route)}});
      confirm_reply(*rt_, reply.outbox_id, reply_outcome::retry,
                    "the Discord sender's queue is full");
      return;
    }
    uint64_t key = 0;
    if (reply.outbox_id != 0) {
      key = st.next_reply++;
      st.replies.emplace(key, pending_reply{reply.outbox_id, jobs.size()});
    }
    for (auto& j : jobs) {
      j.id = st.next_id++;
      j.reply = key;
      st.queue.push_back(std::move(j));
    }
    pump();
  }

  void pump() {
    auto& st = self_->state;
    auto now = self_->clock().now();
    std::optional<time_point> earliest;
    // Routes with an earlier job still waiting: keep each route in order.
    std::set<std::string> waiting;
    for (auto i = st.queue.begin();
         i != st.queue.end() && st.inflight.size() < max_inflight;) {
      auto& j = *i;
      if (st.limiter.webhook_gone(j.route)) {
        webhook_gone();
        return;
      }
      if (st.limiter.route_blocked(j.route, now)) {
        ++st.dropped;
        auto why = st.limiter.route_block_reason(j.route);
        log(level::err, "dropped",
            {{"route", loggable_route(j.route)}, {"why", why}});
        auto reply = j.reply;
        i = st.queue.erase(i);
        if (reply_failed(reply, reply_outcome::rejected,
                         "route blocked: " + why))
          i = st.queue.begin(); // its other parts left the queue
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
    if (st.pump_at && self_->clock().now() >= *st.pump_at)
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
    auto now = self_->clock().now();
    if (resp.status != 0)
      st.limiter.on_response(j.route, resp.status,
                             parse_rate_limit(resp.headers,
                                              resp.status == 429
                                                ? std::string_view{resp.body}
                                                : std::string_view{}),
                             now);
    if (resp.status >= 200 && resp.status < 300) {
      ++st.sent;
      part_sent(j.reply);
    } else if (resp.status == 429) {
      rate_limited_.inc();
      // Same body, same nonce: Discord dedupes a retry that did go through.
      st.queue.push_front(std::move(j));
    } else if (resp.status == 404 && st.limiter.webhook_gone(j.route)) {
      // Park now, not when the next message comes: the operator should
      // see it at once.
      webhook_gone();
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
        auto why = "gave up after " + std::to_string(max_attempts)
                   + " attempts: "
                   + (resp.error.empty() ? "HTTP " + std::to_string(resp.status)
                                         : resp.error);
        log(level::err, "dropped",
            {{"route", loggable_route(j.route)}, {"why", why}});
        reply_failed(j.reply, reply_outcome::retry, why);
      }
    } else {
      ++st.dropped;
      auto body = logging::redact(resp.body.substr(0, 300));
      log(level::err, "rejected",
          {{"route", loggable_route(j.route)},
           {"status", std::to_string(resp.status)},
           {"body", body}});
      reply_failed(j.reply, reply_outcome::rejected,
                   "HTTP " + std::to_string(resp.status) + ": " + body);
    }
    pump();
  }

private:
  // -- confirmations to the outbox --------------------------------------------

  /// One part of `reply` was accepted; the last one confirms it.
  void part_sent(uint64_t reply) {
    auto& st = self_->state;
    auto i = st.replies.find(reply);
    if (i == st.replies.end())
      return;
    if (--i->second.left > 0)
      return;
    confirm_reply(*rt_, i->second.outbox_id, reply_outcome::sent);
    st.replies.erase(i);
  }

  /// A part of `reply` failed for good: the reply ends with `outcome` and
  /// its queued parts are dropped (the outbox resends it whole, with the
  /// same nonces). True if parts left the queue.
  bool reply_failed(uint64_t reply, reply_outcome outcome,
                    const std::string& why) {
    auto& st = self_->state;
    auto i = st.replies.find(reply);
    if (i == st.replies.end())
      return false;
    confirm_reply(*rt_, i->second.outbox_id, outcome, why);
    st.replies.erase(i);
    auto rest = std::remove_if(st.queue.begin(), st.queue.end(),
                               [reply](const job& j) {
                                 return j.reply == reply;
                               });
    if (rest == st.queue.end())
      return false;
    st.dropped += static_cast<uint64_t>(std::distance(rest, st.queue.end()));
    st.queue.erase(rest, st.queue.end());
    return true;
  }

  /// Every reply still here is refused for good, then the actor parks.
  void webhook_gone() {
    auto& st = self_->state;
    const std::string why
      = "the webhook answered 404: stop using that webhook";
    for (auto& [key, r] : st.replies)
      confirm_reply(*rt_, r.outbox_id, reply_outcome::rejected, why);
    st.replies.clear();
    self_->quit(supervision::make_fatal(why));
  }

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
  runtime_ptr rt_;
  rest_target target_;
  // Labelled with the platform kind: `discord` or `discord_webhook`.
  metrics::counter& rate_limited_ = metrics::rest_rate_limited().with(
    {target_.name.substr(0, target_.name.find(':'))});
  std::shared_ptr<net::http_client> http_;
};

caf::behavior rest(self_ptr self, runtime_ptr rt, rest_target target,
                   std::shared_ptr<net::http_client> http) {
  auto logic = std::make_shared<rest_logic>(self, std::move(rt),
                                            std::move(target),
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

// The nonce of part `index` (0-based) of `count` for a reply whose
// idempotency key is `key`: the key itself for a single part, else the
// key and `-<index+1>`, the key shortened so that it stays within
// Discord's 25 characters.
std::string part_nonce(const std::string& key, size_t index, size_t count) {
  if (count == 1)
    return key.substr(0, max_nonce);
  auto suffix = "-" + std::to_string(index + 1);
  auto room = suffix.size() < max_nonce ? max_nonce - suffix.size() : 0;
  return key.substr(0, room) + suffix;
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
    auto parts = split_content(reply.text);
    for (size_t i = 0; i < parts.size(); ++i) {
      job j;
      j.route = route_key("POST", route_path);
      j.url = api + route_path;
      // A reply from the outbox keeps its nonces across resends, so a
      // resend after a crash returns the message posted before.
      auto nonce = reply.idempotency_key.empty()
                     ? make_nonce(++seq, salt)
                     : part_nonce(reply.idempotency_key, i, parts.size());
      // Only the first part answers the message; the rest follow it.
      j.body = make_create_message(parts[i], nonce,
                                   i == 0 ? reply.reply_to : std::string{},
                                   mentions);
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
