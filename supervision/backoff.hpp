// Pure restart arithmetic: the backoff delay and the intensity window.

#pragma once

#include <chrono>
#include <cstddef>
#include <vector>
#include <random>

#include "supervision/policy.hpp"

namespace tether::supervision {

/// Jitter needs no statistical quality, and every supervisor owns one: a
/// minimal-standard LCG (8 bytes) instead of a Mersenne twister (2.5 KB).
using jitter_rng = std::minstd_rand;

/// Delay before restart number `attempt` (1-based) of a run of consecutive
/// failures: min(max, initial * multiplier^(attempt-1)) * (1 + jitter * u),
/// u uniform in [-1, 1] drawn from `rng`. Never negative.
duration backoff_delay(const backoff_policy& policy, size_t attempt,
                       jitter_rng& rng);

/// OTP's intensity bookkeeping: restart timestamps inside a sliding window.
class restart_window {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Records a restart at `now` and drops the ones older than `within`.
  /// Returns how many restarts the window holds afterwards.
  size_t add(time_point now, duration within);

  /// Restarts within `within` before `now`.
  size_t count(time_point now, duration within) const;

  void clear() {
    stamps_.clear();
  }

private:
  // Holds at most max_restarts + 1 entries; a vector stays empty without
  // allocating, unlike a deque.
  std::vector<time_point> stamps_;
};

} // namespace tether::supervision
