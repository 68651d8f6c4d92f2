#include "actors/gateway/identify_queue.hpp"

#include <chrono>
#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/gateway/dialect.hpp"
#include "actors/gateway/errors.hpp"
#include "actors/gateway/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/discord/gateway.hpp"
#include "protocols/discord/sharding.hpp"
#include "protocols/net/http_client.hpp"
#include "supervision/reason.hpp"

namespace tether::gateway {

namespace {

using level = spdlog::level::level_enum;
using time_point = caf::actor_clock::time_point;

// How often to ask for the plan again while the dialect cannot make the
// request yet (QQ: no access token so far).
constexpr auto plan_retry = std::chrono::seconds{1};

struct waiting {
  uint32_t shard;
  caf::response_promise rp;
};

struct identify_queue_state {
  bool planned = false;
  int max_concurrency = 1;
  int remaining = 0;
  std::map<uint32_t, time_point> next_at;
  std::map<uint32_t, std::deque<waiting>> queues;
  // The earliest pending grant timer; extra timers only cause a re-check.
  std::optional<time_point> grant_at;
  static inline const char* name = "gateway.identify_queue";
};

using self_ptr = caf::stateful_actor<identify_queue_state>*;

void log(const bot_ptr& bot, const std::string& path, level lvl,
         std::string_view event, std::vector<logging::field> fields = {}) {
  fields.insert(fields.begin(), {"path", path});
  logging::log(lvl, bot->settings().platform, event, fields);
}

caf::behavior identify_queue(self_ptr self, runtime_ptr rt, bot_ptr bot,
                             std::string path,
                             shard_spec_factory make_shard) {
  auto& cfg = bot->settings();
  // Saving here covers a daemon shutdown: the shards stop before us.
  self->attach_functor([bot, path] {
    std::string error;
    if (!bot->save(&error))
      log(bot, path, level::warn, "session_not_saved", {{"error", error}});
  });
  auto dia = std::shared_ptr<dialect>{bot->make_dialect()};
  auto ask_plan = [=] {
    auto req = dia->plan_request();
    if (!req) {
      self->delayed_send(self, plan_retry, gateway_bot_atom::value);
      return;
    }
    req->timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      cfg.request_timeout);
    auto me = caf::actor_cast<caf::actor>(self);
    bot->http()->request(*req, [me](net::http_response resp) {
      caf::anon_send(me, gateway_bot_atom::value, std::move(resp));
    });
  };
  ask_plan();
  // Grants every waiter whose bucket is free; re-arms for the rest.
  auto grant_due = [=] {
    auto& st = self->state;
    auto now = self->clock().now();
    std::optional<time_point> next;
    for (auto& [bucket, queue] : st.queues) {
      auto& at = st.next_at[bucket];
      while (!queue.empty() && now >= at) {
        if (st.remaining <= 0) {
          queue.front().rp.deliver(
            supervision::make_fatal("the daily identify budget is used up"));
          queue.pop_front();
          continue;
        }
        --st.remaining;
        at = now + cfg.identify_spacing;
        log(bot, path, level::info, "identify_granted",
            {{"shard", std::to_string(queue.front().shard)},
             {"remaining_today", std::to_string(st.remaining)}});
        queue.front().rp.deliver(caf::ok_atom::value);
        queue.pop_front();
      }
      if (!queue.empty() && (!next || at < *next))
        next = at;
    }
    if (next && (!st.grant_at || *next < *st.grant_at)) {
      st.grant_at = *next;
      self->scheduled_send(self, *next, grant_atom::value);
    }
  };
  return {
    [=](gateway_bot_atom) { ask_plan(); },
    [=](gateway_bot_atom, net::http_response& resp) {
      auto& st = self->state;
      if (!resp.error.empty() || resp.status != 200) {
        auto why = "GET /gateway/bot: "
                   + (resp.error.empty() ? "HTTP " + std::to_string(resp.status)
                                         : resp.error);
        if (resp.status == 401)
          self->quit(supervision::make_fatal(why + ": the token was rejected"));
        else
          self->quit(caf::make_error(gateway_errc::gateway_unavailable, why));
        return;
      }
      auto info = discord::parse_gateway_bot(resp.body);
      if (!info) {
        self->quit(caf::make_error(gateway_errc::gateway_unavailable,
                                   "GET /gateway/bot: unexpected body"));
        return;
      }
      shard_plan plan;
      if (cfg.shards_auto) {
        plan.count = std::max<uint32_t>(1, info->shards);
        plan.first = 0;
        plan.last = plan.count - 1;
      } else {
        plan.count = cfg.shard_count;
        plan.first = cfg.shard_first;
        plan.last = cfg.shard_last;
      }
      plan.max_concurrency = std::max(1, info->limit.max_concurrency);
      plan.gateway_url = cfg.gateway_url.empty() ? info->url : cfg.gateway_url;
      // Shards that can resume spend no identify.
      int to_identify = 0;
      for (auto id = plan.first; id <= plan.last; ++id)
        if (!bot->slot(id)->get())
          ++to_identify;
      st.remaining = info->limit.remaining;
      st.max_concurrency = plan.max_concurrency;
      log(bot, path, level::info, "gateway_plan",
          {{"shards", std::to_string(plan.count)},
           {"ids", std::to_string(plan.first) + "-"
                     + std::to_string(plan.last)},
           {"max_concurrency", std::to_string(plan.max_concurrency)},
           {"identifies_remaining", std::to_string(st.remaining)},
           {"to_identify", std::to_string(to_identify)}});
      if (st.remaining < to_identify) {
        self->quit(supervision::make_fatal(
          "session_start_limit.remaining is " + std::to_string(st.remaining)
          + " but " + std::to_string(to_identify)
          + " shards need an identify; it resets in "
          + std::to_string(info->limit.reset_after_ms / 1000) + "s"));
        return;
      }
      bot->plan(plan);
      st.planned = true;
      auto shards = bot->shards();
      if (!shards)
        return; // it starts from the plan by itself when it comes up
      for (auto id = plan.first; id <= plan.last; ++id)
        self->request(shards, std::chrono::seconds{10},
                      supervision::start_child_atom::value, make_shard(id))
          .then([](caf::ok_atom) {},
                [](caf::error&) {
                  // already_present: the shards supervisor had the plan.
                });
    },
    [=](identify_atom, uint32_t shard) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<caf::ok_atom>();
      auto bucket = discord::identify_bucket(shard,
                                    static_cast<uint32_t>(st.max_concurrency));
      st.queues[bucket].push_back({shard, rp});
      grant_due();
      return rp;
    },
    [=](grant_atom) {
      auto& st = self->state;
      if (st.grant_at && self->clock().now() >= *st.grant_at)
        st.grant_at.reset();
      grant_due();
    },
  };
}

} // namespace

caf::actor spawn_identify_queue(caf::local_actor* parent, runtime_ptr rt,
                                bot_ptr bot, std::string path,
                                shard_spec_factory make_shard) {
  return parent->system().spawn(identify_queue, std::move(rt), std::move(bot),
                                std::move(path), std::move(make_shard));
}

} // namespace tether::gateway
