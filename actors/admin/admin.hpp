// The admin console, node `core/admin`: an HTTP API on `admin.listen`
// (loopback by default) that shows the live tree, restarts, stops and
// starts nodes, tunes restart policies, reloads the config, streams
// supervisor events and logs, and answers health probes (docs/admin.md).
//
// The actor runs on its own thread and never waits for anyone: every
// question to a supervisor is a request with a short deadline, so a
// platform in trouble can make an answer partial or a 503, never late.

#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::admin {

struct admin_options {
  /// /metrics text; unset falls back to the runtime's source.
  metrics_source metrics;
  /// Deadline of the root's snapshot (tree, actions, health).
  std::chrono::milliseconds snapshot_timeout{500};
  /// Deadline of each node's `details_atom` answer.
  std::chrono::milliseconds details_timeout{300};
  /// Deadline of a policy query or change.
  std::chrono::milliseconds policy_timeout{500};
  /// Interval of keep-alive comments on event streams.
  std::chrono::milliseconds keepalive{15'000};
};

/// The child `admin` of `core`.
supervision::child_spec admin_spec(runtime_ptr rt, admin_options opts = {});

/// Why `admin` cannot start as configured (a non-loopback address without
/// a token), or nullopt.
std::optional<std::string> check_admin(const config::admin_section& x);

/// `http://HOST:PORT/` for a bound address.
std::string console_url(const std::string& host, uint16_t port);

} // namespace tether::admin
