// A WeChat Official Account (PROTOCOLS.md §7), a webhook platform behind
// the ingress: `platforms/wechat:NAME` (one_for_one) with the children
// `token` (cgi-bin/token, refreshed before expiry) and `hook` (requests
// and replies).
//
// GET URL verification answers `echostr` when the signature matches. A
// POST push is checked (signature, timestamp window; in compatible/safe
// mode with `encrypt_type=aes` also msg_signature and decryption; safe
// mode refuses plaintext) before it is dispatched; repeats (MsgId, or
// FromUserName + CreateTime for events) are acknowledged but not
// dispatched again. A reply within `reply_window` (below WeChat's 5 s)
// is the passive reply XML, encrypted when the push was; otherwise the
// push is answered `success` and the reply goes through the
// customer-service message API.

#pragma once

#include <memory>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether::wechat {

/// `http` replaces the API client the platform makes for itself (tests
/// answer its requests).
supervision::child_spec account_spec(runtime_ptr rt,
                                     const config::tether_config& cfg,
                                     const config::platform_entry& entry,
                                     std::shared_ptr<net::http_client> http
                                     = nullptr);

} // namespace tether::wechat
