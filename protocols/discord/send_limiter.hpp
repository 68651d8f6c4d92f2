// The gateway's command rate limit (PROTOCOLS.md §1.9): at most 120 sends
// per connection in any 60 s, or Discord disconnects us. Like twilight's
// CommandRatelimiter this is a sliding-window log, which guarantees the
// (t - period, t] window never holds more than `permits` sends, and it
// keeps room for the heartbeats of a whole period so that a burst of
// commands can never delay a heartbeat into a zombie timeout.

#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

namespace tether::discord {

class send_limiter {
public:
  using time_point = std::chrono::steady_clock::time_point;

  // -- constructors, destructors, and assignment operators --------------------

  explicit send_limiter(std::chrono::milliseconds heartbeat_interval,
                        size_t permits = 120,
                        std::chrono::milliseconds period
                        = std::chrono::seconds{60});

  // -- modifiers --------------------------------------------------------------

  /// Records a send at `now` if the window allows it. Heartbeats may use
  /// every permit, other commands only the non-reserved ones. A `now`
  /// earlier than the last recorded send counts as that send's time.
  bool try_acquire(time_point now, bool heartbeat);

  /// Changes the heartbeat interval, e.g. once Hello arrived.
  void heartbeat_interval(std::chrono::milliseconds x);

  // -- observers --------------------------------------------------------------

  /// The earliest time, not before `now`, at which try_acquire would
  /// succeed; time_point::max() when it never can (no permits at all).
  time_point available_at(time_point now, bool heartbeat) const;

  /// Sends recorded in (now - period, now].
  size_t used(time_point now) const;

  /// Permits kept for heartbeats: the heartbeats that fit into one period,
  /// rounded up, plus one spare (at most all permits).
  size_t reserved() const noexcept {
    return reserved_;
  }

  size_t permits() const noexcept {
    return permits_;
  }

private:
  size_t limit(bool heartbeat) const noexcept {
    return heartbeat ? permits_ : permits_ - reserved_;
  }

  // Index of the first send still inside the window ending at `now`.
  size_t first_live(time_point now) const;

  size_t permits_;
  std::chrono::milliseconds period_;
  size_t reserved_ = 0;
  // Send times, oldest first; never more than permits_ entries.
  std::deque<time_point> log_;
};

} // namespace tether::discord
