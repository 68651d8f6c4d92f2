// What to do after the gateway connection closed, by close code
// (PROTOCOLS.md §1.8 plus the WebSocket transport codes of RFC 6455).

#pragma once

#include <string_view>

namespace tether::discord {

enum class close_action {
  /// Reconnect to resume_gateway_url and send Resume.
  resume,
  /// The session is gone: reconnect and Identify again.
  reidentify,
  /// Reconnecting cannot help (bad token, shard, version or intents).
  fatal,
};

/// Pass -1 when the connection ended without a close frame.
close_action classify_close(int code);

/// Short lowercase meaning, e.g. "authentication failed" for 4004;
/// "unknown close code" when we do not know it.
std::string_view close_code_name(int code);

std::string_view to_string(close_action x);

} // namespace tether::discord
