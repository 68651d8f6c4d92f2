// Discord's interactions endpoint (PROTOCOLS.md §1.12), a webhook platform
// behind the ingress: `platforms/discord_interactions:NAME`.
//
// Each request is checked (Ed25519 over timestamp + raw body, timestamp
// window) before anything else; a bad one gets 401 with an empty body.
// PING gets PONG. An APPLICATION_COMMAND goes to the router; when the
// handler answers within `reply_window` (below Discord's 3 s), the answer
// is the inline response (type 4), otherwise the request is answered with
// a deferred response (type 5) and the reply follows through
// POST /webhooks/{application_id}/{token}.

#pragma once

#include <memory>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether::discord {

/// `http` replaces the API client the platform makes for itself (tests
/// answer its requests).
supervision::child_spec
interactions_spec(runtime_ptr rt, const config::tether_config& cfg,
                  const config::platform_entry& entry,
                  std::shared_ptr<net::http_client> http = nullptr);

} // namespace tether::discord
