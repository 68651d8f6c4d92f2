// The `forward` handler: POSTs each message as JSON (protocols/
// message_json.hpp) to a URL, optionally signed (protocols/forward/
// signature.hpp), and replies with what the answer holds:
//
//   204 or an empty body     no reply
//   200 JSON {"reply": "x"}  one reply; {"replies": ["a", "b"]} several
//   200 text/plain           the body is the reply
//   5xx, transport error     retried (`retries`, backoff by delayed
//                            message), then logged; no reply
//   anything else            logged with status and the start of the body
//
// At most `concurrency` requests are in flight; more messages wait in a
// bounded queue, beyond which they are dropped and logged. Every attempt
// ends before the handler's timeout, so the router always gets an answer
// in time. The actor never blocks: HTTP results come back as messages.

#pragma once

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether {

/// The node `handlers/NAME` for `entry` (which holds forward_settings).
supervision::child_spec forward_spec(runtime_ptr rt,
                                     const config::handler_entry& entry);

} // namespace tether
