// The `plugin` handler: a subprocess speaking JSON lines on stdin/stdout
// (protocols/plugin/protocol.hpp, docs/plugins.md). One actor per plugin
// process, the node `handlers/NAME`:
//
//   starting   the process runs; tetherd wrote its hello. Messages wait.
//              No hello within hello_timeout: the actor exits.
//   ready      each message goes out with a call id; replies are matched
//              by id, many calls may be in flight. A call without a reply
//              within call_timeout fails (the router logs it); max_timeouts
//              of them in a row and the actor exits.
//
// Unparseable stdout lines are logged (rate-limited) and counted, stderr
// lines are logged at warn; neither is fatal. The process exiting ends the
// actor with a reason naming the exit status or signal. Whenever the actor
// exits, the process group gets SIGTERM, then SIGKILL after stop_timeout,
// and is reaped (protocols/process/child_process.hpp); the supervisor
// restarts the node with backoff. The actor never blocks.

#pragma once

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether {

/// The node `handlers/NAME` for `entry` (which holds plugin_settings).
supervision::child_spec plugin_spec(runtime_ptr rt,
                                    const config::handler_entry& entry);

} // namespace tether
