#include "actors/handlers/forward.hpp"

#include <chrono>
#include <ctime>
#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/gateway/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/forward/signature.hpp"
#include "protocols/message_json.hpp"
#include "protocols/net/http_client.hpp"
#include "supervision/policy.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_forward, caf::id_block::tether_gateway::end)

  /// forward -> itself (uint64_t job id): the backoff before a retry ended.
  CAF_ADD_ATOM(tether_forward, tether, fwd_retry_atom, "fwdretry")

CAF_END_TYPE_ID_BLOCK(tether_forward)

namespace tether {

namespace {

using namespace std::chrono_literals;
using level = spdlog::level::level_enum;
using time_point = caf::actor_clock::time_point;
using std::chrono::milliseconds;
using gateway::http_done_atom;

/// Log lines quote at most this much of an unusable answer.
constexpr size_t max_logged_body = 200;

struct job {
  std::string message_id;
  /// The message JSON; the same bytes on every attempt.
  std::string body;
  caf::typed_response_promise<handler_result> rp;
  /// The answer must be given by then (the router's deadline, a little
  /// earlier).
  time_point deadline;
  size_t attempts = 0;
};

struct forward_state {
  uint64_t next_job = 1;
  std::map<uint64_t, job> jobs;
  /// Jobs waiting for a free slot, oldest first.
  std::deque<uint64_t> queue;
  size_t in_flight = 0;
  uint64_t sent = 0;
  uint64_t replied = 0;
  uint64_t failed = 0;
  uint64_t dropped = 0;
  /// Queue-full drops are logged at most once per second.
  time_point drop_logged;
  uint64_t drops_unlogged = 0;
  static inline const char* name = "handler.forward";
};

using self_ptr = caf::stateful_actor<forward_state>*;

std::string short_body(const std::string& body) {
  if (body.size() <= max_logged_body)
    return body;
  return body.substr(0, max_logged_body) + "...";
}

class forward_logic {
public:
  forward_logic(self_ptr self, std::string path, config::forward_settings cfg,
                config::duration handler_timeout,
                std::shared_ptr<net::http_client> http)
    : self_(self),
      path_(std::move(path)),
      cfg_(std::move(cfg)),
      http_(std::move(http)) {
    // Leave the router a moment to take our answer before its deadline.
    auto margin = std::min<config::duration>(100ms, handler_timeout / 10);
    budget_ = handler_timeout - margin;
  }

  caf::result<handler_result> on_message(const inbound_message& msg) {
    auto& st = self_->state;
    if (st.in_flight >= cfg_.concurrency && st.queue.size() >= cfg_.max_queue) {
      drop(msg.id);
      return handler_result{};
    }
    auto rp = self_->make_response_promise<handler_result>();
    auto id = st.next_job++;
    job j;
    j.message_id = msg.id;
    j.body = to_json(msg);
    j.rp = rp;
    j.deadline = self_->clock().now() + budget_;
    st.jobs.emplace(id, std::move(j));
    if (st.in_flight < cfg_.concurrency)
      send(id);
    else
      st.queue.push_back(id);
    return rp;
  }

  void on_done(uint64_t id, net::http_response& resp) {
    auto& st = self_->state;
    --st.in_flight;
    auto i = st.jobs.find(id);
    if (i == st.jobs.end())
      return pump();
    auto& j = i->second;
    if (resp.status == 0 || resp.status >= 500) {
      auto why = resp.status == 0 ? resp.error
                                  : "status " + std::to_string(resp.status);
      if (!retry(id, j, why))
        finish(id, {}, level::warn, "request_failed",
               {{"id", j.message_id},
                {"attempts", std::to_string(j.attempts)},
                {"error", why},
                {"body", short_body(resp.body)}});
      return pump();
    }
    if (resp.status < 200 || resp.status >= 300) {
      finish(id, {}, level::warn, "rejected",
             {{"id", j.message_id},
              {"status", std::to_string(resp.status)},
              {"body", short_body(resp.body)}});
      return pump();
    }
    auto texts = resp.status == 204
                   ? reply_texts{}
                   : parse_reply_body(resp.header("content-type"), resp.body);
    if (!texts.error.empty())
      finish(id, {}, level::warn, "bad_answer",
             {{"id", j.message_id},
              {"status", std::to_string(resp.status)},
              {"error", texts.error},
              {"body", short_body(resp.body)}});
    else {
      if (texts.dropped > 0)
        log(level::warn, "replies_dropped",
            {{"id", j.message_id},
             {"dropped", std::to_string(texts.dropped)},
             {"max", std::to_string(max_reply_texts)}});
      if (!texts.texts.empty())
        ++st.replied;
      finish(id, std::move(texts.texts));
    }
    pump();
  }

  void on_retry(uint64_t id) {
    auto& st = self_->state;
    if (st.jobs.count(id) == 0)
      return;
    if (st.in_flight < cfg_.concurrency)
      send(id);
    else // retries go first: they have waited longest
      st.queue.push_front(id);
  }

private:
  void send(uint64_t id) {
    auto& st = self_->state;
    auto& j = st.jobs.at(id);
    auto left = j.deadline - self_->clock().now();
    if (left < 1ms) {
      finish(id, {}, level::warn, "expired",
             {{"id", j.message_id},
              {"waited", supervision::format_duration(budget_)}});
      return;
    }
    ++j.attempts;
    ++st.in_flight;
    ++st.sent;
    net::http_request req;
    req.method = "POST";
    req.url = cfg_.url;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", "tether/" TETHER_VERSION}};
    if (!cfg_.signing_secret.empty()) {
      auto now = static_cast<int64_t>(std::time(nullptr));
      req.headers.emplace_back("X-Tether-Timestamp", std::to_string(now));
      req.headers.emplace_back(
        "X-Tether-Signature",
        forward::sign(cfg_.signing_secret.reveal(), now, j.body));
    }
    req.body = j.body;
    req.timeout = std::chrono::duration_cast<milliseconds>(
      std::min<config::duration>(cfg_.request_timeout, left));
    auto me = caf::actor_cast<caf::actor>(self_);
    http_->request(std::move(req), [me, id](net::http_response resp) {
      caf::anon_send(me, http_done_atom::value, id, std::move(resp));
    });
  }

  // Schedules another attempt if one is left and fits before the deadline.
  bool retry(uint64_t id, job& j, const std::string& why) {
    if (j.attempts > cfg_.retries)
      return false;
    auto wait = cfg_.retry_backoff * (uint64_t{1} << (j.attempts - 1));
    // A retry needs its backoff plus some time to answer.
    if (self_->clock().now() + wait + 10ms >= j.deadline)
      return false;
    log(level::info, "retry",
        {{"id", j.message_id},
         {"attempt", std::to_string(j.attempts + 1)},
         {"after", supervision::format_duration(wait)},
         {"error", why}});
    self_->delayed_send(self_, wait, fwd_retry_atom::value, id);
    return true;
  }

  void pump() {
    auto& st = self_->state;
    while (st.in_flight < cfg_.concurrency && !st.queue.empty()) {
      auto id = st.queue.front();
      st.queue.pop_front();
      if (st.jobs.count(id) > 0)
        send(id);
    }
  }

  void finish(uint64_t id, std::vector<std::string> texts) {
    auto& st = self_->state;
    auto i = st.jobs.find(id);
    if (i == st.jobs.end())
      return;
    i->second.rp.deliver(handler_result{std::move(texts)});
    st.jobs.erase(i);
  }

  void finish(uint64_t id, std::vector<std::string> texts, level lvl,
              std::string_view event, std::vector<logging::field> fields) {
    ++self_->state.failed;
    log(lvl, event, std::move(fields));
    finish(id, std::move(texts));
  }

  void drop(const std::string& message_id) {
    auto& st = self_->state;
    ++st.dropped;
    ++st.drops_unlogged;
    auto now = self_->clock().now();
    if (st.drops_unlogged == 1 || now - st.drop_logged >= 1s) {
      log(level::warn, "queue_full",
          {{"id", message_id},
           {"dropped", std::to_string(st.drops_unlogged)},
           {"max_queue", std::to_string(cfg_.max_queue)}});
      st.drop_logged = now;
      st.drops_unlogged = 0;
    }
  }

  void log(level lvl, std::string_view event,
           std::vector<logging::field> fields = {}) {
    fields.insert(fields.begin(), {"path", path_});
    logging::log(lvl, "forward", event, fields);
  }

  self_ptr self_;
  std::string path_;
  config::forward_settings cfg_;
  std::shared_ptr<net::http_client> http_;
  config::duration budget_;
};

caf::behavior forward_actor(self_ptr self, std::string path,
                            config::forward_settings cfg,
                            config::duration handler_timeout,
                            std::shared_ptr<net::http_client> http) {
  auto logic = std::make_shared<forward_logic>(
    self, std::move(path), std::move(cfg), handler_timeout, std::move(http));
  return {
    [=](handle_atom,
        const inbound_message& msg) -> caf::result<handler_result> {
      return logic->on_message(msg);
    },
    [=](http_done_atom, uint64_t id, net::http_response& resp) {
      logic->on_done(id, resp);
    },
    [=](fwd_retry_atom, uint64_t id) { logic->on_retry(id); },
  };
}

} // namespace

supervision::child_spec forward_spec(runtime_ptr rt,
                                     const config::handler_entry& entry) {
  auto settings = std::get<config::forward_settings>(entry.settings);
  net::http_client_options opts;
  opts.tls.ca_file = settings.ca_file;
  opts.user_agent = "tether/" TETHER_VERSION;
  // The connection pool lives as long as this spec: a restarted handler
  // reuses it.
  auto http = net::http_client::make(rt->io(), opts);
  auto timeout = entry.timeout;
  supervision::child_spec spec;
  spec.id = entry.name;
  spec.start = [rt, settings, timeout, http](supervision::child_context& ctx) {
    return rt->directory().register_actor(
      ctx.path, ctx.parent->system().spawn(forward_actor, ctx.path, settings,
                                           timeout, http));
  };
  return spec;
}

} // namespace tether
