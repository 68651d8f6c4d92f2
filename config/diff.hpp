// What a reload changes: the platform and handler nodes to add, remove or
// restart, whether the routes changed, and which untouched nodes only get
// a new restart policy.

#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace tether::config {

struct entry_diff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  /// Same id, different settings or restart policy: restarted.
  std::vector<std::string> changed;

  bool empty() const {
    return added.empty() && removed.empty() && changed.empty();
  }
};

struct config_diff {
  /// Ids under `platforms` (`kind:name`).
  entry_diff platforms;
  /// Names under `handlers`.
  entry_diff handlers;
  bool routes_changed = false;
  /// Nodes present in both configs, not restarted, whose policy changed.
  std::vector<std::string> policy_changed;
  /// Keys that only take effect after a restart of tetherd.
  std::vector<std::string> needs_restart;
  /// Daemon keys applied at once (log level and format, deadlines).
  std::vector<std::string> applied;

  bool empty() const {
    return platforms.empty() && handlers.empty() && !routes_changed
           && policy_changed.empty() && needs_restart.empty()
           && applied.empty();
  }

  /// One line for the log, e.g. `platforms +a -b ~c; routes; policy 2`.
  std::string summary() const;
};

/// Compares two configs. `static_paths` are the nodes that exist in both
/// trees independent of entries (e.g. `core/router`) and are checked for
/// policy changes only.
config_diff diff(const tether_config& before, const tether_config& after,
                 const std::vector<std::string>& static_paths);

} // namespace tether::config
