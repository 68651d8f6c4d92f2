#include "actors/qq/sender.hpp"

#include <chrono>
#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/metrics/names.hpp"
#include "actors/outbox/confirm.hpp"
#include "actors/qq/dialect.hpp"
#include "actors/qq/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/net/http_client.hpp"
#include "protocols/qq/reply.hpp"
#include "protocols/qq/token.hpp"

namespace tether::qq {

namespace {

using level = spdlog::level::level_enum;
using std::chrono::milliseconds;

constexpr size_t max_inflight = 8;
constexpr size_t max_queue = 1000;
constexpr int max_attempts = 3;

struct job {
  std::string url;
  std::string body;
  std::string msg_id;
  int attempts = 0;
  /// Confirmed to the outbox when the job ends; 0 = no confirmation.
  uint64_t outbox_id = 0;
};

struct sender_state {
  msg_seq_tracker tracker;
  uint64_t next_id = 1;
  std::map<uint64_t, job> jobs;
  size_t inflight = 0;
  std::deque<uint64_t> waiting;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  static inline const char* name = "qq.sender";
};

using self_ptr = caf::stateful_actor<sender_state>*;

caf::behavior sender(self_ptr self, runtime_ptr rt, config::qq_settings cfg,
                     std::shared_ptr<net::http_client> http, token_ptr token,
                     std::string path) {
  auto log = [path](level lvl, std::string_view event,
                    std::vector<logging::field> fields = {}) {
    fields.insert(fields.begin(), {"path", path});
    logging::log(lvl, "qq", event, fields);
  };
  auto api = api_base_of(cfg);
  auto* rate_limited = &metrics::rest_rate_limited().with({"qq"});
  auto drop = [=](uint64_t id, reply_outcome outcome, const std::string& why) {
    auto& st = self->state;
    auto i = st.jobs.find(id);
    if (i == st.jobs.end())
      return;
    ++st.dropped;
    log(level::warn, "reply_dropped",
        {{"msg_id", i->second.msg_id}, {"why", why}});
    confirm_reply(*rt, i->second.outbox_id, outcome, why);
    st.jobs.erase(i);
  };
  // A reply that ends before it became a job.
  auto refuse = [=](const outbound_reply& reply, reply_outcome outcome,
                    std::string_view event, logging::field what,
                    const std::string& why) {
    ++self->state.dropped;
    log(outcome == reply_outcome::retry ? level::err : level::warn, event,
        {std::move(what), {"why", why}});
    confirm_reply(*rt, reply.outbox_id, outcome, why);
  };
  // Starts jobs while there is room; a job without a token waits a second.
  auto pump = [=] {
    auto& st = self->state;
    while (st.inflight < max_inflight && !st.waiting.empty()) {
      auto id = st.waiting.front();
      st.waiting.pop_front();
      auto i = st.jobs.find(id);
      if (i == st.jobs.end())
        continue;
      auto tok = token->get(std::chrono::steady_clock::now());
      if (!tok) {
        if (++i->second.attempts > 10) {
          drop(id, reply_outcome::retry, "no access token");
          continue;
        }
        self->delayed_send(self, std::chrono::seconds{1},
                           send_job_atom::value, id);
        continue;
      }
      net::http_request req;
      req.method = "POST";
      req.url = i->second.url;
      req.body = i->second.body;
      req.headers = {{"Authorization", authorization(*tok)},
                     {"X-Union-Appid", cfg.app_id},
                     {"Content-Type", "application/json"}};
      req.timeout = std::chrono::duration_cast<milliseconds>(
        cfg.request_timeout);
      ++st.inflight;
      auto me = caf::actor_cast<caf::actor>(self);
      http->request(std::move(req), [me, id](net::http_response resp) {
        caf::anon_send(me, gateway::http_done_atom::value, id,
                       std::move(resp));
      });
    }
  };
  return {
    [=](reply_atom, const outbound_reply& reply) {
      auto& st = self->state;
      auto target = parse_room(reply.context.room_id);
      if (!target)
        return refuse(reply, reply_outcome::rejected, "reply_dropped",
                      {"room", reply.context.room_id}, "not a QQ room");
      if (st.jobs.size() >= max_queue)
        return refuse(reply, reply_outcome::retry, "queue_full",
                      {"msg_id", reply.reply_to},
                      "the QQ sender's queue is full");
      // A reply from the outbox brings its own msg_seq (its index among
      // the replies to reply_to), the same on every resend: a resend of a
      // reply that did go out is refused by QQ as a duplicate.
      auto now = std::chrono::steady_clock::now();
      auto grant = reply.outbox_id != 0
                     ? st.tracker.use(reply.reply_to, target->scene, reply.seq,
                                      now)
                     : st.tracker.next(reply.reply_to, target->scene, now);
      if (grant.status != msg_seq_tracker::status::ok)
        return refuse(reply, reply_outcome::rejected, "reply_dropped",
                      {"msg_id", reply.reply_to},
                      std::string{to_string(grant.status)});
      auto req = make_request(reply, cfg.sandbox, grant.seq);
      if (!req)
        return refuse(reply, reply_outcome::rejected, "reply_dropped",
                      {"room", reply.context.room_id}, "no endpoint");
      // make_request knows the production and sandbox hosts; a configured
      // api_base (a proxy, a test server) replaces them.
      auto base = std::string{api_base(cfg.sandbox)};
      auto url = req->url.compare(0, base.size(), base) == 0
                   ? api + req->url.substr(base.size())
                   : req->url;
      auto id = st.next_id++;
      st.jobs.emplace(id, job{url, std::move(req->body), reply.reply_to, 0,
                              reply.outbox_id});
      st.waiting.push_back(id);
      pump();
    },
    [=](send_job_atom, uint64_t id) {
      self->state.waiting.push_back(id);
      pump();
    },
    [=](gateway::http_done_atom, uint64_t id, net::http_response& resp) {
      auto& st = self->state;
      --st.inflight;
      auto i = st.jobs.find(id);
      if (i == st.jobs.end())
        return pump();
      auto& j = i->second;
      if (resp.status >= 200 && resp.status < 300) {
        ++st.sent;
        log(level::debug, "sent", {{"msg_id", j.msg_id}});
        confirm_reply(*rt, j.outbox_id, reply_outcome::sent);
        st.jobs.erase(i);
        return pump();
      }
      auto err = parse_api_error(resp.body);
      if (err && err->code == duplicate_msg_seq_code) {
        // This (msg_id, msg_seq) went out before: a retry or a resend
        // after a crash whose first send did arrive.
        ++st.sent;
        log(level::info, "sent_before", {{"msg_id", j.msg_id}});
        confirm_reply(*rt, j.outbox_id, reply_outcome::sent);
        st.jobs.erase(i);
        return pump();
      }
      if (resp.status == 429)
        rate_limited->inc();
      bool retry = resp.status == 0 || resp.status == 429
                   || resp.status >= 500
                   // The token may have rotated under us: once more.
                   || (resp.status == 401 && j.attempts == 0);
      if (retry && ++j.attempts < max_attempts) {
        auto wait = milliseconds{500 << j.attempts};
        log(level::warn, "retry",
            {{"msg_id", j.msg_id},
             {"error", resp.error.empty()
                         ? "HTTP " + std::to_string(resp.status)
                         : resp.error},
             {"attempt", std::to_string(j.attempts)}});
        // Same body, same msg_seq: a retry cannot post twice.
        self->delayed_send(self, wait, send_job_atom::value, id);
        return pump();
      }
      std::string why;
      if (err)
        why = "API error " + std::to_string(err->code) + ": " + err->message;
      else if (!resp.error.empty())
        why = resp.error;
      else
        why = "HTTP " + std::to_string(resp.status);
      // Transient failures past their retries (a 401 too: the token is
      // refreshed apart) may pass later; any other refusal will not.
      bool transient = resp.status == 0 || resp.status == 429
                       || resp.status == 401 || resp.status >= 500;
      drop(id, transient ? reply_outcome::retry : reply_outcome::rejected,
           why);
      pump();
    },
  };
}

} // namespace

caf::actor spawn_sender(caf::local_actor* parent, runtime_ptr rt,
                        std::string name, config::qq_settings settings,
                        std::shared_ptr<net::http_client> http, token_ptr token,
                        std::string path) {
  auto key = "sender:qq:" + name;
  return rt->directory().register_actor(
    key, parent->system().spawn(sender, rt, std::move(settings),
                                std::move(http), std::move(token),
                                std::move(path)));
}

} // namespace tether::qq
