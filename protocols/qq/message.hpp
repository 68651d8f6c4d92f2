// QQ message events into the unified message model (PROTOCOLS.md §2.4,
// send-receive/event.md). Each event belongs to a scene, and the scene
// decides the reply endpoint (reply.hpp), so the converted message keeps
// it in its room id: `channel:<channel_id>`, `dm:<guild_id>`,
// `group:<group_openid>` or `c2c:<user_openid>` (gateway/room.hpp).

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocols/message.hpp"

namespace tether::qq {

enum class scene {
  /// A guild text channel: AT_MESSAGE_CREATE, MESSAGE_CREATE.
  guild_channel,
  /// A guild direct message: DIRECT_MESSAGE_CREATE.
  guild_dm,
  /// A QQ group: GROUP_AT_MESSAGE_CREATE.
  group,
  /// A one-to-one QQ chat: C2C_MESSAGE_CREATE.
  c2c,
};

/// The room-id prefix: "channel", "dm", "group" or "c2c".
std::string_view to_string(scene x);

std::optional<scene> scene_from_string(std::string_view x);

/// The scene of a dispatch name; nullopt for events that are not
/// messages (MESSAGE_DELETE, GUILD_CREATE, ...).
std::optional<scene> scene_of_event(std::string_view t);

/// The room id of a message in `s` whose endpoint key is `id`.
std::string make_room(scene s, std::string_view id);

struct room_target {
  qq::scene scene;
  /// channel_id, DM guild_id, group_openid or user_openid.
  std::string id;
};

/// Inverse of make_room; nullopt for rooms not made by it.
std::optional<room_target> parse_room(std::string_view room_id);

/// Converts the `d` of a message dispatch named `t`:
/// - `platform` "qq", `bot` = `bot_name`, `id` = `d.id` (the msg_id a
///   passive reply quotes), `raw` = `d`;
/// - `sender`: guild scenes: author.id and member.nick, else
///   author.username; group: author.member_openid; c2c:
///   author.user_openid (these carry no names);
/// - `context`: room as above; guild_id = `guild_id` (for DMs the source
///   guild `src_guild_id` when present); thread_id empty;
/// - `text`: content with `<@!id>`/`<@id>` rendered `@name` from
///   `mentions` (username; unknown ids stay `@id`), and `segments` of
///   `text` and `mention` (target = user id) whose texts concatenate to
///   `text`; other markup verbatim;
/// - `attachments`: url (https:// added when the scheme is missing, as
///   guild attachments arrive), filename, content_type, size;
/// - `timestamp`: ISO 8601 with offset → unix seconds;
/// - `reply_to` = message_reference.message_id;
/// - `mentions_bot`: always for AT_MESSAGE_CREATE and
///   GROUP_AT_MESSAGE_CREATE (they are sent because of an @), otherwise
///   when `bot_user_id` is among `mentions`.
/// Returns nullopt and sets `*error` for other events and malformed `d`
/// (no id, no author id, no room id, bad timestamp).
std::optional<inbound_message>
convert_message(std::string_view t, std::string_view d,
                const std::string& bot_name, const std::string& bot_user_id,
                std::string* error = nullptr);

} // namespace tether::qq
