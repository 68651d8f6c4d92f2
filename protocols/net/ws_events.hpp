// What a WebSocket session reports when its connection ends.

#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace tether::net {

struct ws_close_info {
  /// The close code from the peer's close frame, or from ours when we
  /// closed; -1 when the connection ended without a close frame (drop,
  /// timeout, connect failure).
  int code = -1;
  /// The close reason text (peer's or ours).
  std::string reason;
  /// For transport failures: the failed step and its error, e.g.
  /// `connect: Connection refused` or `read: timed out (ping)`. Empty for
  /// a clean close handshake.
  std::string error;
  /// True when the peer initiated the close (or dropped the connection).
  bool by_peer = false;
  /// True when the WebSocket handshake had completed (ws_open was sent).
  bool was_open = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ws_close_info& x) {
  return f(caf::meta::type_name("ws_close_info"), x.code, x.reason, x.error,
           x.by_peer, x.was_open);
}

} // namespace tether::net
