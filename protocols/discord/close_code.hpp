// What to do after the gateway connection closed, by close code
// (PROTOCOLS.md §1.8 plus the WebSocket transport codes of RFC 6455).

#pragma once

#include <string_view>

#include "protocols/gateway/close_action.hpp"

namespace tether::discord {

/// resume (to resume_gateway_url), reidentify or fatal.
using gateway::close_action;
using gateway::to_string;

/// Pass -1 when the connection ended without a close frame.
close_action classify_close(int code);

/// Short lowercase meaning, e.g. "authentication failed" for 4004;
/// "unknown close code" when we do not know it.
std::string_view close_code_name(int code);

} // namespace tether::discord
