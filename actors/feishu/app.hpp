// A Feishu/Lark self-built app receiving events over HTTP (PROTOCOLS.md
// §5), a webhook platform behind the ingress: `platforms/feishu:NAME`
// (one_for_one) with the children `token` (tenant_access_token, refreshed
// well before its 2 h lifetime ends) and `hook` (events and replies).
//
// url_verification is answered with its challenge (after the token
// check). Events need a valid X-Lark-Signature when an encrypt key is set,
// the verification token, and a timestamp within the replay window; they
// are answered `{"msg":"success"}` at once (Feishu has no passive reply)
// and dispatched once per event_id. Replies go through
// POST /open-apis/im/v1/messages?receive_id_type=chat_id with a `uuid`
// (the outbox's idempotency key, else derived from the message answered),
// so a retried or resent reply cannot post twice.

#pragma once

#include <memory>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether::feishu {

/// `http` replaces the API client the platform makes for itself (tests
/// answer its requests).
supervision::child_spec app_spec(runtime_ptr rt,
                                 const config::tether_config& cfg,
                                 const config::platform_entry& entry,
                                 std::shared_ptr<net::http_client> http
                                 = nullptr);

} // namespace tether::feishu
