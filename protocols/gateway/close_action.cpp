#include "protocols/gateway/close_action.hpp"

namespace tether::gateway {

std::string_view to_string(close_action x) {
  switch (x) {
    case close_action::resume: return "resume";
    case close_action::reidentify: return "reidentify";
    case close_action::fatal: return "fatal";
  }
  return "?";
}

bool is_transport_close(int code) {
  return code == -1 || (code >= 1000 && code <= 2999);
}

std::string_view transport_close_name(int code) {
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
    default: return "unknown close code";
  }
}

} // namespace tether::gateway
