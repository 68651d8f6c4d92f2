#include "protocols/qq/message.hpp"

#include <vector>

#include "protocols/discord/message.hpp"
#include "protocols/gateway/json_fields.hpp"
#include "protocols/gateway/room.hpp"

namespace tether::qq {

namespace json = gateway::json;

namespace {

struct mention_ref {
  std::string id;
  std::string name;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Recognizes `<@id>` or `<@!id>` at the front of `x`; returns the id and
// sets `length` to the bytes of the markup.
std::string_view read_mention(std::string_view x, size_t& length) {
  constexpr size_t max_id = 32;
  size_t pos = 2;
  if (x.size() < 4 || x[0] != '<' || x[1] != '@') return {};
  if (x[pos] == '!') ++pos;
  auto first = pos;
  while (pos < x.size() && pos - first <= max_id && is_digit(x[pos]))
    ++pos;
  if (pos == first || pos - first > max_id || pos >= x.size() || x[pos] != '>')
    return {};
  length = pos + 1;
  return x.substr(first, pos - first);
}

void render(std::string_view content, const std::vector<mention_ref>& mentions,
            inbound_message& msg) {
  auto& text = msg.text;
  size_t pending = 0; // start of the current plain-text segment in `text`
  auto flush_text = [&] {
    if (text.size() > pending)
      msg.segments.push_back({"text", text.substr(pending), {}});
  };
  for (size_t pos = 0; pos < content.size();) {
    auto lt = content.find("<@", pos);
    if (lt == std::string_view::npos) {
      text.append(content.substr(pos));
      break;
    }
    text.append(content.substr(pos, lt - pos));
    size_t length = 0;
    auto id = read_mention(content.substr(lt), length);
    if (id.empty()) {
      text += '<';
      pos = lt + 1;
      continue;
    }
    flush_text();
    std::string shown = "@";
    std::string_view name = id;
    for (auto& m : mentions)
      if (m.id == id && !m.name.empty()) {
        name = m.name;
        break;
      }
    shown += name;
    text += shown;
    msg.segments.push_back({"mention", std::move(shown), std::string{id}});
    pending = text.size();
    pos = lt + length;
  }
  flush_text();
}

bool read_attachment(const json::value& x, attachment& a) {
  if (!x.is_object()) return false;
  a.url = json::get_string(x, "url").value_or("");
  if (!a.url.empty() && a.url.find("://") == std::string::npos)
    a.url.insert(0, "https://");
  a.name = json::get_string(x, "filename").value_or("");
  a.content_type = json::get_string(x, "content_type").value_or("");
  if (auto size = json::get_int(x, "size"); size && *size >= 0)
    a.size = static_cast<uint64_t>(*size);
  return true;
}

} // namespace

std::string_view to_string(scene x) {
  switch (x) {
    case scene::guild_channel: return "channel";
    case scene::guild_dm: return "dm";
    case scene::group: return "group";
    case scene::c2c: return "c2c";
  }
  return "?";
}

std::optional<scene> scene_from_string(std::string_view x) {
  for (auto s :
       {scene::guild_channel, scene::guild_dm, scene::group, scene::c2c})
    if (x == to_string(s)) return s;
  return std::nullopt;
}

std::optional<scene> scene_of_event(std::string_view t) {
  if (t == "AT_MESSAGE_CREATE" || t == "MESSAGE_CREATE")
    return scene::guild_channel;
  if (t == "DIRECT_MESSAGE_CREATE") return scene::guild_dm;
  if (t == "GROUP_AT_MESSAGE_CREATE") return scene::group;
  if (t == "C2C_MESSAGE_CREATE") return scene::c2c;
  return std::nullopt;
}

std::string make_room(scene s, std::string_view id) {
  return gateway::make_room(to_string(s), id);
}

std::optional<room_target> parse_room(std::string_view room_id) {
  auto ref = gateway::split_room(room_id);
  if (!ref) return std::nullopt;
  auto s = scene_from_string(ref->scene);
  if (!s) return std::nullopt;
  return room_target{*s, std::string{ref->id}};
}

std::optional<inbound_message>
convert_message(std::string_view t, std::string_view d,
                const std::string& bot_name, const std::string& bot_user_id,
                std::string* error) {
  auto fail = [error](const char* what) -> std::optional<inbound_message> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto where = scene_of_event(t);
  if (!where) return fail("not a message event");
  auto obj = json::parse_object(d, error);
  if (!obj) return std::nullopt;
  inbound_message msg;
  msg.platform = "qq";
  msg.bot = bot_name;
  auto id = json::get_id(*obj, "id");
  if (!id || id->empty()) return fail("id missing");
  msg.id = std::move(*id);
  auto author = json::member(*obj, "author");
  if (!author || !author->is_object()) return fail("author missing");
  std::string room_key;
  switch (*where) {
    case scene::guild_channel:
    case scene::guild_dm: {
      msg.sender.id = json::get_id(*author, "id").value_or("");
      msg.sender.name = json::get_string(*author, "username").value_or("");
      if (auto member = json::member(*obj, "member")) {
        auto nick = json::get_string(*member, "nick");
        if (nick && !nick->empty()) msg.sender.name = std::move(*nick);
      }
      auto guild_id = json::get_id(*obj, "guild_id").value_or("");
      if (*where == scene::guild_channel) {
        room_key = json::get_id(*obj, "channel_id").value_or("");
        msg.context.guild_id = std::move(guild_id);
      } else {
        // The reply goes to the DM session's own guild; the guild the
        // user came from is the more useful context.
        room_key = guild_id;
        msg.context.guild_id
          = json::get_id(*obj, "src_guild_id").value_or(guild_id);
      }
      break;
    }
    case scene::group:
      msg.sender.id = json::get_string(*author, "member_openid").value_or("");
      room_key = json::get_string(*obj, "group_openid").value_or("");
      break;
    case scene::c2c:
      msg.sender.id = json::get_string(*author, "user_openid").value_or("");
      room_key = msg.sender.id;
      break;
  }
  if (msg.sender.id.empty()) return fail("author id missing");
  if (room_key.empty()) return fail("room id missing");
  msg.context.room_id = make_room(*where, room_key);
  if (auto ts = json::member(*obj, "timestamp"); ts && !ts->is_null()) {
    auto text = ts->is_string() ? ts->get<std::string>() : std::string{};
    auto unix = discord::parse_iso8601(text);
    if (!unix) return fail("malformed timestamp");
    msg.timestamp = *unix;
  }
  std::vector<mention_ref> mentions;
  if (auto xs = json::member(*obj, "mentions"); xs && xs->is_array()) {
    for (auto& x : *xs) {
      auto mid = json::get_id(x, "id");
      if (!mid) continue;
      if (*mid == bot_user_id && !bot_user_id.empty()) msg.mentions_bot = true;
      mentions.push_back(
        {std::move(*mid), json::get_string(x, "username").value_or("")});
    }
  }
  if (t == "AT_MESSAGE_CREATE" || t == "GROUP_AT_MESSAGE_CREATE")
    msg.mentions_bot = true;
  if (auto xs = json::member(*obj, "attachments"); xs && xs->is_array())
    for (auto& x : *xs) {
      attachment a;
      if (read_attachment(x, a)) msg.attachments.push_back(std::move(a));
    }
  if (auto ref = json::member(*obj, "message_reference"))
    msg.reply_to = json::get_id(*ref, "message_id").value_or("");
  auto content = json::get_string(*obj, "content").value_or("");
  render(content, mentions, msg);
  msg.raw = d;
  return msg;
}

} // namespace tether::qq
