#include "protocols/wechat/message.hpp"

#include <nlohmann/json.hpp>

#include "protocols/wecom/message.hpp"

namespace tether::wechat {

std::string dedupe_key(const xml::flat_document& doc) {
  return wecom::dedupe_key(doc);
}

std::optional<inbound_message> convert_message(std::string_view xml,
                                               const std::string& bot_name,
                                               std::string* error) {
  auto doc = xml::parse_flat(xml, error);
  if (!doc) return std::nullopt;
  auto msg = wecom::convert_message(*doc, "wechat", bot_name, error);
  if (msg) msg->raw = xml;
  return msg;
}

std::string make_text_reply(std::string_view to_user,
                            std::string_view from_user, int64_t create_time,
                            std::string_view content) {
  return wecom::make_text_reply(to_user, from_user, create_time, content);
}

std::string make_custom_text(std::string_view open_id,
                             std::string_view content) {
  nlohmann::ordered_json body{
    {"touser", open_id},
    {"msgtype", "text"},
    {"text", {{"content", content}}},
  };
  // Replaces invalid UTF-8 instead of throwing: the text comes from users.
  return body.dump(-1, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace tether::wechat
