// Interactions received over HTTP (PROTOCOLS.md §1.12): the Ed25519
// request check, PING/PONG, slash commands into the unified message model
// and the response bodies. Pure functions.

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocols/message.hpp"

namespace tether::discord {

/// Interaction `type` values.
enum class interaction_type {
  ping = 1,
  application_command = 2,
  message_component = 3,
  autocomplete = 4,
  modal_submit = 5,
};

/// Checks X-Signature-Ed25519 (`signature_hex`) over X-Signature-Timestamp
/// + raw body with the application's public key (`public_key_hex`, from
/// the developer portal). Malformed hex is simply false; answer 401.
bool verify_interaction(std::string_view public_key_hex,
                        std::string_view signature_hex,
                        std::string_view timestamp, std::string_view body);

/// What we need to answer an interaction.
struct interaction {
  /// One of interaction_type, or a newer value.
  int type = 0;
  std::string id;
  std::string application_id;
  /// Valid for 15 minutes of follow-ups; keep it with the message id.
  std::string token;
};

/// Parses the request body. Errors: malformed JSON, no integer `type`, or
/// (except for PING) no id, application_id or token.
std::optional<interaction> parse_interaction(std::string_view body,
                                             std::string* error = nullptr);

/// Converts an APPLICATION_COMMAND:
/// - `platform` "discord", `bot` = `bot_name`, `id` = the interaction id,
///   `raw` = `body`, `timestamp` from the id's snowflake;
/// - `text` = `/name` followed by the option values in order, separated
///   by spaces (sub-command groups and sub-commands by name, strings
///   verbatim, numbers and booleans as JSON); one `text` segment;
/// - `sender`: member.user (guilds) or user (DMs): id, then member nick,
///   global_name or username; `context`: room = channel_id, guild =
///   guild_id;
/// - `mentions_bot` is true: a command is addressed to the bot.
/// Errors: not a command, no data.name or no user id, malformed JSON.
std::optional<inbound_message> convert_command(std::string_view body,
                                               const std::string& bot_name,
                                               std::string* error = nullptr);

/// `{"type":1}`, the answer to PING.
std::string pong_response();

/// `{"type":5}`: "thinking...", to be completed by a follow-up within
/// 15 minutes.
std::string deferred_response();

/// `{"type":4,"data":{"content":...,"allowed_mentions":{"parse":[]}}}`:
/// answers at once and pings nobody.
std::string message_response(std::string_view content);

/// `/webhooks/{application_id}/{token}`, relative to the API base, for
/// follow-up messages (append `/messages/@original` to edit the deferred
/// answer).
std::string followup_path(std::string_view application_id,
                          std::string_view token);

} // namespace tether::discord
