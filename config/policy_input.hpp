// A restart policy given at runtime (the admin API's PUT body), checked by
// the same rules as a `restart:` block in tether.yaml.

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tether::config {

struct policy_input_result {
  /// `base` with the given keys applied; nullopt when there are errors.
  std::optional<supervision::restart_policy> policy;
  std::vector<error> errors;
};

/// Parses `text`, a JSON object or YAML map with the keys of a `restart:`
/// block (max_restarts, within, backoff.{initial, multiplier, max, jitter,
/// reset_after}, on_exhausted, cooldown, shutdown), and applies it to
/// `base`; keys that are left out keep base's value. `source` names the
/// text in errors (e.g. `request body`).
policy_input_result parse_policy_input(const std::string& text,
                                       const supervision::restart_policy& base,
                                       const std::string& source);

/// The YAML `restart:` block that yields `x` (every key written out).
std::string policy_yaml(const supervision::restart_policy& x);

} // namespace tether::config
