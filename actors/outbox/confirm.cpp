#include "actors/outbox/confirm.hpp"

#include <caf/send.hpp>

#include "actors/type_ids.hpp"

namespace tether {

void confirm_reply(runtime& rt, uint64_t outbox_id, reply_outcome outcome,
                   std::string error) {
  if (outbox_id == 0)
    return;
  auto outbox = rt.directory().get("core/outbox");
  if (!outbox)
    return; // the outbox resends after its restart; nothing to tell now
  caf::anon_send(outbox, reply_result_atom::value, outbox_id,
                 outcome == reply_outcome::sent, std::move(error),
                 outcome == reply_outcome::rejected);
}

} // namespace tether
