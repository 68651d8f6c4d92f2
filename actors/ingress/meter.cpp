#include "actors/ingress/meter.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "actors/metrics/names.hpp"

namespace tether::ingress {

const webhook_meter& webhook_meter::of(const std::string& platform) {
  static std::mutex mtx;
  // Leaked like the registry: webhook calls may outlive any owner.
  using meter_map = std::map<std::string, std::unique_ptr<webhook_meter>>;
  static auto* meters = new meter_map;
  std::lock_guard<std::mutex> guard{mtx};
  auto& ptr = (*meters)[platform];
  if (!ptr)
    ptr = std::make_unique<webhook_meter>(platform);
  return *ptr;
}

webhook_meter::webhook_meter(std::string platform)
  : platform_(std::move(platform)) {
  for (auto& x : by_class_)
    x.store(nullptr, std::memory_order_relaxed);
  duration_ = &metrics::webhook_request_duration().with({platform_});
}

void webhook_meter::answered(
  int status, std::chrono::steady_clock::duration elapsed) const {
  static constexpr const char* classes[]
    = {"1xx", "2xx", "3xx", "4xx", "5xx", metrics::other_label};
  auto i = status >= 100 && status < 600 ? status / 100 - 1 : 5;
  auto* c = by_class_[i].load(std::memory_order_acquire);
  if (!c) {
    // Racing threads get the same series; either store is fine.
    c = &metrics::webhook_requests().with({platform_, classes[i]});
    by_class_[i].store(c, std::memory_order_release);
  }
  c->inc();
  duration_->observe(std::chrono::duration<double>(elapsed).count());
}

metrics::counter& webhook_meter::errors(const std::string& reason) const {
  return metrics::webhook_errors().with({platform_, reason});
}

} // namespace tether::ingress
