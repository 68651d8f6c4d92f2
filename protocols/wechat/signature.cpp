#include "protocols/wechat/signature.hpp"

#include "protocols/crypto/digest.hpp"

namespace tether::wechat {

std::string signature(std::string_view token, std::string_view timestamp,
                      std::string_view nonce) {
  return wecom::sorted_sha1({token, timestamp, nonce});
}

bool verify_signature(std::string_view token, std::string_view timestamp,
                      std::string_view nonce, std::string_view sig) {
  std::string lowered{sig};
  for (auto& c : lowered)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return crypto::constant_time_equal(lowered,
                                     signature(token, timestamp, nonce));
}

std::optional<std::string>
verify_url(std::string_view token, std::string_view sig,
           std::string_view timestamp, std::string_view nonce,
           std::string_view echostr, std::string* error) {
  if (!verify_signature(token, timestamp, nonce, sig)) {
    if (error) *error = "wechat: signature mismatch";
    return std::nullopt;
  }
  return std::string{echostr};
}

std::optional<wecom::msg_crypt>
make_safe_crypt(std::string token, std::string_view encoding_aes_key,
                std::string app_id, std::string* error) {
  return wecom::msg_crypt::make(std::move(token), encoding_aes_key,
                                std::move(app_id), error);
}

} // namespace tether::wechat
