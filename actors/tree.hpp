// The daemon's supervision tree, built from the config (DESIGN.md):
//
//   root        one_for_one
//   ├── core    rest_for_one   router
//   ├── platforms one_for_one  one node per platform entry
//   └── handlers  one_for_one  one node per handler entry
//
// Node paths have no `root/` prefix: `core/router`, `platforms/sandbox:console`.

#pragma once

#include <string>
#include <vector>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"
#include "supervision/supervisor.hpp"

namespace tether {

/// The root's children; `platforms` and `handlers` read the config in
/// force from `rt` at each of their starts.
std::vector<supervision::child_spec> root_children(runtime_ptr rt);

/// Flags of the root supervisor (path "").
supervision::supervisor_flags root_flags();

/// The spec of one platform node, with its resolved policy.
supervision::child_spec platform_spec(runtime_ptr rt,
                                      const config::tether_config& cfg,
                                      const config::platform_entry& entry);

/// The spec of one handler node, with its resolved policy.
supervision::child_spec handler_spec(runtime_ptr rt,
                                     const config::tether_config& cfg,
                                     const config::handler_entry& entry);

/// The policy of any node path; supervisor nodes get the daemon's whole
/// shutdown budget, since their children's own deadlines bound them.
supervision::restart_policy node_policy(const config::tether_config& cfg,
                                        const std::string& path);

/// Every node path the config defines, parents before children.
std::vector<std::string> node_paths(const config::tether_config& cfg);

/// Checks what the loader cannot know (platform-specific names such as
/// Discord intents), with the loader's error format.
std::vector<config::error> validate(const config::tether_config& cfg);

/// Paths of the nodes that are supervisors.
bool is_supervisor_path(const std::string& path);

} // namespace tether
