#include "actors/metrics/exposition.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "actors/metrics/names.hpp"
#include "actors/metrics/registry.hpp"
#include "supervision/snapshot.hpp"

namespace tether::metrics {

namespace {

using supervision::node_snapshot;
using supervision::node_state;

constexpr node_state all_states[] = {node_state::starting, node_state::running,
                                     node_state::backoff, node_state::parked,
                                     node_state::stopped};

void header(std::string& out, const std::string& name, const std::string& help,
            const char* type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// `{a="x",b="y"}`, with `extra` (name, value) last; nothing without labels.
void labels(std::string& out, const std::vector<std::string>& names,
            const std::vector<std::string>& values, const char* extra_name,
            const std::string& extra_value) {
  if (names.empty() && !extra_name)
    return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (extra_name) {
    if (!names.empty())
      out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value; // `le` values need no escaping
    out += '"';
  }
  out += '}';
}

void sample(std::string& out, const std::string& name, const char* suffix,
            const std::vector<std::string>& names,
            const std::vector<std::string>& values, const char* extra_name,
            const std::string& extra_value, const std::string& value) {
  out += name;
  out += suffix;
  labels(out, names, values, extra_name, extra_value);
  out += ' ';
  out += value;
  out += '\n';
}

void render_family(std::string& out, const family_view& f) {
  header(out, f.name, f.help, to_string(f.type));
  static const std::string none;
  if (f.type != metric_type::histogram) {
    for (auto& s : f.series)
      sample(out, f.name, "", f.label_names, s.labels, nullptr, none,
             format_value(s.value));
    return;
  }
  std::vector<std::string> les;
  les.reserve(f.bounds.size() + 1);
  for (auto b : f.bounds)
    les.push_back(format_value(b));
  les.emplace_back("+Inf");
  for (auto& s : f.series) {
    for (size_t i = 0; i < les.size() && i < s.buckets.size(); ++i)
      sample(out, f.name, "_bucket", f.label_names, s.labels, "le", les[i],
             std::to_string(s.buckets[i]));
    sample(out, f.name, "_sum", f.label_names, s.labels, nullptr, none,
           format_value(s.sum));
    sample(out, f.name, "_count", f.label_names, s.labels, nullptr, none,
           std::to_string(s.buckets.empty() ? 0 : s.buckets.back()));
  }
}

void render_folded(std::string& out, const std::vector<family_view>& fs) {
  header(out, "tether_metrics_series_folded_total",
         "Series lookups that got the shared `other` series because the "
         "family had reached its series limit.",
         "counter");
  static const std::vector<std::string> names{"family"};
  static const std::string none;
  for (auto& f : fs)
    if (f.folded > 0)
      sample(out, "tether_metrics_series_folded_total", "", names, {f.name},
             nullptr, none, std::to_string(f.folded));
}

void render_tree(std::string& out, const node_snapshot& tree) {
  static const std::string none;
  static const std::vector<std::string> path_only{"path"};
  static const std::vector<std::string> path_state{"path", "state"};
  header(out, "tether_restarts_total",
         "Restarts of a supervision tree node since the daemon started.",
         "counter");
  tree.for_each([&](const node_snapshot& n) {
    sample(out, "tether_restarts_total", "", path_only, {n.path}, nullptr,
           none, std::to_string(n.restarts_total));
  });
  header(out, "tether_node_state",
         "1 for the state a supervision tree node is in, 0 for the others.",
         "gauge");
  tree.for_each([&](const node_snapshot& n) {
    for (auto st : all_states)
      sample(out, "tether_node_state", "", path_state,
             {n.path, supervision::to_string(st)}, nullptr, none,
             st == n.state ? "1" : "0");
  });
}

} // namespace

std::string escape_label_value(const std::string& x) {
  std::string out;
  out.reserve(x.size());
  for (auto c : x) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_help(const std::string& x) {
  std::string out;
  out.reserve(x.size());
  for (auto c : x) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double x) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "+Inf" : "-Inf";
  if (x == std::trunc(x) && std::fabs(x) < 1e15)
    return std::to_string(static_cast<int64_t>(x));
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x)
      break;
  }
  return buf;
}

std::string render(const registry& reg, const node_snapshot* tree) {
  auto fs = reg.collect();
  std::string out;
  out.reserve(16 * 1024);
  for (auto& f : fs)
    render_family(out, f);
  render_folded(out, fs);
  if (tree)
    render_tree(out, *tree);
  return out;
}

std::string render_metrics(const node_snapshot* tree) {
  declare_all();
  return render(registry::global(), tree);
}

} // namespace tether::metrics
