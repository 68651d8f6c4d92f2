#include "protocols/mirai/frame.hpp"

#include <limits>

#include "protocols/gateway/json_fields.hpp"
#include "protocols/gateway/room.hpp"

namespace tether::mirai {

namespace json = gateway::json;

namespace {

// Ordered objects keep the key order of the API docs.
std::string command(std::string_view sync_id, std::string_view name,
                    json::ordered content) {
  json::ordered x = json::ordered::object();
  x["syncId"] = std::string{sync_id};
  x["command"] = std::string{name};
  x["subCommand"] = nullptr;
  x["content"] = std::move(content);
  return json::dump(x);
}

json::ordered text_chain(std::string_view text) {
  json::ordered plain = json::ordered::object();
  plain["type"] = "Plain";
  plain["text"] = std::string{text};
  json::ordered chain = json::ordered::array();
  chain.push_back(std::move(plain));
  return chain;
}

std::string send_command(std::string_view sync_id, std::string_view name,
                         json::ordered content, std::string_view text,
                         std::optional<int64_t> quote) {
  if (quote) content["quote"] = *quote;
  content["messageChain"] = text_chain(text);
  return command(sync_id, name, std::move(content));
}

void read_element(const json::value& x, int64_t bot_qq, inbound_message& msg,
                  bool& have_source) {
  auto type = json::get_string(x, "type").value_or("");
  auto append = [&msg](std::string type, std::string text, std::string target) {
    msg.text += text;
    // Adjacent Plain elements form one text segment.
    if (type == "text" && !msg.segments.empty()
        && msg.segments.back().type == "text")
      msg.segments.back().text += text;
    else
      msg.segments.push_back(
        {std::move(type), std::move(text), std::move(target)});
  };
  if (type == "Source") {
    if (auto id = json::get_int(x, "id")) {
      msg.id = std::to_string(*id);
      have_source = true;
    }
    msg.timestamp = json::get_int(x, "time").value_or(0);
  } else if (type == "Plain") {
    auto text = json::get_string(x, "text").value_or("");
    if (!text.empty()) append("text", std::move(text), {});
  } else if (type == "At") {
    auto target = json::get_int(x, "target");
    if (!target) return;
    if (*target == bot_qq) msg.mentions_bot = true;
    auto shown = json::get_string(x, "display").value_or("");
    if (shown.empty())
      shown = "@" + std::to_string(*target);
    else if (shown.front() != '@')
      shown.insert(0, "@");
    append("mention", std::move(shown), std::to_string(*target));
  } else if (type == "AtAll") {
    append("mention_all", "@全体成员", {});
  } else if (type == "Face") {
    auto id = json::get_int(x, "faceId");
    auto name = json::get_string(x, "name").value_or("");
    auto target = id ? std::to_string(*id) : std::string{};
    append("emoji", "[" + (name.empty() ? "face:" + target : name) + "]",
           target);
  } else if (type == "Image" || type == "FlashImage") {
    attachment a;
    a.url = json::get_string(x, "url").value_or("");
    a.name = json::get_string(x, "imageId").value_or("");
    if (auto size = json::get_int(x, "size"); size && *size > 0)
      a.size = static_cast<uint64_t>(*size);
    msg.segments.push_back({"image", {}, a.url});
    msg.attachments.push_back(std::move(a));
  } else if (type == "Quote") {
    if (auto id = json::get_int(x, "id")) msg.reply_to = std::to_string(*id);
  }
  // Voice, Xml, Json, App, Poke, ... stay in `raw` only.
}

} // namespace

std::string url_encode(std::string_view x) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(x.size());
  for (char c : x) {
    auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out;
}

std::string ws_url(std::string_view base, std::string_view verify_key,
                   int64_t qq, std::string_view channel) {
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  std::string out{base};
  out += '/';
  out += channel;
  out += '?';
  if (!verify_key.empty()) {
    out += "verifyKey=";
    out += url_encode(verify_key);
    out += '&';
  }
  out += "qq=";
  out += std::to_string(qq);
  return out;
}

std::optional<frame> parse_frame(std::string_view text, std::string* error,
                                 std::string_view reserved_sync_id) {
  auto fail = [error](const char* what) -> std::optional<frame> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto obj = json::parse_object(text, error);
  if (!obj) return std::nullopt;
  auto sync_id = json::get_id(*obj, "syncId");
  if (!sync_id) return fail("syncId missing");
  auto data = json::member(*obj, "data");
  if (!data || !data->is_object()) return fail("data is not an object");
  frame f;
  f.sync_id = std::move(*sync_id);
  if (f.sync_id.empty())
    f.type = frame_type::session;
  else if (f.sync_id == reserved_sync_id)
    f.type = frame_type::push;
  else
    f.type = frame_type::response;
  f.data = json::dump(*data);
  return f;
}

std::string_view state_code_name(int code) {
  switch (code) {
    case state_code::success: return "success";
    case state_code::wrong_verify_key: return "wrong verify key";
    case state_code::bot_not_exist: return "bot does not exist";
    case state_code::illegal_session: return "session invalid or missing";
    case state_code::not_verified_session: return "session not verified";
    case state_code::no_element: return "target does not exist";
    case state_code::no_operate_support: return "operation not supported";
    case state_code::permission_denied: return "permission denied";
    case state_code::bot_muted: return "bot muted";
    case state_code::message_too_large: return "message too long";
    case state_code::invalid_parameter: return "invalid parameter";
    case state_code::internal_error: return "internal error";
    default: return "unknown state code";
  }
}

std::string_view to_string(session_error_kind x) {
  switch (x) {
    case session_error_kind::fatal: return "fatal";
    case session_error_kind::retry: return "retry";
  }
  return "?";
}

session_error_kind classify_session_error(int code) {
  switch (code) {
    case state_code::wrong_verify_key:
    case state_code::invalid_parameter: return session_error_kind::fatal;
    default: return session_error_kind::retry;
  }
}

std::optional<session_result> parse_session(std::string_view data) {
  auto obj = json::parse_object(data);
  if (!obj) return std::nullopt;
  auto code = json::get_int(*obj, "code");
  if (!code || *code < std::numeric_limits<int>::min()
      || *code > std::numeric_limits<int>::max())
    return std::nullopt;
  session_result r;
  r.code = static_cast<int>(*code);
  r.msg = json::get_string(*obj, "msg").value_or("");
  if (r.code == 0) {
    auto session = json::get_string(*obj, "session");
    if (!session || session->empty()) return std::nullopt;
    r.session = std::move(*session);
  } else {
    r.kind = classify_session_error(r.code);
  }
  return r;
}

std::string_view to_string(bot_status x) {
  switch (x) {
    case bot_status::online: return "online";
    case bot_status::offline_active: return "offline_active";
    case bot_status::offline_force: return "offline_force";
    case bot_status::offline_dropped: return "offline_dropped";
    case bot_status::relogin: return "relogin";
  }
  return "?";
}

std::optional<bot_status> bot_status_of(std::string_view type) {
  if (type == "BotOnlineEvent") return bot_status::online;
  if (type == "BotOfflineEventActive") return bot_status::offline_active;
  if (type == "BotOfflineEventForce") return bot_status::offline_force;
  if (type == "BotOfflineEventDropped") return bot_status::offline_dropped;
  if (type == "BotReloginEvent") return bot_status::relogin;
  return std::nullopt;
}

std::optional<push_event> parse_push(std::string_view data, int64_t bot_qq,
                                     const std::string& bot_name,
                                     std::string* error) {
  auto fail = [error](const char* what) -> std::optional<push_event> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto obj = json::parse_object(data, error);
  if (!obj) return std::nullopt;
  auto type = json::get_string(*obj, "type");
  if (!type || type->empty()) return fail("type missing");
  push_event ev;
  ev.type = std::move(*type);
  if (auto status = bot_status_of(ev.type)) {
    ev.kind = push_kind::bot_status;
    ev.status = status;
    ev.qq = json::get_int(*obj, "qq").value_or(0);
    return ev;
  }
  bool friend_msg = ev.type == "FriendMessage";
  bool group_msg = ev.type == "GroupMessage";
  bool temp_msg = ev.type == "TempMessage";
  if (!friend_msg && !group_msg && !temp_msg) return ev;
  auto sender = json::member(*obj, "sender");
  if (!sender || !sender->is_object()) return fail("sender missing");
  auto sender_id = json::get_int(*sender, "id");
  if (!sender_id) return fail("sender.id missing");
  inbound_message msg;
  msg.platform = "mirai";
  msg.bot = bot_name;
  msg.sender.id = std::to_string(*sender_id);
  if (friend_msg) {
    msg.sender.name = json::get_string(*sender, "nickname").value_or("");
    msg.context.room_id = gateway::make_room("friend", msg.sender.id);
  } else {
    msg.sender.name = json::get_string(*sender, "memberName").value_or("");
    auto group = json::member(*sender, "group");
    auto group_id = group ? json::get_int(*group, "id") : std::nullopt;
    if (!group_id) return fail("sender.group.id missing");
    msg.context.guild_id = std::to_string(*group_id);
    msg.context.room_id = group_msg
                            ? gateway::make_room("group", msg.context.guild_id)
                            : gateway::make_room("temp", msg.sender.id);
  }
  auto chain = json::member(*obj, "messageChain");
  if (!chain || !chain->is_array()) return fail("messageChain missing");
  bool have_source = false;
  for (auto& x : *chain)
    if (x.is_object()) read_element(x, bot_qq, msg, have_source);
  if (!have_source) return fail("Source element missing");
  msg.raw = data;
  ev.kind = push_kind::message;
  ev.message = std::move(msg);
  return ev;
}

std::string sync_id_allocator::next() {
  if (last_ == std::numeric_limits<int32_t>::max()) last_ = 0;
  return std::to_string(++last_);
}

std::string make_send_group_message(std::string_view sync_id, int64_t group,
                                    std::string_view text,
                                    std::optional<int64_t> quote) {
  json::ordered content = json::ordered::object();
  content["target"] = group;
  return send_command(sync_id, "sendGroupMessage", std::move(content), text,
                      quote);
}

std::string make_send_friend_message(std::string_view sync_id, int64_t qq,
                                     std::string_view text,
                                     std::optional<int64_t> quote) {
  json::ordered content = json::ordered::object();
  content["target"] = qq;
  return send_command(sync_id, "sendFriendMessage", std::move(content), text,
                      quote);
}

std::string make_send_temp_message(std::string_view sync_id, int64_t qq,
                                   int64_t group, std::string_view text,
                                   std::optional<int64_t> quote) {
  json::ordered content = json::ordered::object();
  content["qq"] = qq;
  content["group"] = group;
  return send_command(sync_id, "sendTempMessage", std::move(content), text,
                      quote);
}

std::optional<std::string> make_reply(std::string_view sync_id,
                                      const outbound_reply& reply) {
  auto room = gateway::split_room(reply.context.room_id);
  if (!room) return std::nullopt;
  auto id = json::parse_int(room->id);
  if (!id) return std::nullopt;
  std::optional<int64_t> quote;
  if (!reply.reply_to.empty()) quote = json::parse_int(reply.reply_to);
  if (room->scene == "group")
    return make_send_group_message(sync_id, *id, reply.text, quote);
  if (room->scene == "friend")
    return make_send_friend_message(sync_id, *id, reply.text, quote);
  if (room->scene == "temp") {
    auto group = json::parse_int(reply.context.guild_id);
    if (!group) return std::nullopt;
    return make_send_temp_message(sync_id, *id, *group, reply.text, quote);
  }
  return std::nullopt;
}

std::string make_about(std::string_view sync_id) {
  return command(sync_id, "about", json::ordered::object());
}

std::optional<command_result> parse_response(std::string_view data) {
  auto obj = json::parse_object(data);
  if (!obj) return std::nullopt;
  auto code = json::get_int(*obj, "code");
  if (!code || *code < std::numeric_limits<int>::min()
      || *code > std::numeric_limits<int>::max())
    return std::nullopt;
  command_result r;
  r.code = static_cast<int>(*code);
  r.msg = json::get_string(*obj, "msg").value_or("");
  if (auto id = json::member(*obj, "messageId"); id && id->is_number_integer())
    r.message_id = json::to_int(*id);
  return r;
}

} // namespace tether::mirai
