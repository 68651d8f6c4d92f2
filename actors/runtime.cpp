#include "actors/runtime.hpp"

#include "supervision/event_hub.hpp"

namespace tether {

runtime::runtime(caf::actor_system& sys, boost::asio::io_context& io,
                 std::shared_ptr<const config::tether_config> cfg)
  : sys_(sys),
    io_(io),
    cfg_(std::move(cfg)),
    started_at_(std::chrono::steady_clock::now()),
    events_(std::make_shared<supervision::event_hub>()) {
  // nop
}

std::shared_ptr<const config::tether_config> runtime::config() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return cfg_;
}

void runtime::config(std::shared_ptr<const config::tether_config> cfg) {
  std::lock_guard<std::mutex> guard{mtx_};
  cfg_ = std::move(cfg);
}

metrics_source runtime::metrics() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return metrics_;
}

void runtime::metrics(metrics_source fn) {
  std::lock_guard<std::mutex> guard{mtx_};
  metrics_ = std::move(fn);
}

} // namespace tether
