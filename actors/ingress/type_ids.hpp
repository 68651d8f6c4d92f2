// Message types and atoms of the webhook ingress and the webhook platforms.

#pragma once

#include <chrono>
#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "actors/qq/type_ids.hpp"
#include "protocols/net/http_server.hpp"

namespace tether::ingress {

class webhook_meter;

/// One webhook request on its way from the ingress to its platform actor,
/// with the responder that answers it (from any thread, exactly once).
struct webhook_call {
  net::http_server_request request;
  net::http_responder responder;
  /// Set by the ingress: the metrics of the path's platform (null in
  /// tests) and when the request was complete.
  const webhook_meter* meter = nullptr;
  std::chrono::steady_clock::time_point received{};
  /// Set by respond_ok and respond_empty.
  mutable bool answered = false;

  /// A call dropped without an answer (the client gets 500) is counted.
  ~webhook_call();
};

using webhook_call_ptr = std::shared_ptr<webhook_call>;

} // namespace tether::ingress

CAF_BEGIN_TYPE_ID_BLOCK(tether_ingress, caf::id_block::tether_qq::end)

  /// Ingress -> platform (webhook_call_ptr): a request for its path.
  CAF_ADD_ATOM(tether_ingress, tether::ingress, webhook_atom, "webhook")
  /// Platform -> itself (std::string id): the passive-reply window of a
  /// pending request closed.
  CAF_ADD_ATOM(tether_ingress, tether::ingress, window_atom, "hookwindow")
  /// Token refresher -> itself (http_response): the token answer.
  CAF_ADD_ATOM(tether_ingress, tether::ingress, api_token_atom, "hooktoken")
  /// Token refresher -> itself: time to fetch a new token.
  CAF_ADD_ATOM(tether_ingress, tether::ingress, api_refresh_atom, "hookrefr")
  /// Sender -> itself (uint64_t job, http_response): an API answer.
  CAF_ADD_ATOM(tether_ingress, tether::ingress, api_done_atom, "hookdone")
  /// Sender -> itself (uint64_t job): send or retry a job.
  CAF_ADD_ATOM(tether_ingress, tether::ingress, api_send_atom, "hooksend")

CAF_END_TYPE_ID_BLOCK(tether_ingress)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::ingress::webhook_call_ptr)
