#include "actors/store/outbox_entry.hpp"

namespace tether::store {

std::string to_string(outbox_state x) {
  switch (x) {
    case outbox_state::pending: return "pending";
    case outbox_state::sent: return "sent";
    case outbox_state::dropped: return "dropped";
  }
  return "unknown";
}

std::string make_idempotency_key(const std::string& platform,
                                 const std::string& bot,
                                 const std::string& reply_to, uint32_t seq) {
  return platform + ":" + bot + ":" + reply_to + ":" + std::to_string(seq);
}

} // namespace tether::store
