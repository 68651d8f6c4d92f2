// What every actor of the daemon shares: the actor system, the io_context
// that runs all sockets, the directory of named actors, and the config in
// force. Kept free of Asio and CAF-heavy includes on purpose.

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "actors/directory.hpp"
#include "config/config.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace caf {
class actor_system;
} // namespace caf

namespace tether::supervision {
class event_hub;
} // namespace tether::supervision

namespace tether {

/// Prometheus text of the daemon's metrics (see the admin's /metrics).
using metrics_source = std::function<std::string()>;

class runtime {
public:
  runtime(caf::actor_system& sys, boost::asio::io_context& io,
          std::shared_ptr<const config::tether_config> cfg);

  caf::actor_system& system() {
    return sys_;
  }

  boost::asio::io_context& io() {
    return io_;
  }

  tether::directory& directory() {
    return dir_;
  }

  /// The config in force; replaced atomically on reload.
  std::shared_ptr<const config::tether_config> config() const;
  void config(std::shared_ptr<const config::tether_config> cfg);

  std::chrono::steady_clock::time_point started_at() const {
    return started_at_;
  }

  /// Supervisor events of the whole tree, for live subscribers (the root's
  /// event sink publishes here).
  const std::shared_ptr<supervision::event_hub>& events() const {
    return events_;
  }

  /// Where /metrics gets its text; unset answers 404. Set it before the
  /// tree starts or at any time later.
  metrics_source metrics() const;
  void metrics(metrics_source fn);

private:
  caf::actor_system& sys_;
  boost::asio::io_context& io_;
  tether::directory dir_;
  mutable std::mutex mtx_;
  std::shared_ptr<const config::tether_config> cfg_;
  std::chrono::steady_clock::time_point started_at_;
  std::shared_ptr<supervision::event_hub> events_;
  metrics_source metrics_;
};

using runtime_ptr = std::shared_ptr<runtime>;

} // namespace tether
