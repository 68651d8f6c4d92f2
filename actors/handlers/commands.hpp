// The built-in `commands` handler: /ping, /status and /help.

#pragma once

#include <chrono>
#include <string>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"
#include "supervision/snapshot.hpp"

namespace tether {

supervision::child_spec commands_spec(runtime_ptr rt,
                                      const config::handler_entry& entry);

/// The /status answer: uptime, nodes by state, restarts, and every node
/// that is not running with its reason.
std::string render_status(const supervision::node_snapshot& tree,
                          std::chrono::seconds uptime);

/// `3d4h`, `2h5m`, `4m10s`, `12s`.
std::string render_uptime(std::chrono::seconds uptime);

} // namespace tether
