// What the webhook platforms share on the sending side: an access token
// kept fresh by a refresher actor (Feishu tenant_access_token, WeCom
// gettoken, WeChat cgi-bin/token), and an outbox that sends API requests
// with a deadline each, retries failures with backoff and says once per
// job how it ended (so a reply can be confirmed to `core/outbox`).

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/outbox/confirm.hpp"
#include "actors/runtime.hpp"
#include "protocols/net/http_client.hpp"

namespace tether::ingress {

class token_cell {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// The current token; nullopt before the first fetch and after expiry.
  std::optional<std::string> get(time_point now) const;

  void set(std::string token, time_point expires);

  /// Forgets the token (the API said it is no longer valid).
  void invalidate(const std::string& token);

private:
  mutable std::mutex mtx_;
  std::string token_;
  time_point expires_;
};

using token_cell_ptr = std::shared_ptr<token_cell>;

/// What a token endpoint answered.
struct token_answer {
  enum kind_t { ok, rejected, failed } kind = failed;
  std::string token;
  std::chrono::seconds expires_in{0};
  /// For `rejected` and `failed`: why, without secrets.
  std::string error;
};

struct token_source {
  /// Log component, e.g. `feishu`.
  std::string component;
  /// Builds the fetch request (with its deadline).
  std::function<net::http_request()> request;
  /// Reads the answer; `rejected` parks the refresher (bad credentials).
  std::function<token_answer(const net::http_response&)> parse;
  /// Refresh this long before expiry.
  std::chrono::seconds margin{300};
};

/// A refresher that keeps `cell` filled: it fetches at once, again
/// `margin` before expiry, backs off 1, 2, 4 .. 60 s on failures and exits
/// with a fatal reason (park) when the credentials are rejected.
caf::actor spawn_token_refresher(caf::local_actor* parent,
                                 std::shared_ptr<net::http_client> http,
                                 token_source source, token_cell_ptr cell,
                                 std::string path);

/// The verdict on one API answer.
struct api_verdict {
  enum kind_t { ok, retry, drop } kind = drop;
  std::string error;
};

/// How a job ended: `sent` (the API accepted it), `retry` (gave up after
/// max_attempts on transient failures, or never sent: queue full) or
/// `rejected` (the API refused it for good), with why.
using api_finished = std::function<void(reply_outcome, const std::string&)>;

/// One request to send, rebuilt at each attempt (the token may change).
struct api_job {
  /// nullopt: not possible yet (no token); retried later.
  std::function<std::optional<net::http_request>()> make;
  std::function<api_verdict(const net::http_response&)> judge;
  /// For logs, e.g. `reply to om_1`.
  std::string what;
  int attempts = 0;
  /// Called exactly once when the job ends; may be empty.
  api_finished finished;
};

/// Calls `job.finished` (if set) and clears it, so it never runs twice.
void finish(api_job& job, reply_outcome outcome, const std::string& error);

/// A `finished` that confirms the reply with `outbox_id` to `core/outbox`
/// (confirm_reply); empty when `outbox_id` is 0.
api_finished confirm_to(runtime_ptr rt, uint64_t outbox_id);

/// Lives in a platform actor's state; the actor forwards `api_send_atom`
/// and `api_done_atom` to send() and done().
class outbox {
public:
  /// Attempts per job before it is dropped (with a log line).
  static constexpr int max_attempts = 6;

  outbox(std::string component, std::string path,
         std::shared_ptr<net::http_client> http)
    : component_(std::move(component)),
      path_(std::move(path)),
      http_(std::move(http)) {
    // nop
  }

  void add(caf::event_based_actor* self, api_job job);

  void send(caf::event_based_actor* self, uint64_t id);

  void done(caf::event_based_actor* self, uint64_t id,
            const net::http_response& resp);

  uint64_t sent() const {
    return sent_;
  }

  uint64_t dropped() const {
    return dropped_;
  }

private:
  void retry(caf::event_based_actor* self, uint64_t id, const std::string& why);

  std::string component_;
  std::string path_;
  std::shared_ptr<net::http_client> http_;
  uint64_t next_ = 1;
  std::map<uint64_t, api_job> jobs_;
  uint64_t sent_ = 0;
  uint64_t dropped_ = 0;
};

/// Default judgement: 2xx is ok, 0 (no answer), 429 and 5xx are retried,
/// anything else is dropped.
api_verdict judge_http(const net::http_response& resp);

} // namespace tether::ingress
