#include "supervision/event_hub.hpp"

#include <vector>

namespace tether::supervision {

uint64_t event_hub::subscribe(subscriber f) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto id = next_id_++;
  subscribers_.emplace(id, std::move(f));
  return id;
}

void event_hub::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  subscribers_.erase(id);
}

void event_hub::publish(const supervisor_event& x) {
  // Under the lock, so that events from several supervisors reach each
  // subscriber one at a time and in the order they were published.
  std::vector<uint64_t> done;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [id, f] : subscribers_)
    if (!f(x))
      done.push_back(id);
  for (auto id : done)
    subscribers_.erase(id);
}

size_t event_hub::subscribers() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return subscribers_.size();
}

std::shared_ptr<const event_sink> event_hub::sink() {
  std::weak_ptr<event_hub> weak = shared_from_this();
  return std::make_shared<const event_sink>(
    [weak](const supervisor_event& x) {
      log_event(x);
      if (auto hub = weak.lock())
        hub->publish(x);
    });
}

} // namespace tether::supervision
