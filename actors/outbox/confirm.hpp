// How a platform sender tells the outbox that a reply it was handed has
// ended. Every sender calls it exactly once per reply that carries an
// outbox_id: after the platform confirmed it, or when the sender gave up.
// Without it the outbox resends the reply after its ack timeout.

#pragma once

#include <cstdint>
#include <string>

#include "actors/runtime.hpp"

namespace tether {

/// How one send ended.
enum class reply_outcome {
  /// The platform accepted the reply.
  sent,
  /// Worth another try later (transport error, 5xx, 429 past the sender's
  /// own retries).
  retry,
  /// Never worth another try (400, 403, reply window passed, unknown
  /// room): the outbox drops it with `error` as the reason.
  rejected,
};

/// Sends `(reply_result_atom, outbox_id, ok, error, permanent)` to
/// `core/outbox`; does nothing when `outbox_id` is 0.
void confirm_reply(runtime& rt, uint64_t outbox_id, reply_outcome outcome,
                   std::string error = {});

} // namespace tether
