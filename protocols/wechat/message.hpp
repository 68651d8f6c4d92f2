// WeChat Official Account messages (PROTOCOLS.md §7): pushed XML into the
// unified message model, passive text replies, and the customer-service
// message body for answers that miss the 5 s reply window.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/message.hpp"
#include "protocols/xml/flat_xml.hpp"

namespace tether::wechat {

/// Path of the customer-service send API on api.weixin.qq.com (append
/// `?access_token=...`).
constexpr std::string_view custom_send_path = "/cgi-bin/message/custom/send";

/// WeChat retries a push three times; drop repeats by this key: MsgId, or
/// `FromUserName:CreateTime` for events.
std::string dedupe_key(const xml::flat_document& doc);

/// Converts a pushed (or decrypted) XML message with platform `wechat`;
/// see wecom::convert_message for the mapping, which is shared.
std::optional<inbound_message> convert_message(std::string_view xml,
                                               const std::string& bot_name,
                                               std::string* error = nullptr);

/// Passive text reply: `to_user` = the follower's OpenID (FromUserName of
/// the push), `from_user` = the account's id (its ToUserName).
std::string make_text_reply(std::string_view to_user,
                            std::string_view from_user, int64_t create_time,
                            std::string_view content);

/// `{"touser":...,"msgtype":"text","text":{"content":...}}`.
std::string make_custom_text(std::string_view open_id,
                             std::string_view content);

} // namespace tether::wechat
