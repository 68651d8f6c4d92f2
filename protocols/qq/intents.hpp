// QQ gateway intents (PROTOCOLS.md §2.4): the bits sent in Identify and
// their names as written in the config (matched case-insensitively).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::qq {

namespace intent {

constexpr uint64_t guilds = uint64_t{1} << 0;
constexpr uint64_t guild_members = uint64_t{1} << 1;
/// Private-domain bots only.
constexpr uint64_t guild_messages = uint64_t{1} << 9;
constexpr uint64_t guild_message_reactions = uint64_t{1} << 10;
constexpr uint64_t direct_message = uint64_t{1} << 12;
/// Bits 18 and 19 come from botpy, not from the official list.
constexpr uint64_t open_forums_event = uint64_t{1} << 18;
constexpr uint64_t audio_or_live_channel_member = uint64_t{1} << 19;
constexpr uint64_t group_and_c2c_event = uint64_t{1} << 25;
constexpr uint64_t interaction = uint64_t{1} << 26;
constexpr uint64_t message_audit = uint64_t{1} << 27;
/// Private-domain bots only.
constexpr uint64_t forums_event = uint64_t{1} << 28;
constexpr uint64_t audio_action = uint64_t{1} << 29;
constexpr uint64_t public_guild_messages = uint64_t{1} << 30;

/// Granted to every bot; the others need an application, and asking for
/// one not granted closes the connection (4013/4014).
constexpr uint64_t granted_by_default = guilds | guild_members
                                        | public_guild_messages;

} // namespace intent

/// The bit of one intent name, e.g. "PUBLIC_GUILD_MESSAGES" or
/// "group_and_c2c_event"; botpy's OPEN_FORUM_EVENT is accepted too.
std::optional<uint64_t> intent_bit(std::string_view name);

/// ORs the bits of `names`, or returns nullopt and sets `*error` to
/// `unknown intent "X"; valid names: GUILDS, ...`.
std::optional<uint64_t> parse_intents(const std::vector<std::string>& names,
                                      std::string* error = nullptr);

/// The names of the bits set in `bits`, lowest bit first, then unnamed
/// bits as decimal values (for logs).
std::vector<std::string> intent_names(uint64_t bits);

/// True if `bits` asks for anything beyond intent::granted_by_default.
bool needs_application(uint64_t bits);

} // namespace tether::qq
