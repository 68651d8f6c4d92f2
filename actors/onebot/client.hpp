// The `onebot` platform (OneBot v11, PROTOCOLS.md §4). Forward mode:
// tether dials the implementation's WebSocket (universal `/`, or `/api` +
// `/event` with split_endpoints) and keeps it.
//
//   platforms/onebot:NAME   one actor, registered as sender:onebot:NAME
//
// - message events go to core/router as inbound_message; notices and
//   requests as type `event` named `notice.<type>` / `request.<type>`;
// - replies become send_private_msg / send_group_msg actions, each with a
//   unique echo and its own deadline (action_timeout); an unanswered
//   action fails alone, the connection stays;
// - after a heartbeat meta event with interval I, no heartbeat within 2×I
//   means the implementation hangs: the actor exits and is restarted;
// - WS pings (ping_interval, ping_timeout) catch half-open sockets;
// - a 401/403 on the upgrade parks the node (the token is wrong; retrying
//   cannot help); any other failure exits for a restart with backoff.
//
// Reverse mode: the actor listens (net::ws_server on `listen`, `path`) and
// the implementation dials in with X-Self-ID, X-Client-Role: Universal and
// the bearer token; refusals (400/401/403/404) are logged and the node
// keeps listening. The newest accepted connection is driven as above;
// while none is connected, replies fail at once. A missed heartbeat drops
// the connection, not the node. An address that cannot be bound parks.
// API/Event role pairs are refused (400).

#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include <caf/actor_addr.hpp>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "protocols/net/ws_session.hpp"
#include "supervision/child_spec.hpp"

namespace tether::onebot {

/// Makes the WebSocket sessions of a client; tests put a recording fake
/// here. Empty: real sessions on the runtime's io_context.
using ws_factory = std::function<std::shared_ptr<net::ws_session>(
  caf::actor_addr owner, const net::ws_options& opts)>;

/// Actions waiting for their response beyond this are refused (the reply
/// is dropped with a warning) until some are answered or time out.
constexpr size_t max_pending_actions = 1000;

/// The node `platforms/onebot:NAME`. The child reports ready once its
/// WebSocket connection(s) are open.
supervision::child_spec client_spec(runtime_ptr rt,
                                    const config::tether_config& cfg,
                                    const config::platform_entry& entry,
                                    ws_factory sessions = {});

} // namespace tether::onebot
