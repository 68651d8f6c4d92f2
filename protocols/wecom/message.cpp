#include "protocols/wecom/message.hpp"

namespace tether::wecom {

namespace {

std::string_view trim(std::string_view x) {
  auto first = x.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = x.find_last_not_of(" \t\r\n");
  return x.substr(first, last - first + 1);
}

std::optional<int64_t> parse_int(std::string_view x) {
  x = trim(x);
  if (x.empty() || x.size() > 18) return std::nullopt;
  int64_t out = 0;
  for (auto c : x) {
    if (c < '0' || c > '9') return std::nullopt;
    out = out * 10 + (c - '0');
  }
  return out;
}

std::optional<inbound_message> fail(std::string_view platform, std::string what,
                                    std::string* error) {
  if (error) *error = std::string{platform} + ": " + std::move(what);
  return std::nullopt;
}

} // namespace

std::string dedupe_key(const xml::flat_document& doc) {
  if (auto id = doc.find("MsgId"); id && !trim(*id).empty())
    return std::string{trim(*id)};
  return doc.get("FromUserName") + ":"
         + std::string{trim(doc.get("CreateTime"))};
}

std::optional<inbound_message>
convert_message(const xml::flat_document& doc, std::string_view platform,
                const std::string& bot_name, std::string* error) {
  auto type = doc.find("MsgType");
  auto from = doc.find("FromUserName");
  if (!type || trim(*type).empty())
    return fail(platform, "message has no MsgType", error);
  if (!from || from->empty())
    return fail(platform, "message has no FromUserName", error);
  inbound_message msg;
  msg.platform = platform;
  msg.bot = bot_name;
  if (auto t = doc.find("CreateTime")) {
    auto secs = parse_int(*t);
    if (!secs) return fail(platform, "CreateTime is not a number", error);
    msg.timestamp = *secs;
  }
  msg.id = dedupe_key(doc);
  msg.sender.id = *from;
  msg.context.room_id = *from;
  msg.mentions_bot = true;
  auto kind = std::string{trim(*type)};
  if (kind == "text") {
    msg.text = doc.get("Content");
    msg.segments.push_back({"text", msg.text, {}});
  } else if (kind == "image") {
    auto url = doc.get("PicUrl");
    msg.segments.push_back({"image", {}, url});
    msg.attachments.push_back({url, doc.get("MediaId"), {}, 0});
  } else if (kind == "event") {
    msg.segments.push_back({"event", {}, std::string{trim(doc.get("Event"))}});
  } else if (kind == "voice" && doc.find("Recognition")) {
    msg.text = doc.get("Recognition");
    msg.segments.push_back({"text", msg.text, {}});
  } else {
    msg.segments.push_back({kind, {}, doc.get("MediaId")});
  }
  return msg;
}

std::optional<inbound_message> convert_message(std::string_view xml,
                                               const std::string& bot_name,
                                               std::string* error) {
  auto doc = xml::parse_flat(xml, error);
  if (!doc) return std::nullopt;
  auto msg = convert_message(*doc, "wecom", bot_name, error);
  if (msg) msg->raw = xml;
  return msg;
}

std::string make_text_reply(std::string_view to_user,
                            std::string_view from_user, int64_t create_time,
                            std::string_view content) {
  return xml::flat_writer{}
    .cdata("ToUserName", to_user)
    .cdata("FromUserName", from_user)
    .text("CreateTime", std::to_string(create_time))
    .cdata("MsgType", "text")
    .cdata("Content", content)
    .finish();
}

} // namespace tether::wecom
