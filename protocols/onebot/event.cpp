#include "protocols/onebot/event.hpp"

#include "protocols/gateway/json_fields.hpp"
#include "protocols/gateway/room.hpp"

namespace tether::onebot {

namespace json = gateway::json;

frame_kind classify_frame(std::string_view text) {
  auto obj = json::parse_object(text);
  if (!obj) return frame_kind::invalid;
  if (json::member(*obj, "post_type")) return frame_kind::event;
  if (json::member(*obj, "retcode") || json::member(*obj, "status"))
    return frame_kind::response;
  return frame_kind::invalid;
}

std::string_view to_string(event_kind x) {
  switch (x) {
    case event_kind::message: return "message";
    case event_kind::notice: return "notice";
    case event_kind::request: return "request";
    case event_kind::heartbeat: return "heartbeat";
    case event_kind::lifecycle: return "lifecycle";
    case event_kind::other: return "other";
  }
  return "?";
}

void render_message(const cq_message& xs, int64_t self_id,
                    inbound_message& msg) {
  auto self = std::to_string(self_id);
  auto append = [&msg](std::string type, std::string text, std::string target) {
    msg.text += text;
    msg.segments.push_back(
      {std::move(type), std::move(text), std::move(target)});
  };
  for (auto& seg : xs) {
    auto value = [&seg](std::string_view key) {
      auto x = seg.get(key);
      return x ? *x : std::string{};
    };
    if (seg.type == "text") {
      auto text = value("text");
      if (!text.empty()) append("text", std::move(text), {});
    } else if (seg.type == "at") {
      auto qq = value("qq");
      if (qq == "all") {
        append("mention_all", "@全体成员", {});
      } else if (!qq.empty()) {
        if (qq == self) msg.mentions_bot = true;
        append("mention", "@" + qq, qq);
      }
    } else if (seg.type == "face") {
      auto id = value("id");
      append("emoji", "[face:" + id + "]", id);
    } else if (seg.type == "image") {
      attachment a;
      a.name = value("file");
      a.url = value("url");
      if (a.url.empty()) a.url = a.name;
      msg.segments.push_back({"image", {}, a.url});
      msg.attachments.push_back(std::move(a));
    } else if (seg.type == "reply") {
      msg.reply_to = value("id");
    } else {
      msg.segments.push_back({seg.type, {}, {}});
    }
  }
}

std::optional<event> parse_event(std::string_view text,
                                 const std::string& bot_name,
                                 std::string* error) {
  auto fail = [error](const char* what) -> std::optional<event> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto obj = json::parse_object(text, error);
  if (!obj) return std::nullopt;
  event ev;
  auto post_type = json::get_string(*obj, "post_type");
  if (!post_type) return fail("post_type missing");
  ev.post_type = std::move(*post_type);
  auto self_id = json::get_int(*obj, "self_id");
  if (!self_id) return fail("self_id missing");
  ev.self_id = *self_id;
  ev.time = json::get_int(*obj, "time").value_or(0);
  ev.sub_type = json::get_string(*obj, "sub_type").value_or("");
  if (ev.post_type == "message") {
    ev.kind = event_kind::message;
    ev.detail_type = json::get_string(*obj, "message_type").value_or("");
    if (ev.detail_type != "private" && ev.detail_type != "group")
      return fail("unknown message_type");
    inbound_message msg;
    msg.platform = "onebot";
    msg.bot = bot_name;
    msg.timestamp = ev.time;
    auto message_id = json::get_int(*obj, "message_id");
    if (!message_id) return fail("message_id missing");
    msg.id = std::to_string(*message_id);
    auto user_id = json::get_int(*obj, "user_id");
    if (!user_id) return fail("user_id missing");
    msg.sender.id = std::to_string(*user_id);
    if (auto sender = json::member(*obj, "sender")) {
      auto card = json::get_string(*sender, "card").value_or("");
      msg.sender.name = !card.empty()
                          ? card
                          : json::get_string(*sender, "nickname").value_or("");
    }
    if (ev.detail_type == "group") {
      auto group_id = json::get_int(*obj, "group_id");
      if (!group_id) return fail("group_id missing");
      msg.context.room_id = gateway::make_room("group",
                                               std::to_string(*group_id));
    } else {
      msg.context.room_id = gateway::make_room("private", msg.sender.id);
    }
    auto message = json::member(*obj, "message");
    if (!message) return fail("message missing");
    std::optional<cq_message> segments;
    if (message->is_string())
      segments = parse_cq(message->get_ref<const std::string&>(), error);
    else
      segments = parse_segments_json(json::dump(*message), error);
    if (!segments) return std::nullopt;
    render_message(*segments, ev.self_id, msg);
    msg.raw = text;
    ev.message = std::move(msg);
  } else if (ev.post_type == "notice") {
    ev.kind = event_kind::notice;
    ev.detail_type = json::get_string(*obj, "notice_type").value_or("");
  } else if (ev.post_type == "request") {
    ev.kind = event_kind::request;
    ev.detail_type = json::get_string(*obj, "request_type").value_or("");
  } else if (ev.post_type == "meta_event") {
    ev.detail_type = json::get_string(*obj, "meta_event_type").value_or("");
    if (ev.detail_type == "heartbeat") {
      ev.kind = event_kind::heartbeat;
      auto interval = json::get_int(*obj, "interval");
      if (!interval || *interval <= 0)
        return fail("heartbeat interval missing or not positive");
      ev.heartbeat_interval = std::chrono::milliseconds{*interval};
      auto status = json::member(*obj, "status");
      ev.status = status ? json::dump(*status) : "null";
      if (status) {
        if (auto x = json::member(*status, "online"); x && x->is_boolean())
          ev.online = x->get<bool>();
        if (auto x = json::member(*status, "good"); x && x->is_boolean())
          ev.good = x->get<bool>();
      }
    } else if (ev.detail_type == "lifecycle") {
      ev.kind = event_kind::lifecycle;
      if (ev.sub_type == "connect")
        ev.lifecycle_type = lifecycle::connect;
      else if (ev.sub_type == "enable")
        ev.lifecycle_type = lifecycle::enable;
      else if (ev.sub_type == "disable")
        ev.lifecycle_type = lifecycle::disable;
    }
  }
  return ev;
}

} // namespace tether::onebot
