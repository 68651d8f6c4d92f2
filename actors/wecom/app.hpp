// A WeCom (企业微信) self-built app's callback (PROTOCOLS.md §6), a webhook
// platform behind the ingress: `platforms/wecom:NAME` (one_for_one) with
// the children `token` (gettoken, refreshed before expiry) and `hook`.
//
// GET URL verification: msg_signature over echostr, decrypt, answer the
// plaintext. POST callbacks (XML with `Encrypt`, or the JSON variant):
// msg_signature, timestamp window, decryption with the corp id as receive
// id, then dispatch once per MsgId (FromUserName + CreateTime for
// events). A reply within `reply_window` is the encrypted passive reply;
// otherwise the callback is answered empty and the reply goes through
// message/send.

#pragma once

#include <memory>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether::wecom {

/// `http` replaces the API client the platform makes for itself (tests
/// answer its requests).
supervision::child_spec app_spec(runtime_ptr rt,
                                 const config::tether_config& cfg,
                                 const config::platform_entry& entry,
                                 std::shared_ptr<net::http_client> http
                                 = nullptr);

} // namespace tether::wecom
