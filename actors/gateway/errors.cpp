#include "actors/gateway/errors.hpp"

#include "supervision/reason.hpp"

namespace tether::gateway {

std::string to_string(gateway_errc x) {
  switch (x) {
    case gateway_errc::none: return "none";
    case gateway_errc::zombie: return "zombie";
    case gateway_errc::hello_timeout: return "hello_timeout";
    case gateway_errc::ready_timeout: return "ready_timeout";
    case gateway_errc::reconnect_requested: return "reconnect_requested";
    case gateway_errc::session_invalidated: return "session_invalidated";
    case gateway_errc::gateway_closed: return "gateway_closed";
    case gateway_errc::bad_frames: return "bad_frames";
    case gateway_errc::gateway_unavailable: return "gateway_unavailable";
  }
  return "unknown";
}

void register_error_category() {
  supervision::register_category(caf::atom("gateway"), [](uint8_t code) {
    return to_string(static_cast<gateway_errc>(code));
  });
}

} // namespace tether::gateway
