// What to do with a pending outbox row now: send it, give up on it, or
// wait for its backoff to pass. Pure; the sender and the startup resend
// both ask it.

#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "actors/store/outbox_entry.hpp"

namespace tether::store {

struct outbox_limits {
  /// Give up after this many failed attempts.
  uint32_t max_attempts = 10;
  /// Wait after the first failure; doubles per further failure.
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
};

struct outbox_decision {
  enum kind_t { send, drop, wait };
  kind_t kind = send;
  /// For `drop`: why, e.g. `past its deadline`.
  std::string reason;
  /// For `wait`: when to ask again (wall-clock ms).
  int64_t until_ms = 0;
};

/// The backoff after `attempts` failures: 0 for none, then 1 s, 2 s, 4 s,
/// ... up to the maximum.
std::chrono::milliseconds outbox_backoff(uint32_t attempts,
                                         const outbox_limits& limits);

/// Decides for `x` at `now_ms`. `last_attempt_ms` is when the last failed
/// attempt ended (0: unknown, e.g. after a restart: then there is no
/// wait). Drops when past `x.deadline_ms` (if set) or when `x.attempts`
/// reached the maximum; waits while the backoff since the last attempt
/// has not passed; sends otherwise.
outbox_decision decide(const outbox_entry& x, int64_t now_ms,
                       int64_t last_attempt_ms, const outbox_limits& limits);

} // namespace tether::store
