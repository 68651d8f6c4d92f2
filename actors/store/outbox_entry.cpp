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

} // namespace tether::store
