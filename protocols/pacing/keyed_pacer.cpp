#include "protocols/pacing/keyed_pacer.hpp"

#include <algorithm>

namespace tether::pacing {

keyed_pacer::keyed_pacer(pacer_limits limits) : limits_(limits) {
  if (limits_.burst == 0)
    limits_.burst = 1;
  if (limits_.max_keys == 0)
    limits_.max_keys = 1;
  if (limits_.interval < duration::zero())
    limits_.interval = duration::zero();
  tolerance_ = limits_.interval * static_cast<int64_t>(limits_.burst - 1);
}

keyed_pacer::reservation keyed_pacer::acquire_at(const std::string& key,
                                                 time_point now) {
  // Sweep now and then, so that idle keys do not linger until the cap.
  if (++since_sweep_ >= limits_.max_keys) {
    expire(now);
    since_sweep_ = 0;
  }
  auto i = keys_.find(key);
  if (i == keys_.end()) {
    if (keys_.size() >= limits_.max_keys && expire(now) == 0)
      return {verdict::too_many_keys, now};
    // A key never seen (or forgotten) has a full bucket.
    i = keys_.emplace(key, now).first;
  }
  auto base = std::max(i->second, now);
  auto at = std::max(now, base - tolerance_);
  if (at - now > limits_.max_delay)
    return {verdict::backlog, at};
  i->second = base + limits_.interval;
  return {verdict::granted, at};
}

size_t keyed_pacer::expire(time_point now) {
  size_t n = 0;
  for (auto i = keys_.begin(); i != keys_.end();) {
    if (i->second <= now) {
      i = keys_.erase(i);
      ++n;
    } else {
      ++i;
    }
  }
  return n;
}

const char* to_string(keyed_pacer::verdict x) {
  switch (x) {
    case keyed_pacer::verdict::granted:
      return "granted";
    case keyed_pacer::verdict::too_many_keys:
      return "too_many_keys";
    case keyed_pacer::verdict::backlog:
      return "backlog";
  }
  return "?";
}

} // namespace tether::pacing
