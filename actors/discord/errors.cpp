#include "actors/discord/errors.hpp"

#include "supervision/reason.hpp"

namespace tether::discord {

std::string to_string(discord_errc x) {
  switch (x) {
    case discord_errc::none: return "none";
    case discord_errc::zombie: return "zombie";
    case discord_errc::hello_timeout: return "hello_timeout";
    case discord_errc::ready_timeout: return "ready_timeout";
    case discord_errc::reconnect_requested: return "reconnect_requested";
    case discord_errc::session_invalidated: return "session_invalidated";
    case discord_errc::gateway_closed: return "gateway_closed";
    case discord_errc::bad_frames: return "bad_frames";
    case discord_errc::gateway_unavailable: return "gateway_unavailable";
  }
  return "unknown";
}

void register_error_category() {
  supervision::register_category(caf::atom("discord"), [](uint8_t code) {
    return to_string(static_cast<discord_errc>(code));
  });
}

} // namespace tether::discord
