#include "protocols/discord/send_limiter.hpp"

#include <algorithm>

namespace tether::discord {

send_limiter::send_limiter(std::chrono::milliseconds heartbeat_interval,
                           size_t permits, std::chrono::milliseconds period)
  : permits_(permits), period_(period) {
  this->heartbeat_interval(heartbeat_interval);
}

void send_limiter::heartbeat_interval(std::chrono::milliseconds x) {
  // Before Hello the interval is unknown (0); only the spare is kept then.
  size_t beats = 0;
  if (x.count() > 0)
    beats = static_cast<size_t>((period_.count() + x.count() - 1) / x.count());
  reserved_ = std::min(permits_, beats + 1);
}

size_t send_limiter::first_live(time_point now) const {
  // A send at t leaves the window (now - period, now] at exactly t + period.
  auto horizon = now - period_;
  return static_cast<size_t>(std::upper_bound(log_.begin(), log_.end(), horizon)
                             - log_.begin());
}

bool send_limiter::try_acquire(time_point now, bool heartbeat) {
  if (!log_.empty()) now = std::max(now, log_.back());
  log_.erase(log_.begin(), log_.begin() + first_live(now));
  if (log_.size() >= limit(heartbeat)) return false;
  log_.push_back(now);
  return true;
}

send_limiter::time_point send_limiter::available_at(time_point now,
                                                    bool heartbeat) const {
  auto lim = limit(heartbeat);
  if (lim == 0) return time_point::max();
  if (!log_.empty()) now = std::max(now, log_.back());
  auto first = first_live(now);
  auto live = log_.size() - first;
  if (live < lim) return now;
  // Once the (live - lim + 1) oldest live sends expire, one permit is free.
  return log_[first + (live - lim)] + period_;
}

size_t send_limiter::used(time_point now) const {
  return log_.size() - first_live(now);
}

} // namespace tether::discord
