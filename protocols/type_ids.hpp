// Atoms and message types of the protocols layer: what I/O sessions report
// to their owning actors, and the unified message model.

#pragma once

#include <cstdint>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "protocols/message.hpp"
#include "protocols/net/ws_events.hpp"
#include "supervision/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_protocols,
                        caf::id_block::tether_supervision::end)

  CAF_ADD_TYPE_ID(tether_protocols, (tether::inbound_message))
  CAF_ADD_TYPE_ID(tether_protocols, (tether::outbound_reply))
  CAF_ADD_TYPE_ID(tether_protocols, (tether::handler_result))
  CAF_ADD_TYPE_ID(tether_protocols, (tether::net::ws_close_info))

  /// stdio session -> owner: a line, end of input, an error.
  CAF_ADD_ATOM(tether_protocols, tether, line_atom, "line")
  CAF_ADD_ATOM(tether_protocols, tether, eof_atom, "eof")
  CAF_ADD_ATOM(tether_protocols, tether, io_error_atom, "ioerror")

  /// ws session -> owner: the handshake completed.
  CAF_ADD_ATOM(tether_protocols, tether::net, ws_open_atom, "wsopen")
  /// ws session -> owner (std::string payload, bool binary): one message.
  CAF_ADD_ATOM(tether_protocols, tether::net, ws_frame_atom, "wsframe")
  /// ws session -> owner: messages wait in ws_session::take_frames().
  CAF_ADD_ATOM(tether_protocols, tether::net, ws_frames_atom, "wsframes")
  /// ws session -> owner (ws_close_info): the connection is gone; the
  /// session sends nothing after this.
  CAF_ADD_ATOM(tether_protocols, tether::net, ws_closed_atom, "wsclosed")

CAF_END_TYPE_ID_BLOCK(tether_protocols)
