#include "actors/store/outbox_policy.hpp"

#include <algorithm>

namespace tether::store {

std::chrono::milliseconds outbox_backoff(uint32_t attempts,
                                         const outbox_limits& limits) {
  if (attempts == 0) return std::chrono::milliseconds{0};
  auto result = limits.backoff_initial;
  for (uint32_t i = 1; i < attempts && result < limits.backoff_max; ++i)
    result *= 2;
  return std::min(result, limits.backoff_max);
}

outbox_decision decide(const outbox_entry& x, int64_t now_ms,
                       int64_t last_attempt_ms, const outbox_limits& limits) {
  outbox_decision result;
  if (x.deadline_ms > 0 && now_ms >= x.deadline_ms) {
    result.kind = outbox_decision::drop;
    result.reason = "past its deadline";
    return result;
  }
  if (x.attempts >= limits.max_attempts) {
    result.kind = outbox_decision::drop;
    result.reason = "gave up after " + std::to_string(x.attempts) + " attempts";
    if (!x.last_error.empty()) result.reason += ": " + x.last_error;
    return result;
  }
  if (last_attempt_ms > 0) {
    auto ready = last_attempt_ms + outbox_backoff(x.attempts, limits).count();
    if (now_ms < ready) {
      result.kind = outbox_decision::wait;
      result.until_ms = ready;
      // Waiting past the deadline is pointless: drop it then instead.
      if (x.deadline_ms > 0 && ready >= x.deadline_ms)
        result.until_ms = x.deadline_ms;
      return result;
    }
  }
  result.kind = outbox_decision::send;
  return result;
}

} // namespace tether::store
