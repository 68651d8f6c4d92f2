#include "protocols/forward/signature.hpp"

#include "protocols/crypto/digest.hpp"

namespace tether::forward {

namespace {

std::string signed_string(std::string_view timestamp, std::string_view body) {
  std::string out;
  out.reserve(timestamp.size() + 1 + body.size());
  out += timestamp;
  out += '.';
  out += body;
  return out;
}

std::string sign_text(std::string_view secret, std::string_view timestamp,
                      std::string_view body) {
  return "sha256="
         + crypto::to_hex(
           crypto::hmac_sha256(secret, signed_string(timestamp, body)));
}

} // namespace

std::string sign(std::string_view secret, int64_t timestamp,
                 std::string_view body) {
  return sign_text(secret, std::to_string(timestamp), body);
}

bool verify(std::string_view secret, std::string_view timestamp,
            std::string_view body, std::string_view signature) {
  return crypto::constant_time_equal(sign_text(secret, timestamp, body),
                                     signature);
}

} // namespace tether::forward
