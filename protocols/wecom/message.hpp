// The decrypted callback XML of WeCom apps into the unified message model
// (protocols/message.hpp), and passive text replies. WeChat Official
// Accounts send the same shape of XML, so protocols/wechat uses these too.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/message.hpp"
#include "protocols/xml/flat_xml.hpp"

namespace tether::wecom {

/// `MsgId`, or for events (which have none) `FromUserName:CreateTime`.
std::string dedupe_key(const xml::flat_document& doc);

/// Converts one callback message:
/// - `platform` as given, `bot` = `bot_name`, `id` = dedupe_key(doc),
///   `raw` = the XML text (when converting from text);
/// - `sender.id` = FromUserName, and `context.room_id` too, since the
///   conversation is with that user; `timestamp` = CreateTime;
/// - `mentions_bot` is always true: these are direct conversations;
/// - `text`: Content for `text`, Recognition for `voice` (if speech
///   recognition is on), empty otherwise; `segments`: one `text` segment,
///   one `image` segment (target PicUrl) with an attachment (url PicUrl,
///   name MediaId), one `event` segment (target Event; EventKey stays in
///   `raw`), or one segment named after any other MsgType.
/// Errors (prefixed with `platform`): no MsgType or FromUserName, a
/// non-numeric CreateTime.
std::optional<inbound_message>
convert_message(const xml::flat_document& doc, std::string_view platform,
                const std::string& bot_name, std::string* error = nullptr);

/// Parses `xml` and converts it with platform `wecom`.
std::optional<inbound_message> convert_message(std::string_view xml,
                                               const std::string& bot_name,
                                               std::string* error = nullptr);

/// A passive text reply (the plaintext that msg_crypt::seal_reply
/// encrypts): `to_user` is the sender of the message answered, `from_user`
/// the corp id (WeCom) or the account's own id (WeChat).
std::string make_text_reply(std::string_view to_user,
                            std::string_view from_user, int64_t create_time,
                            std::string_view content);

} // namespace tether::wecom
