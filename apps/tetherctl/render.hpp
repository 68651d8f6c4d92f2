// tetherctl's human output: the tree with states and restarts, policies,
// supervisor events and reload diffs. `--json` bypasses all of it.

#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tetherctl {

struct style {
  /// ANSI colours for states (only when stdout is a terminal).
  bool color = false;
};

/// One line per node, indented by depth: id, [state], strategy, restarts,
/// next restart, last exit reason, details.
std::string render_tree(const nlohmann::json& node, const style& s);

/// A policy as `key: value` lines (nested backoff keys dotted).
std::string render_policy(const nlohmann::json& policy);

/// One line for a supervisor event: `HH:MM:SS kind path ...`.
std::string render_event(const nlohmann::json& ev, const style& s);

/// The changes of a reload, one per line; `no changes` when empty.
std::string render_diff(const nlohmann::json& diff);

} // namespace tetherctl
