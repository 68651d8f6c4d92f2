// Gateway intents: the bits sent in Identify, and their names as written in
// the config (Discord's SCREAMING_CASE; matched case-insensitively).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::discord {

namespace intent {

constexpr uint64_t guilds = uint64_t{1} << 0;
constexpr uint64_t guild_members = uint64_t{1} << 1;
constexpr uint64_t guild_moderation = uint64_t{1} << 2;
constexpr uint64_t guild_expressions = uint64_t{1} << 3;
constexpr uint64_t guild_integrations = uint64_t{1} << 4;
constexpr uint64_t guild_webhooks = uint64_t{1} << 5;
constexpr uint64_t guild_invites = uint64_t{1} << 6;
constexpr uint64_t guild_voice_states = uint64_t{1} << 7;
constexpr uint64_t guild_presences = uint64_t{1} << 8;
constexpr uint64_t guild_messages = uint64_t{1} << 9;
constexpr uint64_t guild_message_reactions = uint64_t{1} << 10;
constexpr uint64_t guild_message_typing = uint64_t{1} << 11;
constexpr uint64_t direct_messages = uint64_t{1} << 12;
constexpr uint64_t direct_message_reactions = uint64_t{1} << 13;
constexpr uint64_t direct_message_typing = uint64_t{1} << 14;
constexpr uint64_t message_content = uint64_t{1} << 15;
constexpr uint64_t guild_scheduled_events = uint64_t{1} << 16;
constexpr uint64_t auto_moderation_configuration = uint64_t{1} << 20;
constexpr uint64_t auto_moderation_execution = uint64_t{1} << 21;
constexpr uint64_t guild_message_polls = uint64_t{1} << 24;
constexpr uint64_t direct_message_polls = uint64_t{1} << 25;

/// Intents that need a switch in the developer portal; without it
/// Identify fails with close code 4014.
constexpr uint64_t privileged = guild_members | guild_presences
                                | message_content;

} // namespace intent

/// The bit of one intent name, e.g. "GUILD_MESSAGES" or "guild_messages".
/// The pre-rename names GUILD_BANS and GUILD_EMOJIS_AND_STICKERS are
/// accepted too.
std::optional<uint64_t> intent_bit(std::string_view name);

/// ORs the bits of `names`; names it does not know are appended to
/// `*unknown` (when not null) and contribute nothing.
uint64_t intents_of(const std::vector<std::string>& names,
                    std::vector<std::string>* unknown);

/// True if any bit of `bits` is privileged.
bool is_privileged(uint64_t bits);

/// The canonical names of the bits set in `bits`, lowest bit first, then
/// any bits without a name as decimal values (for logs).
std::vector<std::string> intent_names(uint64_t bits);

} // namespace tether::discord
