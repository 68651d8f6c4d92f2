// The decision every WebSocket gateway session makes after its connection
// closed, shared by the platforms whose gateways resume sessions (QQ; the
// Discord table in protocols/discord/close_code.hpp has the same shape).

#pragma once

#include <string_view>

namespace tether::gateway {

enum class close_action {
  /// Reconnect and send Resume with the stored session id and seq.
  resume,
  /// The session is gone: reconnect and Identify again.
  reidentify,
  /// Reconnecting cannot help (bad token, shard, version or intents).
  fatal,
};

std::string_view to_string(close_action x);

/// True for -1 (the connection ended without a close frame) and the
/// RFC 6455 range 1000-2999, i.e. codes the transport, not the platform,
/// chose.
bool is_transport_close(int code);

/// Short lowercase meaning of a transport code ("abnormal closure" for
/// 1006, "no close frame" for -1); "unknown close code" otherwise.
std::string_view transport_close_name(int code);

} // namespace tether::gateway
