// MESSAGE_CREATE / MESSAGE_UPDATE dispatches into the unified message model
// (protocols/message.hpp).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/message.hpp"

namespace tether::discord {

/// Converts the `d` object of a MESSAGE_CREATE (or a full MESSAGE_UPDATE):
/// - `platform` "discord", `bot` = `bot_name`, `id`, `raw` = `d`;
/// - `sender` = author id and global_name, else username;
/// - `timestamp`: the ISO 8601 `timestamp` as unix seconds (0 if absent);
/// - `context`: room = channel_id, guild = guild_id (empty in DMs);
/// - `text`: content with `<@id>`/`<@!id>` as `@name` (from `mentions`:
///   member nick, else global_name, else username; unknown ids stay
///   `@id`), `<#id>` as `#id`, `<@&id>` as `@role`, custom emoji
///   `<:name:id>`/`<a:name:id>` as `:name:`; anything else (`<t:..:R>`,
///   `@everyone`) verbatim;
/// - `segments`: `text` pieces and one `mention` (target user id), `role`
///   (target role id), `channel` (target channel id) or `emoji` (target
///   emoji id) per token, whose texts concatenate to `text`;
/// - `attachments` (url, filename, content_type, size);
/// - `reply_to` = message_reference.message_id unless the reference is a
///   forward (type 1);
/// - `mentions_bot` if `bot_user_id` is among `mentions`.
/// Returns nullopt and sets `*error` when `d` is not a message object (no
/// `id`, `channel_id` or `author.id`, or malformed JSON or timestamp).
///
/// Uses simdjson's DOM (json_input.hpp says why not on-demand). Thread CPU
/// time per conversion (g++ 12 -O2, busy 2-core VM): 1.2 us for the 1.4 KB
/// sample in tests/protocols/discord/message.cpp, where nlohmann::json
/// needs 15 us (parse plus lookups, without rendering); on a 2.2 KB
/// message the DOM took 1.5 us and on-demand 2.4 us.
std::optional<inbound_message>
convert_message_create(std::string_view d, const std::string& bot_name,
                       const std::string& bot_user_id,
                       std::string* error = nullptr);

/// The ids most dispatches carry at the top of `d`: `id`, `channel_id`,
/// `guild_id`, and `unavailable` (GUILD_DELETE for an outage, not a kick).
struct dispatch_ids {
  std::string id;
  std::string channel_id;
  std::string guild_id;
  bool unavailable = false;
};

/// Reads dispatch_ids from `d`; nullopt if `d` is not a JSON object. Absent
/// fields stay empty.
std::optional<dispatch_ids> parse_dispatch_ids(std::string_view d);

/// A dispatch other than MESSAGE_CREATE for handlers that want it:
/// MESSAGE_UPDATE becomes type `message_update` (converted like
/// MESSAGE_CREATE when `d` is a full message, else only ids and raw),
/// MESSAGE_DELETE type `message_delete`, everything else type `event` with
/// `event` = `t`. Ids fill `id` and `context`; `raw` = `d`. Nullopt when `d`
/// is not a JSON object.
std::optional<inbound_message>
convert_dispatch(std::string_view t, std::string_view d,
                 const std::string& bot_name, const std::string& bot_user_id);

/// Unix seconds of an ISO 8601 / RFC 3339 time such as
/// `2024-05-01T12:34:56.789000+00:00` (fraction dropped; no zone = UTC).
std::optional<int64_t> parse_iso8601(std::string_view x);

} // namespace tether::discord
