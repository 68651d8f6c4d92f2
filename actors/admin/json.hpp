// JSON shapes of the admin API: nodes, policies, supervisor events and
// reload diffs (docs/admin.md shows each).

#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "config/diff.hpp"
#include "supervision/event.hpp"
#include "supervision/policy.hpp"
#include "supervision/snapshot.hpp"

namespace tether::admin {

/// Live details per node path (objects from `details_atom` answers).
using details_map = std::map<std::string, nlohmann::json>;

/// Every field of `x`, `details` (from `details`, else `{}`) and the
/// children, recursively. The root's path is empty.
nlohmann::json node_json(const supervision::node_snapshot& x,
                         const details_map& details = {});

/// The keys of a `restart:` block; durations as the config writes them.
nlohmann::json policy_json(const supervision::restart_policy& x);

/// One supervisor event; `ts_ms` is milliseconds since the Unix epoch.
nlohmann::json event_json(const supervision::supervisor_event& x,
                          int64_t ts_ms);

/// What a reload changed.
nlohmann::json diff_json(const config::config_diff& x);

/// `{"error": message}`.
std::string error_body(const std::string& message);

} // namespace tether::admin
