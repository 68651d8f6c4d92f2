// The Discord REST sender: turns replies into Create Message (bot) or
// Execute Webhook requests, paced by the per-bucket and global limits it
// learns from the responses (protocols/discord/rate_limit), retried with
// the same nonce so a retry cannot post twice, and stopped on routes that
// keep failing. It registers as the platform's sender and confirms each
// reply that came with an outbox_id to the outbox once: sent after its last
// part, retry after its retries, rejected when Discord refused it. A reply
// with an idempotency key uses it as nonce, so a resend after a crash
// returns the message posted before instead of a second one.

#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/runtime.hpp"
#include "config/config.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether::discord {

/// The sender of a gateway bot (`platforms/discord:NAME/rest`).
caf::actor spawn_bot_rest(caf::local_actor* parent, runtime_ptr rt,
                          std::string name,
                          const config::discord_settings& settings,
                          std::shared_ptr<net::http_client> http,
                          std::string path);

/// The whole `discord_webhook` platform: a sender to one webhook. A 404
/// parks it ("stop using that webhook").
caf::actor spawn_webhook_rest(caf::local_actor* parent, runtime_ptr rt,
                              std::string name,
                              config::discord_webhook_settings settings,
                              std::shared_ptr<net::http_client> http,
                              std::string path);

} // namespace tether::discord
