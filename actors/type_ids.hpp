// Atoms and message types of the actors layer.

#pragma once

#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "protocols/message.hpp"
#include "protocols/type_ids.hpp"

namespace tether {
class route_table;
} // namespace tether

CAF_BEGIN_TYPE_ID_BLOCK(tether_actors, caf::id_block::tether_protocols::end)

  /// Platform -> router: a message arrived (inbound_message).
  CAF_ADD_ATOM(tether_actors, tether, inbound_atom, "inbound")
  /// Router -> handler (request): handle one message -> handler_result.
  CAF_ADD_ATOM(tether_actors, tether, handle_atom, "handle")
  /// Router -> platform: send a reply (outbound_reply).
  CAF_ADD_ATOM(tether_actors, tether, reply_atom, "reply")
  /// Router -> itself: fail the calls whose deadline passed.
  CAF_ADD_ATOM(tether_actors, tether, sweep_atom, "sweep")
  /// Router -> outbox: replies to one message (inbound_message id, texts).
  CAF_ADD_ATOM(tether_actors, tether, outbox_atom, "outbox")
  /// Platform sender -> outbox: (outbox_id, ok, error, permanent); a
  /// reply that came with an outbox_id was sent or finally failed.
  CAF_ADD_ATOM(tether_actors, tether, reply_result_atom, "replyres")
  /// Outbox -> itself: send what is due.
  CAF_ADD_ATOM(tether_actors, tether, outbox_pump_atom, "obpump")
  /// Daemon -> router: new routes after a reload.
  CAF_ADD_ATOM(tether_actors, tether, set_routes_atom, "setroutes")

CAF_END_TYPE_ID_BLOCK(tether_actors)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const tether::route_table>)
