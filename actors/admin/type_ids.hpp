// Message types and atoms of the admin console.

#pragma once

#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "actors/admin/routes.hpp"
#include "actors/type_ids.hpp"
#include "protocols/net/http_server.hpp"

namespace tether::admin {

/// One API request on its way from an io thread to the admin actor, with
/// the responder that answers it (from any thread, exactly once).
struct admin_call {
  net::http_server_request request;
  net::http_responder responder;
  route target;
};

using admin_call_ptr = std::shared_ptr<admin_call>;

} // namespace tether::admin

CAF_BEGIN_TYPE_ID_BLOCK(tether_admin, caf::id_block::tether_actors::end)

  /// Admin -> daemon (request): load the config file again and apply it,
  /// as SIGHUP does -> std::string, a JSON object: `{"ok": true, "diff":
  /// {...}}` or `{"ok": false, "errors": ["file:line:col: key: msg"]}`.
  CAF_ADD_ATOM(tether_admin, tether::admin, reload_atom, "reload")
  /// HTTP handler -> admin (admin_call_ptr): a request to answer.
  CAF_ADD_ATOM(tether_admin, tether::admin, call_atom, "admincall")
  /// Admin -> itself: keep-alive comment on every open event stream.
  CAF_ADD_ATOM(tether_admin, tether::admin, keepalive_atom, "keepalive")

CAF_END_TYPE_ID_BLOCK(tether_admin)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::admin::admin_call_ptr)
