#define CAF_SUITE protocols.discord.rest_limiter

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/discord/rate_limit.hpp"

using namespace tether::discord;
using namespace std::chrono_literals;

namespace {

using time_point = rest_limiter::time_point;

// An arbitrary origin well past the clock's epoch.
const time_point t0 = time_point{} + 1h;

const std::string msgs_1 = "POST /channels/1/messages";
const std::string msgs_2 = "POST /channels/2/messages";
const std::string react_put = "PUT /channels/1/messages/:id/reactions/"
                              ":reaction";
const std::string react_del = "DELETE /channels/1/messages/:id/reactions/"
                              ":reaction";
const std::string react_put_2 = "PUT /channels/2/messages/:id/reactions/"
                                ":reaction";

rate_limit_info bucket(int limit, int remaining, double reset_after,
                       std::string id) {
  rate_limit_info x;
  x.limit = limit;
  x.remaining = remaining;
  x.reset_after = reset_after;
  x.bucket = std::move(id);
  return x;
}

rate_limit_info too_many(double retry_after, std::string scope = "user",
                         bool global = false) {
  rate_limit_info x;
  x.retry_after = retry_after;
  x.scope = std::move(scope);
  x.global = global;
  return x;
}

// Offsets from t0 print readably in failed checks; time points do not.
rest_limiter::duration at(const rest_limiter& lim, const std::string& route,
                          time_point now) {
  return lim.acquire_at(route, now) - t0;
}

} // namespace

CAF_TEST(headers and the 429 body are parsed) {
  tether::net::header_list headers{
    {"content-type", "application/json"},
    {"x-ratelimit-limit", "5"},
    {"x-ratelimit-remaining", "0"},
    {"x-ratelimit-reset", "1470173023.123"},
    {"x-ratelimit-reset-after", "64.57"},
    {"x-ratelimit-bucket", "abcd1234"},
    {"x-ratelimit-global", "false"},
    {"x-ratelimit-scope", "user"},
    {"retry-after", "65"},
  };
  auto body = R"({"message":"You are being rate limited.",)"
              R"("retry_after":64.57,"global":false})";
  auto x = parse_rate_limit(headers, body);
  CAF_CHECK_EQUAL(x.limit, 5);
  CAF_CHECK_EQUAL(x.remaining, 0);
  CAF_CHECK_EQUAL(x.reset_after, 64.57);
  CAF_CHECK_EQUAL(x.bucket, "abcd1234");
  CAF_CHECK_EQUAL(x.global, false);
  CAF_CHECK_EQUAL(x.scope, "user");
  // The body's float beats the header's whole seconds.
  CAF_CHECK_EQUAL(x.retry_after, 64.57);
  // Without a body the header is used.
  CAF_CHECK_EQUAL(parse_rate_limit(headers, "").retry_after, 65.0);
}

CAF_TEST(missing and malformed headers count as absent) {
  auto none = parse_rate_limit({}, "");
  CAF_CHECK(!none.limit && !none.remaining && !none.reset_after);
  CAF_CHECK(!none.retry_after);
  CAF_CHECK(none.bucket.empty() && none.scope.empty() && !none.global);
  tether::net::header_list bad{
    {"x-ratelimit-limit", "abc"},
    {"x-ratelimit-remaining", "-1"},
    {"x-ratelimit-reset-after", "1.5x"},
    {"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"},
  };
  auto x = parse_rate_limit(bad, "not json");
  CAF_CHECK(!x.limit);
  CAF_CHECK(!x.remaining);
  CAF_CHECK(!x.reset_after);
  CAF_CHECK(!x.retry_after);
  CAF_CHECK(!x.global);
  auto y = parse_rate_limit({}, R"({"retry_after":-3,"global":"yes"})");
  CAF_CHECK(!y.retry_after);
  CAF_CHECK(!y.global);
}

CAF_TEST(global flags come from the header or the body) {
  CAF_CHECK(parse_rate_limit({{"x-ratelimit-global", "true"}}, "").global);
  CAF_CHECK(parse_rate_limit({{"X-RateLimit-Global", " True "}}, "").global);
  auto x = parse_rate_limit({{"x-ratelimit-scope", "global"}},
                            R"({"retry_after":1.5,"global":true})");
  CAF_CHECK(x.global);
  CAF_CHECK_EQUAL(x.scope, "global");
  CAF_CHECK_EQUAL(x.retry_after, 1.5);
}

CAF_TEST(an unknown route may go at once) {
  rest_limiter lim;
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 5s), 5s);
  CAF_CHECK(!lim.route_blocked(msgs_1, t0));
  CAF_CHECK(!lim.webhook_gone(msgs_1));
  CAF_CHECK_EQUAL(lim.invalid_count(t0), 0u);
  CAF_CHECK(!lim.invalid_budget_exhausted(t0));
}

CAF_TEST(an exhausted bucket waits for its reset) {
  rest_limiter lim;
  lim.on_sent(msgs_1, t0);
  lim.on_response(msgs_1, 200, bucket(2, 1, 2.5, "b1"), t0 + 100ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 100ms), 100ms);
  // Our own count reaches zero before Discord says so.
  lim.on_sent(msgs_1, t0 + 200ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 200ms), 2600ms);
  // Discord's answer moves the reset.
  lim.on_response(msgs_1, 200, bucket(2, 0, 2.4, "b1"), t0 + 300ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 300ms), 2700ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 2700ms), 2700ms);
  // A new window: unknown until its first response, then counted again.
  lim.on_sent(msgs_1, t0 + 2700ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 2700ms), 2700ms);
  lim.on_response(msgs_1, 200, bucket(2, 1, 2, "b1"), t0 + 2750ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 2800ms), 2800ms);
  lim.on_sent(msgs_1, t0 + 2800ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 2900ms), 4750ms);
  // Other channels are unaffected.
  CAF_CHECK_EQUAL(at(lim, msgs_2, t0 + 2900ms), 2900ms);
}

CAF_TEST(routes with one bucket id share its state per channel) {
  rest_limiter lim;
  lim.on_sent(react_del, t0);
  lim.on_response(react_del, 204, bucket(1, 1, 0.25, "react"), t0);
  lim.on_sent(react_put, t0);
  lim.on_response(react_put, 204, bucket(1, 0, 0.25, "react"), t0 + 10ms);
  CAF_CHECK_EQUAL(at(lim, react_put, t0 + 10ms), 260ms);
  CAF_CHECK_EQUAL(at(lim, react_del, t0 + 10ms), 260ms);
  // Same bucket id, other channel: Discord counts it separately.
  lim.on_response(react_put_2, 204, bucket(1, 1, 0.25, "react"), t0 + 10ms);
  CAF_CHECK_EQUAL(at(lim, react_put_2, t0 + 10ms), 10ms);
  CAF_CHECK_EQUAL(at(lim, react_put, t0 + 10ms), 260ms);
}

CAF_TEST(a 429 blocks its bucket for retry_after) {
  rest_limiter lim;
  auto info = parse_rate_limit({{"x-ratelimit-bucket", "b1"},
                                {"x-ratelimit-scope", "user"},
                                {"retry-after", "65"}},
                               R"({"message":"You are being rate limited.",)"
                               R"("retry_after":64.57,"global":false})");
  lim.on_sent(msgs_1, t0);
  lim.on_response(msgs_1, 429, info, t0 + 1s);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 1s), 65570ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 70s), 70s);
  CAF_CHECK_EQUAL(at(lim, msgs_2, t0 + 1s), 1s);
  CAF_CHECK_EQUAL(lim.invalid_count(t0 + 1s), 1u);
}

CAF_TEST(a 429 before the bucket is known blocks the route) {
  rest_limiter lim;
  lim.on_response(msgs_1, 429, too_many(3), t0);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0), 3s);
  // Learning the bucket later keeps the block.
  lim.on_response(msgs_1, 200, bucket(5, 4, 1, "b1"), t0 + 1s);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 1s), 3s);
}

CAF_TEST(a global 429 blocks every route) {
  rest_limiter lim;
  lim.on_response(msgs_1, 429, too_many(2, "global", true), t0);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0), 2s);
  CAF_CHECK_EQUAL(at(lim, msgs_2, t0 + 500ms), 2s);
  CAF_CHECK_EQUAL(at(lim, react_put, t0 + 2s), 2s);
  CAF_CHECK_EQUAL(at(lim, msgs_2, t0 + 3s), 3s);
  // A scope of `global` alone means the same.
  rest_limiter lim2;
  lim2.on_response(msgs_1, 429, too_many(4, "global"), t0);
  CAF_CHECK_EQUAL(at(lim2, msgs_2, t0), 4s);
}

CAF_TEST(shared scope 429s block but are not invalid) {
  rest_limiter lim;
  lim.on_response(msgs_1, 429, too_many(1.5, "shared"), t0);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0), 1500ms);
  CAF_CHECK_EQUAL(lim.invalid_count(t0), 0u);
  lim.on_response(msgs_1, 429, too_many(1.5, "user"), t0);
  CAF_CHECK_EQUAL(lim.invalid_count(t0), 1u);
}

CAF_TEST(at most 50 requests go per second) {
  rest_limiter lim;
  for (int i = 0; i < 49; ++i)
    lim.on_sent(i % 2 ? msgs_1 : msgs_2, t0 + i * 10ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 490ms), 490ms);
  lim.on_sent(msgs_1, t0 + 490ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 500ms), 1s);
  CAF_CHECK_EQUAL(at(lim, react_put, t0 + 500ms), 1s);
  CAF_CHECK_EQUAL(at(lim, msgs_2, t0 + 1s), 1s);
  lim.on_sent(msgs_2, t0 + 1s);
  CAF_CHECK_EQUAL(at(lim, msgs_2, t0 + 1s), 1010ms);
  // Interaction responses are exempt.
  std::string cb = "POST /interactions/:id/:token/callback";
  CAF_CHECK_EQUAL(at(lim, cb, t0 + 1s), 1s);
}

CAF_TEST(the global rate is a constructor parameter) {
  rest_limiter lim{2};
  lim.on_sent(msgs_1, t0);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0), 0s);
  lim.on_sent(msgs_2, t0 + 100ms);
  CAF_CHECK_EQUAL(at(lim, msgs_1, t0 + 100ms), 1s);
}

CAF_TEST(the invalid guard trips at its cap and recovers) {
  rest_limiter lim{50, 10};
  for (int i = 0; i < 9; ++i)
    lim.on_response(i % 2 ? msgs_1 : msgs_2, i % 3 ? 401 : 403, {},
                    t0 + i * 1s);
  CAF_CHECK_EQUAL(lim.invalid_count(t0 + 9s), 9u);
  CAF_CHECK(!lim.invalid_budget_exhausted(t0 + 9s));
  lim.on_response(react_put, 429, too_many(0.1), t0 + 9s);
  CAF_CHECK_EQUAL(lim.invalid_count(t0 + 9s), 10u);
  CAF_CHECK(lim.invalid_budget_exhausted(t0 + 9s));
  // Other statuses do not count.
  lim.on_response(msgs_1, 404, {}, t0 + 9s);
  lim.on_response(msgs_1, 500, {}, t0 + 9s);
  lim.on_response(msgs_1, 400, {}, t0 + 9s);
  CAF_CHECK_EQUAL(lim.invalid_count(t0 + 9s), 10u);
  CAF_CHECK(lim.invalid_budget_exhausted(t0 + 10min - 1ns));
  // The first one leaves the 10-minute window.
  CAF_CHECK_EQUAL(lim.invalid_count(t0 + 10min), 9u);
  CAF_CHECK(!lim.invalid_budget_exhausted(t0 + 10min));
  CAF_CHECK_EQUAL(lim.invalid_count(t0 + 10min + 9s), 0u);
}

CAF_TEST(the default invalid cap is 1000 per 10 minutes) {
  rest_limiter lim;
  for (int i = 0; i < 999; ++i)
    lim.on_response(msgs_1, 429, too_many(0.01), t0 + i * 100ms);
  auto now = t0 + 100s;
  CAF_CHECK_EQUAL(lim.invalid_count(now), 999u);
  CAF_CHECK(!lim.invalid_budget_exhausted(now));
  lim.on_response(msgs_1, 429, too_many(0.01), now);
  CAF_CHECK(lim.invalid_budget_exhausted(now));
  CAF_CHECK(!lim.invalid_budget_exhausted(now + 10min));
}

CAF_TEST(five consecutive 401s block a route until the cool - down) {
  rest_limiter lim;
  const std::string hook = "POST /webhooks/1/s3cr3t";
  for (int i = 0; i < 4; ++i)
    lim.on_response(hook, 401, {}, t0 + i * 1s);
  CAF_CHECK(!lim.route_blocked(hook, t0 + 4s));
  CAF_CHECK_EQUAL(lim.route_block_reason(hook), "");
  lim.on_response(hook, 401, {}, t0 + 4s);
  CAF_CHECK(lim.route_blocked(hook, t0 + 4s));
  CAF_CHECK(!lim.route_blocked(msgs_1, t0 + 4s));
  auto reason = lim.route_block_reason(hook);
  CAF_CHECK_EQUAL(reason,
                  "5 consecutive 401/403 responses (last: 401); paused for "
                  "600s");
  CAF_CHECK_EQUAL(reason.find("s3cr3t"), std::string::npos);
  CAF_CHECK(lim.route_blocked(hook, t0 + 4s + 10min - 1ns));
  CAF_CHECK(!lim.route_blocked(hook, t0 + 4s + 10min));
  // The probe after the cool-down fails too: blocked again at once.
  lim.on_response(hook, 403, {}, t0 + 4s + 10min);
  CAF_CHECK(lim.route_blocked(hook, t0 + 4s + 10min));
  CAF_CHECK_EQUAL(lim.route_block_reason(hook),
                  "6 consecutive 401/403 responses (last: 403); paused for "
                  "600s");
}

CAF_TEST(failure limit and cool - down are constructor parameters) {
  rest_limiter lim{50, 1000, 2, 30s};
  lim.on_response(msgs_1, 403, {}, t0);
  CAF_CHECK(!lim.route_blocked(msgs_1, t0));
  lim.on_response(msgs_1, 403, {}, t0);
  CAF_CHECK(lim.route_blocked(msgs_1, t0 + 29s));
  CAF_CHECK(!lim.route_blocked(msgs_1, t0 + 30s));
}

CAF_TEST(a success resets the failure count) {
  rest_limiter lim;
  for (int i = 0; i < 4; ++i)
    lim.on_response(msgs_1, 401, {}, t0);
  lim.on_response(msgs_1, 200, {}, t0);
  for (int i = 0; i < 4; ++i)
    lim.on_response(msgs_1, 401, {}, t0);
  CAF_CHECK(!lim.route_blocked(msgs_1, t0));
  // Errors that say nothing about authorization neither count nor reset.
  lim.on_response(msgs_1, 500, {}, t0);
  lim.on_response(msgs_1, 429, too_many(0.1), t0);
  lim.on_response(msgs_1, 401, {}, t0);
  CAF_CHECK(lim.route_blocked(msgs_1, t0));
  // A success while blocked (a request already in flight) unblocks.
  lim.on_response(msgs_1, 204, {}, t0 + 1s);
  CAF_CHECK(!lim.route_blocked(msgs_1, t0 + 1s));
  CAF_CHECK_EQUAL(lim.route_block_reason(msgs_1), "");
}

CAF_TEST(a webhook that answers 404 is gone for good) {
  rest_limiter lim;
  const std::string hook = "POST /webhooks/1/tok";
  const std::string edit = "PATCH /webhooks/1/tok/messages/:id";
  const std::string other = "POST /webhooks/2/tok2";
  // An unknown message on a live webhook is no reason to stop.
  lim.on_response(edit, 404, {}, t0);
  CAF_CHECK(!lim.webhook_gone(edit));
  CAF_CHECK(!lim.webhook_gone(hook));
  lim.on_response(msgs_1, 404, {}, t0);
  CAF_CHECK(!lim.webhook_gone(msgs_1));
  lim.on_response(hook, 404, {}, t0);
  CAF_CHECK(lim.webhook_gone(hook));
  CAF_CHECK(lim.webhook_gone(edit));
  CAF_CHECK(!lim.webhook_gone(other));
  // A 404 is not an invalid request.
  CAF_CHECK_EQUAL(lim.invalid_count(t0), 0u);
  lim.on_response(hook, 200, {}, t0 + 1h);
  CAF_CHECK(lim.webhook_gone(hook));
}
