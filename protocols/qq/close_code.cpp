#include "protocols/qq/close_code.hpp"

namespace tether::qq {

close_action classify_close(int code) {
  if (gateway::is_transport_close(code)) return close_action::resume;
  switch (code) {
    case 4008: // sending payloads too fast
    case 4009: // connection expired, reconnect and resume
      return close_action::resume;
    case 4010: // invalid shard
    case 4011: // too many guilds
    case 4012: // invalid version
    case 4013: // invalid intent
    case 4014: // intent not permitted
    case 4914: // bot offline (sandbox only)
    case 4915: // bot banned
      return close_action::fatal;
    default: return close_action::reidentify;
  }
}

bool invalidates_token(int code) {
  return code == 4004;
}

std::string_view close_code_name(int code) {
  if (gateway::is_transport_close(code))
    return gateway::transport_close_name(code);
  if (code >= 4900 && code <= 4913) return "internal error";
  switch (code) {
    case 4000: return "unknown error";
    case 4001: return "invalid opcode";
    case 4002: return "invalid payload";
    case 4003: return "not authenticated";
    case 4004: return "authentication failed";
    case 4005: return "already authenticated";
    case 4006: return "invalid session id";
    case 4007: return "invalid seq";
    case 4008: return "sending payloads too fast";
    case 4009: return "connection expired";
    case 4010: return "invalid shard";
    case 4011: return "too many guilds";
    case 4012: return "invalid version";
    case 4013: return "invalid intent";
    case 4014: return "intent not permitted";
    case 4914: return "bot offline (sandbox only)";
    case 4915: return "bot banned";
    case 9001: return "invalid session";
    case 9005: return "connection closed, cannot resume";
    default: return "unknown close code";
  }
}

} // namespace tether::qq
