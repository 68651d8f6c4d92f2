// QQ's webhook mode (PROTOCOLS.md §2.6): callbacks through the ingress,
// signed with Ed25519 over X-Signature-Timestamp + raw body with a key
// whose seed is the bot secret. op 13 (address validation) is answered with
// the signed plain_token; op 0 dispatches are verified, deduplicated by
// event id (also across restarts, through the ingress replay guard) and by
// message id, routed, and acknowledged with op 12. Nothing unverified is
// dispatched; a bad signature gets 401 with an empty body.

#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/qq/dialect.hpp"
#include "actors/runtime.hpp"
#include "config/config.hpp"

namespace tether::qq {

/// The node `platforms/qq:NAME/webhook`, registered at `webhook:<path>`.
caf::actor spawn_webhook(caf::local_actor* parent, runtime_ptr rt,
                         std::string name, config::qq_settings settings,
                         std::shared_ptr<seen_ids> seen, std::string path);

} // namespace tether::qq
