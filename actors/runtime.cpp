#include "actors/runtime.hpp"

namespace tether {

runtime::runtime(caf::actor_system& sys, boost::asio::io_context& io,
                 std::shared_ptr<const config::tether_config> cfg)
  : sys_(sys),
    io_(io),
    cfg_(std::move(cfg)),
    started_at_(std::chrono::steady_clock::now()) {
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

} // namespace tether
