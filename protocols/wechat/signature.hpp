// WeChat Official Account request checks (PROTOCOLS.md §7): the plain
// `signature` = sha1 of the sorted token, timestamp and nonce, carried by
// the GET URL verification and by every POST push; in safe mode the body
// is additionally encrypted with WeCom's scheme (protocols/wecom/crypto.hpp)
// and the AppID as receive id.

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocols/wecom/crypto.hpp"

namespace tether::wechat {

/// 40 lowercase hex digits.
std::string signature(std::string_view token, std::string_view timestamp,
                      std::string_view nonce);

/// Compares `signature` (hex, either case) in constant time.
bool verify_signature(std::string_view token, std::string_view timestamp,
                      std::string_view nonce, std::string_view signature);

/// GET URL verification: the body to answer with (`echostr` verbatim) if
/// the signature matches.
std::optional<std::string>
verify_url(std::string_view token, std::string_view signature,
           std::string_view timestamp, std::string_view nonce,
           std::string_view echostr, std::string* error = nullptr);

/// The safe-mode crypto of one account: WeCom's scheme with receive id =
/// `app_id`. Its open_post() checks `msg_signature` (not `signature`).
std::optional<wecom::msg_crypt>
make_safe_crypt(std::string token, std::string_view encoding_aes_key,
                std::string app_id, std::string* error = nullptr);

} // namespace tether::wechat
