// Fan-out of supervisor events to live subscribers (the admin console's
// event stream), next to the log line every event gets anyway.
//
// Subscribers are called on the supervisor's thread, in event order, and
// must not block: the admin's subscriber writes into an HTTP stream whose
// queue is bounded and that drops a client which does not keep up.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "supervision/event.hpp"

namespace tether::supervision {

class event_hub : public std::enable_shared_from_this<event_hub> {
public:
  /// Returns false to unsubscribe.
  using subscriber = std::function<bool(const supervisor_event&)>;

  /// Registers `f`; returns an id for unsubscribe().
  uint64_t subscribe(subscriber f);

  void unsubscribe(uint64_t id);

  /// Passes `x` to every subscriber. Thread-safe.
  void publish(const supervisor_event& x);

  size_t subscribers() const;

  /// A sink for supervisor_flags::events: logs each event (log_event) and
  /// publishes it. Holds only a weak reference to this hub.
  std::shared_ptr<const event_sink> sink();

private:
  mutable std::mutex mtx_;
  std::map<uint64_t, subscriber> subscribers_;
  uint64_t next_id_ = 1;
};

using event_hub_ptr = std::shared_ptr<event_hub>;

} // namespace tether::supervision
