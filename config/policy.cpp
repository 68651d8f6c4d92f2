// Resolution of restart policies: defaults, overrides, then the entry's own
// `restart:` block.

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace tether::config {

namespace {

/// True if `path` is `node` or lies below it.
bool is_at_or_under(std::string_view path, std::string_view node) {
  if (path.substr(0, node.size()) != node) return false;
  return path.size() == node.size() || path[node.size()] == '/';
}

} // namespace

void policy_patch::apply_to(supervision::restart_policy& x) const {
  if (max_restarts) x.max_restarts = *max_restarts;
  if (within) x.within = *within;
  if (backoff_initial) x.backoff.initial = *backoff_initial;
  if (backoff_multiplier) x.backoff.multiplier = *backoff_multiplier;
  if (backoff_max) x.backoff.max = *backoff_max;
  if (backoff_jitter) x.backoff.jitter = *backoff_jitter;
  if (backoff_reset_after) x.backoff.reset_after = *backoff_reset_after;
  if (on_exhausted) x.on_exhausted = *on_exhausted;
  if (cooldown) x.cooldown = *cooldown;
  if (shutdown) x.shutdown = *shutdown;
}

supervision::restart_policy
tether_config::policy_for(const std::string& path) const {
  auto result = supervision.defaults;
  for (auto& x : supervision.overrides)
    if (path_matches(x.match, path)) x.patch.apply_to(result);
  for (auto& x : platforms)
    if (is_at_or_under(path, "platforms/" + x.id())) x.restart.apply_to(result);
  for (auto& x : handlers)
    if (is_at_or_under(path, "handlers/" + x.name)) x.restart.apply_to(result);
  // The loader rejects max < initial for every entry it knows, but a deeper
  // path may combine overrides it never saw; a delay must not shrink.
  if (result.backoff.max < result.backoff.initial)
    result.backoff.max = result.backoff.initial;
  return result;
}

} // namespace tether::config
