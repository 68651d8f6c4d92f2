#include "actors/handlers/llm.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <deque>
#include <map>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/handlers/llm_type_ids.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/llm/chat_request.hpp"
#include "protocols/llm/chat_response.hpp"
#include "protocols/llm/history.hpp"
#include "protocols/llm/retry.hpp"
#include "protocols/net/http_client.hpp"

namespace tether {

namespace {

using level = spdlog::level::level_enum;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using time_point = caf::actor_clock::time_point;

/// Conversations whose history is kept at once (least recently used go).
constexpr size_t max_conversations = 10000;

/// A retry is only worth it with at least this long left for the attempt.
constexpr milliseconds min_attempt{1000};

/// API error messages in logs are cut here; some echo the whole request.
constexpr size_t max_logged_error = 300;

struct job {
  inbound_message msg;
  std::string conversation;
  caf::typed_response_promise<handler_result> rp;
  time_point arrived;
  time_point deadline;
  /// Attempts started so far.
  int attempts = 0;
  /// Holds a concurrency slot: an attempt in flight or a retry pending.
  bool running = false;
};

struct llm_state {
  std::shared_ptr<net::http_client> http;
  llm::history_store history{llm::history_limits{}};
  uint64_t next_id = 1;
  std::map<uint64_t, job> jobs;
  /// Jobs first in their conversation, waiting for a slot, in order.
  std::deque<uint64_t> ready;
  /// Jobs per conversation; the front one is ready or running.
  std::unordered_map<std::string, std::deque<uint64_t>> conversations;
  size_t running = 0;
  uint64_t answered = 0;
  uint64_t failed = 0;
  uint64_t busy = 0;
  static inline const char* name = "llm";
};

using self_ptr = caf::stateful_actor<llm_state>*;

bool blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isspace(c);
  });
}

std::string cut(std::string text) {
  if (text.size() > max_logged_error)
    text = text.substr(0, max_logged_error) + "...";
  return text;
}

std::string ms_text(milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

// One actor per incarnation; every piece of state lives in `self->state`,
// the closures only capture immutable settings.
class llm_actor {
public:
  llm_actor(self_ptr self, config::llm_settings cfg, config::duration budget,
            std::string path)
    : self_(self),
      cfg_(std::move(cfg)),
      budget_(budget),
      path_(std::move(path)) {
    // nop
  }

  caf::result<handler_result> handle(const inbound_message& msg) {
    auto& st = self_->state;
    if (msg.type != "message" || blank(msg.text)) return handler_result{};
    if (!cfg_.trigger_all && !msg.mentions_bot) return handler_result{};
    if (cfg_.base_url.empty())
      return handler_result{{"No LLM is set up yet: set `base_url` and "
                             "`model` of this handler in the config "
                             "(docs/llm.md), then reload."}};
    auto waiting = st.jobs.size() - st.running;
    if (waiting >= cfg_.queue_limit) {
      ++st.busy;
      log(level::warn, "busy",
          {{"id", msg.id},
           {"waiting", std::to_string(waiting)},
           {"running", std::to_string(st.running)}});
      return reply(cfg_.busy_reply);
    }
    auto id = st.next_id++;
    auto& j = st.jobs[id];
    j.msg = msg;
    j.conversation = llm::conversation_key(
      msg.platform, msg.bot, msg.context.room_id, msg.context.thread_id);
    j.rp = self_->make_response_promise<handler_result>();
    j.arrived = self_->clock().now();
    j.deadline = j.arrived + budget_;
    auto& queue = st.conversations[j.conversation];
    queue.push_back(id);
    if (queue.size() == 1) st.ready.push_back(id);
    self_->delayed_send(self_, budget_, llm_expire_atom::value, id);
    auto rp = j.rp;
    pump();
    return rp;
  }

  void on_done(uint64_t id, int status, const std::string& retry_after,
               const std::string& body, const std::string& error) {
    auto& st = self_->state;
    auto i = st.jobs.find(id);
    if (i == st.jobs.end()) return;
    auto& j = i->second;
    auto verdict = llm::classify(status);
    if (verdict == llm::outcome::success) {
      auto answer = llm::parse_chat_response(body);
      if (answer.content) return succeed(id, std::move(*answer.content));
      if (answer.error)
        return fail(id, status, "API error: " + llm::describe(*answer.error));
      return fail(id, status, "malformed response: " + answer.problem);
    }
    auto why = status == 0 ? error : "HTTP " + std::to_string(status);
    if (status != 0) {
      auto answer = llm::parse_chat_response(body);
      if (answer.error) why += ": " + llm::describe(*answer.error);
    }
    if (verdict == llm::outcome::fail) return fail(id, status, why);
    if (j.attempts > cfg_.retries)
      return fail(id, status, why + "; no retries left");
    auto delay = llm::backoff_delay(
      duration_cast<milliseconds>(cfg_.retry_backoff), j.attempts);
    if (status == 429)
      if (auto ra = llm::parse_retry_after(retry_after, std::time(nullptr)))
        delay = *ra;
    auto now = self_->clock().now();
    if (now + delay + min_attempt > j.deadline)
      return fail(id, status,
                  why + "; no time left for a retry in " + ms_text(delay));
    log(level::info, "retry",
        {{"id", j.msg.id},
         {"status", std::to_string(status)},
         {"error", cut(why)},
         {"attempt", std::to_string(j.attempts)},
         {"delay", ms_text(delay)}});
    self_->delayed_send(self_, delay, llm_retry_atom::value, id);
  }

  void on_retry(uint64_t id) {
    if (self_->state.jobs.count(id) != 0) attempt(id);
  }

  // The budget of a job is spent. A running one ends by itself within it
  // (its HTTP deadline and retries are clipped); a waiting one ends here.
  void on_expire(uint64_t id) {
    auto& st = self_->state;
    auto i = st.jobs.find(id);
    if (i == st.jobs.end() || i->second.running) return;
    auto waited
      = duration_cast<milliseconds>(self_->clock().now() - i->second.arrived);
    log(level::warn, "call_failed",
        {{"id", i->second.msg.id},
         {"error", "waited " + ms_text(waited) + " in the queue"},
         {"attempts", "0"}});
    ++st.failed;
    deliver(id, reply(cfg_.error_reply));
  }

private:
  handler_result reply(const std::string& text) {
    handler_result out;
    if (!text.empty()) out.texts.push_back(text);
    return out;
  }

  void log(level lvl, std::string_view event,
           std::vector<logging::field> fields) {
    fields.insert(fields.begin(), {"path", path_});
    logging::log(lvl, "llm", event, fields);
  }

  // Starts jobs while slots are free.
  void pump() {
    auto& st = self_->state;
    while (st.running < cfg_.concurrency && !st.ready.empty()) {
      auto id = st.ready.front();
      st.ready.pop_front();
      auto i = st.jobs.find(id);
      if (i == st.jobs.end()) continue;
      i->second.running = true;
      ++st.running;
      attempt(id);
    }
  }

  void attempt(uint64_t id) {
    auto& st = self_->state;
    auto& j = st.jobs.at(id);
    auto left = duration_cast<milliseconds>(j.deadline - self_->clock().now());
    if (left < min_attempt) return fail(id, 0, "no time left for an attempt");
    ++j.attempts;
    llm::request_options opts;
    opts.model = cfg_.model;
    opts.system_prompt = cfg_.system_prompt;
    opts.temperature = cfg_.temperature;
    opts.max_tokens = cfg_.max_tokens;
    llm::chat_message user{"user", j.msg.text,
                           llm::participant_name(j.msg.sender.name)};
    net::http_request req;
    req.method = "POST";
    req.url = cfg_.base_url + "/chat/completions";
    req.headers = {{"Content-Type", "application/json"},
                   {"Accept", "application/json"}};
    if (!cfg_.api_key.empty())
      req.headers.emplace_back("Authorization",
                               "Bearer " + cfg_.api_key.reveal());
    req.body = llm::build_chat_request(opts, st.history.recall(j.conversation),
                                       user);
    req.timeout = std::min(duration_cast<milliseconds>(cfg_.request_timeout),
                           left);
    auto me = caf::actor_cast<caf::actor>(self_);
    st.http->request(std::move(req), [me, id](net::http_response resp) {
      caf::anon_send(me, llm_done_atom::value, id, resp.status,
                     resp.header("retry-after"), std::move(resp.body),
                     std::move(resp.error));
    });
  }

  void succeed(uint64_t id, std::string content) {
    auto& st = self_->state;
    auto& j = st.jobs.at(id);
    ++st.answered;
    auto took = duration_cast<milliseconds>(self_->clock().now() - j.arrived);
    log(level::debug, "answered",
        {{"id", j.msg.id},
         {"attempts", std::to_string(j.attempts)},
         {"took", ms_text(took)},
         {"chars", std::to_string(content.size())}});
    if (blank(content)) return deliver(id, handler_result{});
    st.history.add(j.conversation,
                   llm::turn{llm::participant_name(j.msg.sender.name),
                             j.msg.text, content});
    deliver(id, handler_result{{std::move(content)}});
  }

  // Ends a job with error_reply; the details go to the log only.
  void fail(uint64_t id, int status, const std::string& why) {
    auto& st = self_->state;
    auto& j = st.jobs.at(id);
    ++st.failed;
    log(level::warn, "call_failed",
        {{"id", j.msg.id},
         {"status", std::to_string(status)},
         {"error", cut(why)},
         {"attempts", std::to_string(j.attempts)}});
    deliver(id, reply(cfg_.error_reply));
  }

  // Answers a job, frees its slot and lets its conversation go on.
  void deliver(uint64_t id, handler_result result) {
    auto& st = self_->state;
    auto i = st.jobs.find(id);
    if (i == st.jobs.end()) return;
    auto& j = i->second;
    j.rp.deliver(std::move(result));
    if (j.running) --st.running;
    st.ready.erase(std::remove(st.ready.begin(), st.ready.end(), id),
                   st.ready.end());
    auto c = st.conversations.find(j.conversation);
    if (c != st.conversations.end()) {
      auto& queue = c->second;
      bool was_first = !queue.empty() && queue.front() == id;
      queue.erase(std::remove(queue.begin(), queue.end(), id), queue.end());
      if (queue.empty())
        st.conversations.erase(c);
      else if (was_first)
        st.ready.push_back(queue.front());
    }
    st.jobs.erase(i);
    pump();
  }

  self_ptr self_;
  config::llm_settings cfg_;
  config::duration budget_;
  std::string path_;
};

caf::behavior
llm_handler(self_ptr self, config::llm_settings cfg, config::duration budget,
            std::shared_ptr<net::http_client> http, std::string path) {
  self->state.http = http;
  self->state.history = llm::history_store{llm::history_limits{
    cfg.history_turns, cfg.history_chars, max_conversations}};
  // In-flight requests end with the actor; their answers go nowhere.
  self->attach_functor([http] {
    http->shutdown();
  });
  if (cfg.base_url.empty())
    logging::log(level::info, "llm", "not_set_up",
                 {{"path", path},
                  {"hint", "set settings.base_url and settings.model"}});
  auto impl = std::make_shared<llm_actor>(self, std::move(cfg), budget,
                                          std::move(path));
  return {
    [=](handle_atom, const inbound_message& msg) {
      return impl->handle(msg);
    },
    [=](llm_done_atom, uint64_t id, int status, const std::string& retry_after,
        const std::string& body, const std::string& error) {
      impl->on_done(id, status, retry_after, body, error);
    },
    [=](llm_retry_atom, uint64_t id) {
      impl->on_retry(id);
    },
    [=](llm_expire_atom, uint64_t id) {
      impl->on_expire(id);
    },
  };
}

} // namespace

config::duration llm_budget(config::duration handler_timeout) {
  using std::chrono::seconds;
  if (handler_timeout > seconds{2}) return handler_timeout - seconds{1};
  return handler_timeout / 2;
}

caf::actor spawn_llm(caf::actor_system& sys, const config::handler_entry& entry,
                     std::shared_ptr<net::http_client> http, std::string path) {
  auto cfg = std::get<config::llm_settings>(entry.settings);
  return sys.spawn(llm_handler, std::move(cfg), llm_budget(entry.timeout),
                   std::move(http), std::move(path));
}

supervision::child_spec llm_spec(runtime_ptr rt,
                                 const config::handler_entry& entry) {
  supervision::child_spec spec;
  spec.id = entry.name;
  spec.start = [rt, entry](supervision::child_context& ctx) {
    auto& cfg = std::get<config::llm_settings>(entry.settings);
    net::http_client_options opts;
    opts.tls.ca_file = cfg.ca_file;
    opts.user_agent = "tether/" TETHER_VERSION;
    opts.max_idle_per_host = cfg.concurrency;
    auto http = net::http_client::make(rt->io(), opts);
    return rt->directory().register_actor(
      ctx.path, spawn_llm(ctx.parent->system(), entry, http, ctx.path));
  };
  return spec;
}

} // namespace tether
