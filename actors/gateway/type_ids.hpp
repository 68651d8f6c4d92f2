// Atoms of the gateway actors (connection, heartbeat, identify_queue),
// shared by every Discord-shaped gateway platform.

#pragma once

#include <cstdint>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "actors/type_ids.hpp"
#include "protocols/net/http_client.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_gateway, caf::id_block::tether_actors::end)

  /// heartbeat -> connection (caf::actor): here I am.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, hb_hello_atom, "hbhello")
  /// connection -> heartbeat (int64_t interval in ms): Hello arrived.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, hb_start_atom, "hbstart")
  /// heartbeat -> connection: send op 1 now.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, hb_send_atom, "hbsend")
  /// connection -> heartbeat: op 11 arrived.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, hb_ack_atom, "hback")
  /// connection -> heartbeat: the gateway asked for a beat (op 1).
  CAF_ADD_ATOM(tether_gateway, tether::gateway, hb_now_atom, "hbnow")
  /// heartbeat -> itself (uint64_t generation).
  CAF_ADD_ATOM(tether_gateway, tether::gateway, hb_tick_atom, "hbtick")
  /// connection -> identify_queue (request, uint32_t shard) -> ok.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, identify_atom, "identify")
  /// identify_queue -> itself: grant waiting identifies that are due.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, grant_atom, "grant")
  /// identify_queue -> itself: the GET /gateway/bot answer, or (without
  /// arguments) try to ask again.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, gateway_bot_atom, "gwbot")
  /// connection timers (uint64_t generation).
  CAF_ADD_ATOM(tether_gateway, tether::gateway, deadline_atom, "deadline")
  /// connection -> itself after op 9 false (uint64_t generation).
  CAF_ADD_ATOM(tether_gateway, tether::gateway, reidentify_atom, "reident")
  /// REST senders -> themselves: send what is due.
  CAF_ADD_ATOM(tether_gateway, tether::gateway, pump_atom, "pump")
  /// REST senders -> themselves (uint64_t request id, http_response).
  CAF_ADD_ATOM(tether_gateway, tether::gateway, http_done_atom, "httpdone")

CAF_END_TYPE_ID_BLOCK(tether_gateway)

// Responses only travel inside this process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::net::http_response)
