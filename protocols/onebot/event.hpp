// OneBot v11 events (PROTOCOLS.md §4.3): messages into the unified model,
// notices and requests passed through by kind, and the meta events a
// connection watches (heartbeat, lifecycle).

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/message.hpp"
#include "protocols/onebot/cq_code.hpp"

namespace tether::onebot {

/// What a frame on a Universal connection is: an event pushed by the
/// implementation, or the response to one of our actions.
enum class frame_kind {
  event,
  response,
  invalid,
};

/// Events carry `post_type`; responses carry `retcode` or `status`.
frame_kind classify_frame(std::string_view json);

enum class event_kind {
  message,
  notice,
  request,
  heartbeat,
  lifecycle,
  /// Another meta_event type or an unknown post_type.
  other,
};

std::string_view to_string(event_kind x);

enum class lifecycle {
  /// Sent once per WebSocket connection (forward or reverse).
  connect,
  /// HTTP POST only.
  enable,
  /// HTTP POST only.
  disable,
};

struct event {
  event_kind kind = event_kind::other;
  int64_t time = 0;
  int64_t self_id = 0;
  std::string post_type;
  /// message_type, notice_type, request_type or meta_event_type.
  std::string detail_type;
  std::string sub_type;
  /// Set for kind message.
  std::optional<inbound_message> message;
  /// Heartbeat: milliseconds until the next one (`interval`).
  std::optional<std::chrono::milliseconds> heartbeat_interval;
  /// Heartbeat: the `status` object as JSON text ("null" when absent).
  std::string status;
  /// Heartbeat: status.online and status.good when present (online
  /// false means the account dropped while the implementation lives).
  std::optional<bool> online;
  std::optional<bool> good;
  /// Set for kind lifecycle with a known sub_type.
  std::optional<onebot::lifecycle> lifecycle_type;
};

/// Reads one event. Messages (private and group) become inbound_message:
/// - `platform` "onebot", `bot` = `bot_name`, `raw` = the event JSON;
/// - `id` = message_id, `timestamp` = time;
/// - `sender` = user_id, name = sender.card when non-empty, else
///   sender.nickname;
/// - `context.room_id` = `private:<user_id>` or `group:<group_id>`
///   (gateway/room.hpp);
/// - `message` as a CQ-code string or a segment array; `text` and
///   `segments`: text as `text`; at as `mention` (`@qq`, target qq) or,
///   for qq=all, `mention_all` (`@全体成员`); face as `emoji` (`[face:id]`,
///   target id); image as an `image` segment without text plus an
///   attachment (url, else file; name = file); reply sets `reply_to`;
///   other types become segments of that type without text;
/// - `mentions_bot` when an at segment names `self_id`. @all does not
///   count: it addresses everyone, not the bot.
/// Notices and requests keep their detail and sub types only (the raw
/// JSON stays with the caller). Returns nullopt and sets `*error` on
/// malformed JSON, a missing post_type or self_id, or a message without
/// user_id, message_id, message or (for groups) group_id.
std::optional<event> parse_event(std::string_view json,
                                 const std::string& bot_name,
                                 std::string* error = nullptr);

/// Fills text, segments, attachments, reply_to and mentions_bot of `msg`
/// from segments (the shared part of parse_event).
void render_message(const cq_message& xs, int64_t self_id,
                    inbound_message& msg);

} // namespace tether::onebot
