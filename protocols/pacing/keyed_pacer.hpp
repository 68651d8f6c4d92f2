// Per-key token buckets for pacing outgoing messages (one bucket per chat
// or recipient). Pure: the caller passes the time, nothing sleeps.
//
// Each bucket is kept as its theoretical arrival time (GCRA): one slot
// costs `interval`, and up to `burst` slots may be taken at once. A key
// whose arrival time has passed holds a full bucket, which is exactly the
// state of a key never seen, so forgetting it loses nothing. Over any
// window of length W a key gets at most `burst + W / interval` slots.

#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace tether::pacing {

struct pacer_limits {
  /// Time one send costs (1 / rate).
  std::chrono::steady_clock::duration interval = std::chrono::seconds{1};
  /// Sends that may go at once from a full bucket (at least 1).
  size_t burst = 1;
  /// Keys tracked at most; a new key beyond this is refused.
  size_t max_keys = 10000;
  /// Reservations further ahead than this are refused (not reserved).
  std::chrono::steady_clock::duration max_delay = std::chrono::seconds{60};
};

class keyed_pacer {
public:
  // -- member types -----------------------------------------------------------

  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  enum class verdict {
    /// A slot is reserved for `at`.
    granted,
    /// Every tracked key is busy and the cap is reached.
    too_many_keys,
    /// The next slot lies beyond `max_delay`.
    backlog,
  };

  struct reservation {
    verdict kind = verdict::granted;
    /// When the send may go (>= now); meaningful only when granted.
    time_point at;

    bool granted() const {
      return kind == verdict::granted;
    }
  };

  // -- constructors, destructors, and assignment operators --------------------

  explicit keyed_pacer(pacer_limits limits);

  // -- modifiers --------------------------------------------------------------

  /// Reserves the next slot of `key` and says when it is.
  reservation acquire_at(const std::string& key, time_point now);

  /// Forgets keys whose buckets are full again; returns how many.
  size_t expire(time_point now);

  // -- observers --------------------------------------------------------------

  /// Keys currently tracked.
  size_t size() const {
    return keys_.size();
  }

  const pacer_limits& limits() const {
    return limits_;
  }

private:
  // -- member variables -------------------------------------------------------

  pacer_limits limits_;
  /// (burst - 1) * interval: how far ahead of its arrival time a send may go.
  duration tolerance_;
  std::unordered_map<std::string, time_point> keys_;
  /// Acquisitions since the last sweep of idle keys.
  size_t since_sweep_ = 0;
};

/// "granted", "too_many_keys" or "backlog", for logs.
const char* to_string(keyed_pacer::verdict x);

} // namespace tether::pacing
