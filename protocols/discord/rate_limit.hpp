// Discord REST rate limits (PROTOCOLS.md §1.11): reading the headers and
// deciding when each request may go. Pure: time comes in as arguments, so
// the REST actor stays a thin state machine and tests need no sleeps.

#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "protocols/net/http_client.hpp"

namespace tether::discord {

/// What one response says about rate limits; absent headers stay empty.
struct rate_limit_info {
  std::optional<int> limit;
  std::optional<int> remaining;
  /// Seconds until `remaining` refills.
  std::optional<double> reset_after;
  std::string bucket;
  bool global = false;
  /// `user`, `global` or `shared` (429 only).
  std::string scope;
  /// Seconds to wait after a 429.
  std::optional<double> retry_after;
};

/// Reads the `x-ratelimit-*` and `retry-after` headers (names lower case,
/// as `net::http_response` has them) and, if not empty, the 429 body
/// `{"retry_after":64.57,"global":false}`, whose float is preferred over
/// the header's whole seconds. Malformed values count as absent.
rate_limit_info parse_rate_limit(const net::header_list& headers,
                                 std::string_view body_if_429);

/// Decides when each request may be sent. Tracks buckets learned from
/// headers, 429 blocks, the global requests/s window, and the invalid
/// requests (401, 403, 429) that make Cloudflare ban the IP.
///
/// `acquire_at` only covers waiting. Before sending, also check
/// `webhook_gone`, `route_blocked` and `invalid_budget_exhausted`: those
/// mean fail the request, not queue it. A response's `remaining` replaces
/// our count without subtracting requests still in flight, so the REST
/// actor keeps at most one request per route in flight.
class rest_limiter {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  /// `invalid_cap` invalid responses per `invalid_window` exhaust the
  /// budget (Discord bans at 10 000 per 10 min); `route_failures`
  /// consecutive 401/403 on one route block it for `route_cooldown`.
  explicit rest_limiter(size_t global_per_second = 50,
                        size_t invalid_cap = 1000, size_t route_failures = 5,
                        duration route_cooldown = std::chrono::minutes{10},
                        duration invalid_window = std::chrono::minutes{10});

  /// Earliest time a request on `route` (a `route_key`) may be sent: the
  /// latest of `now`, the bucket's reset when it has nothing left, a 429
  /// block on the bucket or on everything, and the global window.
  time_point acquire_at(const std::string& route, time_point now) const;

  /// Records a request sent on `route` at `now`.
  void on_sent(const std::string& route, time_point now);

  /// Records the response to a request on `route`. Status 0 (no response
  /// arrived) is neither a failure nor a success.
  void on_response(const std::string& route, int status,
                   const rate_limit_info& info, time_point now);

  /// Invalid responses in the window ending at `now`.
  size_t invalid_count(time_point now) const;

  /// True once `invalid_count` reaches our cap: stop sending until it
  /// drops, long before Discord's ban.
  bool invalid_budget_exhausted(time_point now) const;

  /// True while `route` cools down after repeated 401/403. After the
  /// cool-down one request may probe; if it fails too, the route is
  /// blocked again at once. A 2xx resets the count.
  bool route_blocked(const std::string& route, time_point now) const;

  /// Why `route` was last blocked; empty if it never was since its last
  /// success. Never contains the route itself (it may hold a token).
  std::string route_block_reason(const std::string& route) const;

  /// True forever once the webhook of `route` answered 404 to an execute
  /// (`POST /webhooks/...`): Discord says to stop using it.
  bool webhook_gone(const std::string& route) const;

private:
  struct bucket_state {
    /// Requests left until `reset`, as last reported and counted down;
    /// unknown again once `reset` has passed.
    std::optional<int> remaining;
    time_point reset;
    /// Set by a 429 on this bucket.
    time_point blocked_until;
  };

  struct route_failures {
    size_t consecutive = 0;
    time_point blocked_until;
    std::string reason;
  };

  // Buckets are shared across routes, but Discord counts them per
  // top-level resource: the key is `bucket id|major parameter`, or the
  // route itself until its first response names a bucket.
  std::string state_key(const std::string& route) const;

  const bucket_state* find_state(const std::string& route) const;

  bucket_state& state(const std::string& route);

  void learn_bucket(const std::string& route, const std::string& bucket);

  size_t global_per_second_;
  size_t invalid_cap_;
  size_t route_failure_limit_;
  duration route_cooldown_;
  duration invalid_window_;
  std::unordered_map<std::string, std::string> route_bucket_;
  std::unordered_map<std::string, bucket_state> buckets_;
  time_point global_blocked_until_;
  // The last `global_per_second_` send times, oldest first.
  std::deque<time_point> sent_;
  // Invalid response times inside the window, oldest first.
  std::deque<time_point> invalid_;
  std::unordered_map<std::string, route_failures> failures_;
  // Major parameters (`webhooks/id/token`) of webhooks that answered 404.
  std::unordered_set<std::string> gone_webhooks_;
};

} // namespace tether::discord
