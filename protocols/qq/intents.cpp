#include "protocols/qq/intents.hpp"

#include "protocols/gateway/named_bits.hpp"

namespace tether::qq {

namespace {

using gateway::named_bit;

constexpr named_bit intent_table[] = {
  {"GUILDS", intent::guilds},
  {"GUILD_MEMBERS", intent::guild_members},
  {"GUILD_MESSAGES", intent::guild_messages},
  {"GUILD_MESSAGE_REACTIONS", intent::guild_message_reactions},
  {"DIRECT_MESSAGE", intent::direct_message},
  {"OPEN_FORUMS_EVENT", intent::open_forums_event},
  {"AUDIO_OR_LIVE_CHANNEL_MEMBER", intent::audio_or_live_channel_member},
  {"GROUP_AND_C2C_EVENT", intent::group_and_c2c_event},
  {"INTERACTION", intent::interaction},
  {"MESSAGE_AUDIT", intent::message_audit},
  {"FORUMS_EVENT", intent::forums_event},
  {"AUDIO_ACTION", intent::audio_action},
  {"PUBLIC_GUILD_MESSAGES", intent::public_guild_messages},
  // botpy's spelling (`open_forum_event`).
  {"OPEN_FORUM_EVENT", intent::open_forums_event},
};

constexpr gateway::bit_names names{intent_table, 13};

} // namespace

std::optional<uint64_t> intent_bit(std::string_view name) {
  return names.find(name);
}

std::optional<uint64_t> parse_intents(const std::vector<std::string>& xs,
                                      std::string* error) {
  return names.parse(xs, "intent", error);
}

std::vector<std::string> intent_names(uint64_t bits) {
  return names.names_of(bits);
}

bool needs_application(uint64_t bits) {
  return (bits & ~intent::granted_by_default) != 0;
}

} // namespace tether::qq
