// The outbox (`core/outbox`): every reply and relay on its way to a
// platform. It gives each reply an idempotency key, keeps the replies of a
// room in order and paced (outbox_book), hands them to the platform's
// sender and waits for the sender's confirmation (confirm.hpp); a reply
// that is not confirmed in time is resent with the same key.

#pragma once

#include "actors/runtime.hpp"
#include "supervision/child_spec.hpp"

namespace tether {

supervision::child_spec outbox_spec(runtime_ptr rt);

} // namespace tether
