// The Prometheus text format (version 0.0.4) of the metrics registry, plus
// the supervisor's view derived from a tree snapshot at scrape time:
//
//   tether_restarts_total{path}        restarts of each node
//   tether_node_state{path,state}      1 for the node's state, 0 for the
//                                      others (supervision::node_state)
//
// What the admin API serves at GET /metrics.

#pragma once

#include <string>

namespace tether::supervision {
struct node_snapshot;
} // namespace tether::supervision

namespace tether::metrics {

class registry;

/// Content-Type of the text format.
constexpr const char* exposition_content_type
  = "text/plain; version=0.0.4; charset=utf-8";

/// `reg` and, when `tree` is not null, the supervisor metrics of `tree`.
std::string render(const registry& reg,
                   const supervision::node_snapshot* tree = nullptr);

/// The global registry (every family of names.hpp declared) and `tree`
/// (may be null).
std::string render_metrics(const supervision::node_snapshot* tree);

/// A label value with `\`, `"` and newline escaped.
std::string escape_label_value(const std::string& x);

/// A HELP text with `\` and newline escaped.
std::string escape_help(const std::string& x);

/// A sample value: integers without a fraction, `+Inf`, `-Inf`, `NaN`,
/// otherwise the shortest text that reads back as the same double.
std::string format_value(double x);

} // namespace tether::metrics
