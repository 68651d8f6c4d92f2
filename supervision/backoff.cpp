#include "supervision/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace tether::supervision {

duration backoff_delay(const backoff_policy& policy, size_t attempt,
                       jitter_rng& rng) {
  using std::chrono::duration_cast;
  if (policy.initial.count() <= 0)
    return duration{0};
  auto exponent = attempt > 0 ? static_cast<double>(attempt - 1) : 0.0;
  // Computed in double so that long failure runs cannot overflow.
  auto base = static_cast<double>(policy.initial.count())
              * std::pow(policy.multiplier, exponent);
  base = std::min(base, static_cast<double>(policy.max.count()));
  if (policy.jitter > 0) {
    std::uniform_real_distribution<double> dist{-1.0, 1.0};
    base *= 1.0 + policy.jitter * dist(rng);
  }
  return duration{static_cast<duration::rep>(std::max(0.0, base))};
}

size_t restart_window::add(time_point now, duration within) {
  stamps_.push_back(now);
  auto threshold = now - within;
  auto first_kept = std::find_if(stamps_.begin(), stamps_.end(),
                                 [&](const time_point& x) {
                                   return x > threshold;
                                 });
  stamps_.erase(stamps_.begin(), first_kept);
  return stamps_.size();
}

size_t restart_window::count(time_point now, duration within) const {
  auto threshold = now - within;
  return static_cast<size_t>(
    std::count_if(stamps_.begin(), stamps_.end(),
                  [&](const time_point& x) { return x > threshold; }));
}

} // namespace tether::supervision
