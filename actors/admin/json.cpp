#include "actors/admin/json.hpp"

#include <chrono>

namespace tether::admin {

using nlohmann::json;
using supervision::format_duration;

json node_json(const supervision::node_snapshot& x,
               const details_map& details) {
  json out;
  out["path"] = x.path;
  out["id"] = x.id;
  out["kind"] = x.kind;
  out["strategy"] = x.strategy;
  out["restart"] = x.restart;
  out["state"] = supervision::to_string(x.state);
  out["restarts_in_window"] = x.restarts_in_window;
  out["restarts_total"] = x.restarts_total;
  out["last_exit_reason"] = x.last_exit_reason;
  out["last_exit_ago_ms"] = x.last_exit_ago_ms;
  out["next_restart_in_ms"] = x.next_restart_in_ms;
  out["uptime_ms"] = x.uptime_ms;
  out["policy"] = x.policy;
  out["unresponsive"] = x.unresponsive;
  auto i = details.find(x.path);
  out["details"] = i != details.end() ? i->second : json::object();
  auto children = json::array();
  for (auto& child : x.children)
    children.push_back(node_json(child, details));
  out["children"] = std::move(children);
  return out;
}

json policy_json(const supervision::restart_policy& x) {
  json out;
  out["max_restarts"] = x.max_restarts;
  out["within"] = format_duration(x.within);
  out["backoff"] = {
    {"initial", format_duration(x.backoff.initial)},
    {"multiplier", x.backoff.multiplier},
    {"max", format_duration(x.backoff.max)},
    {"jitter", x.backoff.jitter},
    {"reset_after", format_duration(x.backoff.reset_after)},
  };
  out["on_exhausted"] = std::string{supervision::to_string(x.on_exhausted)};
  out["cooldown"] = format_duration(x.cooldown);
  out["shutdown"] = x.shutdown ? format_duration(*x.shutdown) : "brutal_kill";
  return out;
}

json event_json(const supervision::supervisor_event& x, int64_t ts_ms) {
  json out;
  out["kind"] = std::string{supervision::to_string(x.kind)};
  out["path"] = x.path;
  out["reason"] = x.reason;
  out["delay_ms"]
    = std::chrono::duration_cast<std::chrono::milliseconds>(x.delay).count();
  out["restarts_in_window"] = x.restarts_in_window;
  out["restarts_total"] = x.restarts_total;
  out["ts_ms"] = ts_ms;
  return out;
}

namespace {

json entries_json(const config::entry_diff& x) {
  return {{"added", x.added}, {"removed", x.removed}, {"changed", x.changed}};
}

} // namespace

json diff_json(const config::config_diff& x) {
  json out;
  out["platforms"] = entries_json(x.platforms);
  out["handlers"] = entries_json(x.handlers);
  out["routes_changed"] = x.routes_changed;
  out["policy_changed"] = x.policy_changed;
  out["needs_restart"] = x.needs_restart;
  out["applied"] = x.applied;
  out["summary"] = x.summary();
  out["empty"] = x.empty();
  return out;
}

std::string error_body(const std::string& message) {
  return json{{"error", message}}.dump();
}

} // namespace tether::admin
