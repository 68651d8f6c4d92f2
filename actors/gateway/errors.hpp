// Exit reasons of the gateway actors (Discord, QQ). Fatal ones (rejected
// token, disallowed intents) are made with supervision::make_fatal instead.

#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tether::gateway {

enum class gateway_errc : uint8_t {
  none = 0,
  /// No heartbeat ACK between two heartbeats: the connection is a zombie.
  zombie,
  /// No Hello within the connect timeout after the upgrade.
  hello_timeout,
  /// No READY / RESUMED within the connect timeout after Identify/Resume.
  ready_timeout,
  /// The gateway sent op 7.
  reconnect_requested,
  /// The gateway sent op 9 and the session may be resumed.
  session_invalidated,
  /// The connection closed (code and reason in the context).
  gateway_closed,
  /// Too many frames in a row could not be decoded.
  bad_frames,
  /// GET /gateway/bot failed.
  gateway_unavailable,
};

std::string to_string(gateway_errc x);

/// Lets supervision::describe() print these reasons by name.
void register_error_category();

} // namespace tether::gateway

CAF_ERROR_CODE_ENUM(tether::gateway::gateway_errc, "gateway")
