#include "protocols/discord/close_code.hpp"

namespace tether::discord {

close_action classify_close(int code) {
  switch (code) {
    case 4004: // authentication failed
    case 4010: // invalid shard
    case 4011: // sharding required
    case 4012: // invalid API version
    case 4013: // invalid intents
    case 4014: // disallowed intents
      return close_action::fatal;
    case 4007: // invalid seq: "start a new session"
    case 4009: // session timed out: "start a new one"
      return close_action::reidentify;
    case 1000:
    case 1001:
      // A clean close invalidates the session (GW "Initiating a
      // Disconnect"), so there is nothing left to resume.
      return close_action::reidentify;
    default:
      // The rest of 4000-4999 are marked "reconnect: yes"; drops (-1), 1006
      // and other transport codes keep the session resumable.
      return close_action::resume;
  }
}

std::string_view close_code_name(int code) {
  switch (code) {
    case -1: return "no close frame";
    case 1000: return "normal closure";
    case 1001: return "going away";
    case 1002: return "protocol error";
    case 1003: return "unsupported data";
    case 1005: return "no status code";
    case 1006: return "abnormal closure";
    case 1007: return "invalid frame payload";
    case 1008: return "policy violation";
    case 1009: return "message too big";
    case 1010: return "mandatory extension";
    case 1011: return "internal server error";
    case 1012: return "service restart";
    case 1013: return "try again later";
    case 1014: return "bad gateway";
    case 1015: return "TLS handshake failure";
    case 4000: return "unknown error";
    case 4001: return "unknown opcode";
    case 4002: return "decode error";
    case 4003: return "not authenticated";
    case 4004: return "authentication failed";
    case 4005: return "already authenticated";
    case 4007: return "invalid seq";
    case 4008: return "rate limited";
    case 4009: return "session timed out";
    case 4010: return "invalid shard";
    case 4011: return "sharding required";
    case 4012: return "invalid API version";
    case 4013: return "invalid intents";
    case 4014: return "disallowed intents";
    default: return "unknown close code";
  }
}

} // namespace tether::discord
