// A point-in-time view of one node and its subtree, as any supervisor
// answers it. Times are relative to the moment of the snapshot.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace tether::supervision {

enum class node_state : uint8_t {
  /// Spawned, waiting for the child to say it is ready.
  starting,
  running,
  /// Waiting for the restart timer.
  backoff,
  /// Kept stopped: intensity exhausted (retried after the cooldown) or a
  /// fatal reason (kept until an operator acts).
  parked,
  /// Stopped on purpose (shutdown, terminate, transient normal exit).
  stopped,
};

std::string to_string(node_state x);

struct node_snapshot {
  /// Full node path, e.g. `platforms/sandbox:console`.
  std::string path;
  /// Last path segment (the child id).
  std::string id;
  /// `worker` or `supervisor`.
  std::string kind;
  /// Strategy of a supervisor; empty for workers.
  std::string strategy;
  /// `permanent`, `transient` or `temporary`; empty for the root.
  std::string restart;
  node_state state = node_state::running;
  uint64_t restarts_in_window = 0;
  uint64_t restarts_total = 0;
  /// Empty when the node never exited.
  std::string last_exit_reason;
  /// Milliseconds since the last exit; -1 when it never exited.
  int64_t last_exit_ago_ms = -1;
  /// Milliseconds until the next restart; -1 when none is scheduled.
  int64_t next_restart_in_ms = -1;
  /// Milliseconds since the current incarnation started; -1 when down.
  int64_t uptime_ms = -1;
  /// The restart policy in force (one line).
  std::string policy;
  /// True when the supervisor below did not answer in time.
  bool unresponsive = false;
  std::vector<node_snapshot> children;

  /// Calls `f` on this node and every descendant, parents first.
  template <class F>
  void for_each(F&& f) const {
    f(*this);
    for (auto& child : children)
      child.for_each(f);
  }

  /// The node at `path` in this subtree, or nullptr.
  const node_snapshot* find(const std::string& node_path) const;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_snapshot& x) {
  return f(caf::meta::type_name("node_snapshot"), x.path, x.id, x.kind,
           x.strategy, x.restart, x.state, x.restarts_in_window,
           x.restarts_total, x.last_exit_reason, x.last_exit_ago_ms,
           x.next_restart_in_ms, x.uptime_ms, x.policy, x.unresponsive,
           x.children);
}

/// An indented, human-readable rendering of a subtree, one node per line.
std::string render_tree(const node_snapshot& root);

} // namespace tether::supervision
