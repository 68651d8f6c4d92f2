#include "supervision/snapshot.hpp"

namespace tether::supervision {

std::string to_string(node_state x) {
  switch (x) {
    case node_state::starting: return "starting";
    case node_state::running: return "running";
    case node_state::backoff: return "backoff";
    case node_state::parked: return "parked";
    case node_state::stopped: return "stopped";
  }
  return "?";
}

const node_snapshot* node_snapshot::find(const std::string& node_path) const {
  if (path == node_path)
    return this;
  for (auto& child : children)
    if (auto result = child.find(node_path))
      return result;
  return nullptr;
}

namespace {

void render(const node_snapshot& x, size_t depth, std::string& out) {
  out.append(depth * 2, ' ');
  out += x.id.empty() ? x.path : x.id;
  out += " [" + to_string(x.state) + "]";
  if (!x.strategy.empty())
    out += " " + x.strategy;
  if (x.restarts_total > 0)
    out += " restarts=" + std::to_string(x.restarts_total);
  if (x.next_restart_in_ms >= 0)
    out += " next_restart_in=" + std::to_string(x.next_restart_in_ms) + "ms";
  if (!x.last_exit_reason.empty())
    out += " last_exit=\"" + x.last_exit_reason + "\"";
  if (x.unresponsive)
    out += " (unresponsive)";
  out += '\n';
  for (auto& child : x.children)
    render(child, depth + 1, out);
}

} // namespace

std::string render_tree(const node_snapshot& root) {
  std::string out;
  render(root, 0, out);
  return out;
}

} // namespace tether::supervision
