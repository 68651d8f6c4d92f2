// The `mirai` platform: one QQ account behind mirai-api-http v2, reached
// over its WebSocket adapter (PROTOCOLS.md §3). One actor per incarnation,
// the node `platforms/mirai:NAME`:
//
//   connecting      ws session up within 2 × connect_timeout
//   authenticating  the session frame (syncId "") within connect_timeout
//   ready           pushes → router (`core/router`, inbound_atom);
//                   replies (`sender:mirai:NAME`, reply_atom) → commands,
//                   each with its own deadline (command_timeout)
//
// Every way out is an exit reason the supervisor can act on: a wrong
// verifyKey (or an invalid parameter) parks the node via make_fatal; a
// refused session, a closed or half-open socket (WS ping), a missing
// session frame and an unanswered idle `about` probe end the incarnation
// and the supervisor restarts it with backoff. A command without an answer
// only fails that command. The actor never blocks.

#pragma once

#include <functional>
#include <memory>

#include <caf/actor_addr.hpp>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "protocols/net/ws_session.hpp"
#include "supervision/child_spec.hpp"

namespace tether::mirai {

/// Makes the client's WebSocket session; tests put a recording fake here.
using ws_factory = std::function<std::shared_ptr<net::ws_session>(
  caf::actor_addr owner, const net::ws_options& opts)>;

/// Commands that may wait for an answer at once; more replies are dropped
/// (and logged) until answers or deadlines make room.
constexpr size_t max_outstanding_commands = 1000;

/// The node `platforms/mirai:NAME` for `entry` (which must hold
/// config::mirai_settings).
supervision::child_spec client_spec(runtime_ptr rt,
                                    const config::tether_config& cfg,
                                    const config::platform_entry& entry);

/// As above, with the sessions made by `sessions` (empty: real sessions on
/// the runtime's io_context).
supervision::child_spec client_spec(runtime_ptr rt,
                                    const config::tether_config& cfg,
                                    const config::platform_entry& entry,
                                    ws_factory sessions);

} // namespace tether::mirai
