// The QQ reply sender (`platforms/qq:NAME/rest`): passive replies through
// the OpenAPI endpoint of each scene, with a msg_seq per quoted msg_id so
// no (msg_id, msg_seq) pair is ever sent for two different messages; a
// retry resends the same pair, so the platform rejects a duplicate instead
// of posting it twice. Replies past the scene's window are dropped with a
// logged reason; API errors are logged with their code. A reply from the
// outbox brings its msg_seq (`seq`), the same on every resend, and is
// confirmed to the outbox once; QQ's "duplicate msg_seq" counts as sent.

#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/qq/token.hpp"
#include "actors/runtime.hpp"
#include "config/config.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether::qq {

caf::actor spawn_sender(caf::local_actor* parent, runtime_ptr rt,
                        std::string name, config::qq_settings settings,
                        std::shared_ptr<net::http_client> http, token_ptr token,
                        std::string path);

} // namespace tether::qq
