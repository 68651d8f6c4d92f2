// The `llm` handler: answers messages through an OpenAI-compatible
// chat-completions API, with per-conversation history (docs/llm.md).
//
// Calls run on the shared io_context through an http_client; results come
// back as messages. At most `concurrency` calls are in flight, further
// messages wait in a bounded queue, and messages of one conversation are
// answered one after the other so that each sees the previous exchange.
// Every call ends within the handler's budget (its timeout less a margin):
// with the answer, or with `error_reply` and the details in the log.

#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether {

supervision::child_spec llm_spec(runtime_ptr rt,
                                 const config::handler_entry& entry);

/// The time a call may take in total: the handler timeout less a margin,
/// so that the error reply reaches the router before it gives up.
config::duration llm_budget(config::duration handler_timeout);

/// The actor itself, with the HTTP client given (tests pass a fake one).
/// `entry` must hold llm_settings.
caf::actor spawn_llm(caf::actor_system& sys, const config::handler_entry& entry,
                     std::shared_ptr<net::http_client> http, std::string path);

} // namespace tether
