#include "config/diff.hpp"

#include <algorithm>
#include <map>

namespace tether::config {

namespace {

template<class Entry, class Id>
entry_diff diff_entries(const tether_config& before, const tether_config& after,
                        const std::vector<Entry>& old_entries,
                        const std::vector<Entry>& new_entries,
                        const std::string& prefix, Id id_of,
                        std::vector<std::string>& policy_changed) {
  entry_diff result;
  std::map<std::string, const Entry*> old_by_id;
  for (auto& e : old_entries)
    old_by_id[id_of(e)] = &e;
  std::map<std::string, const Entry*> new_by_id;
  for (auto& e : new_entries)
    new_by_id[id_of(e)] = &e;
  for (auto& [id, e] : old_by_id)
    if (new_by_id.count(id) == 0) result.removed.push_back(id);
  for (auto& [id, e] : new_by_id) {
    auto i = old_by_id.find(id);
    if (i == old_by_id.end()) {
      result.added.push_back(id);
      continue;
    }
    auto path = prefix + id;
    if (i->second->fingerprint != e->fingerprint)
      result.changed.push_back(id);
    else if (before.policy_for(path) != after.policy_for(path))
      policy_changed.push_back(path);
  }
  return result;
}

// " +a +b" for mark '+'; " a b" without a mark.
std::string join(const std::vector<std::string>& xs, const char* mark) {
  std::string out;
  for (auto& x : xs)
    out += " " + std::string{mark} + x;
  return out;
}

} // namespace

std::string config_diff::summary() const {
  if (empty()) return "no changes";
  std::string out;
  auto section = [&](const char* name, const entry_diff& d) {
    if (d.empty()) return;
    if (!out.empty()) out += "; ";
    out += name;
    out += join(d.added, "+") + join(d.removed, "-") + join(d.changed, "~");
  };
  section("platforms", platforms);
  section("handlers", handlers);
  if (routes_changed) out += out.empty() ? "routes" : "; routes";
  if (!policy_changed.empty())
    out += (out.empty() ? "policy" : "; policy") + join(policy_changed, "~");
  if (!applied.empty())
    out += (out.empty() ? "applied:" : "; applied:") + join(applied, "");
  if (!needs_restart.empty())
    out += (out.empty() ? "needs restart:" : "; needs restart:")
           + join(needs_restart, "");
  return out;
}

config_diff diff(const tether_config& before, const tether_config& after,
                 const std::vector<std::string>& static_paths) {
  config_diff result;
  result.platforms = diff_entries(
    before, after, before.platforms, after.platforms, "platforms/",
    [](const platform_entry& e) {
      return e.id();
    },
    result.policy_changed);
  result.handlers = diff_entries(
    before, after, before.handlers, after.handlers, "handlers/",
    [](const handler_entry& e) {
      return e.name;
    },
    result.policy_changed);
  result.routes_changed = before.routes_fingerprint != after.routes_fingerprint;
  for (auto& path : static_paths)
    if (before.policy_for(path) != after.policy_for(path))
      result.policy_changed.push_back(path);
  auto& a = before.daemon;
  auto& b = after.daemon;
  if (a.io_threads != b.io_threads)
    result.needs_restart.push_back("daemon.io_threads");
  if (a.actor_threads != b.actor_threads)
    result.needs_restart.push_back("daemon.actor_threads");
  if (a.data_dir != b.data_dir)
    result.needs_restart.push_back("daemon.data_dir");
  if (before.admin.listen != after.admin.listen
      || before.admin.enabled != after.admin.enabled
      || !(before.admin.token == after.admin.token))
    result.needs_restart.push_back("admin");
  {
    auto& x = before.store;
    auto& y = after.store;
    if (x.path != y.path || x.outbox_max_rows != y.outbox_max_rows
        || x.keep_sent != y.keep_sent || x.seen_ttl != y.seen_ttl
        || x.seen_max != y.seen_max || x.op_timeout != y.op_timeout
        || x.max_attempts != y.max_attempts)
      result.needs_restart.push_back("store");
  }
  if (a.log_level != b.log_level)
    result.applied.push_back("daemon.log_level");
  if (a.log_fmt != b.log_fmt)
    result.applied.push_back("daemon.log_format");
  if (a.shutdown_timeout != b.shutdown_timeout)
    result.applied.push_back("daemon.shutdown_timeout");
  if (a.watchdog_timeout != b.watchdog_timeout)
    result.applied.push_back("daemon.watchdog_timeout");
  return result;
}

} // namespace tether::config
