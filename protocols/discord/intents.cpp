#include "protocols/discord/intents.hpp"

#include <iterator>

namespace tether::discord {

namespace {

struct named_intent {
  std::string_view name;
  uint64_t bit;
};

constexpr named_intent intent_table[] = {
  {"GUILDS", intent::guilds},
  {"GUILD_MEMBERS", intent::guild_members},
  {"GUILD_MODERATION", intent::guild_moderation},
  {"GUILD_EXPRESSIONS", intent::guild_expressions},
  {"GUILD_INTEGRATIONS", intent::guild_integrations},
  {"GUILD_WEBHOOKS", intent::guild_webhooks},
  {"GUILD_INVITES", intent::guild_invites},
  {"GUILD_VOICE_STATES", intent::guild_voice_states},
  {"GUILD_PRESENCES", intent::guild_presences},
  {"GUILD_MESSAGES", intent::guild_messages},
  {"GUILD_MESSAGE_REACTIONS", intent::guild_message_reactions},
  {"GUILD_MESSAGE_TYPING", intent::guild_message_typing},
  {"DIRECT_MESSAGES", intent::direct_messages},
  {"DIRECT_MESSAGE_REACTIONS", intent::direct_message_reactions},
  {"DIRECT_MESSAGE_TYPING", intent::direct_message_typing},
  {"MESSAGE_CONTENT", intent::message_content},
  {"GUILD_SCHEDULED_EVENTS", intent::guild_scheduled_events},
  {"AUTO_MODERATION_CONFIGURATION", intent::auto_moderation_configuration},
  {"AUTO_MODERATION_EXECUTION", intent::auto_moderation_execution},
  {"GUILD_MESSAGE_POLLS", intent::guild_message_polls},
  {"DIRECT_MESSAGE_POLLS", intent::direct_message_polls},
  // Names Discord used before renaming these bits.
  {"GUILD_BANS", intent::guild_moderation},
  {"GUILD_EMOJIS_AND_STICKERS", intent::guild_expressions},
};

// Entries past this index are aliases, skipped by intent_names.
constexpr size_t canonical_count = 21;

bool equal_ignoring_case(std::string_view x, std::string_view upper) {
  if (x.size() != upper.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

} // namespace

std::optional<uint64_t> intent_bit(std::string_view name) {
  for (auto& x : intent_table)
    if (equal_ignoring_case(name, x.name)) return x.bit;
  return std::nullopt;
}

uint64_t intents_of(const std::vector<std::string>& names,
                    std::vector<std::string>* unknown) {
  uint64_t bits = 0;
  for (auto& name : names) {
    if (auto bit = intent_bit(name))
      bits |= *bit;
    else if (unknown)
      unknown->push_back(name);
  }
  return bits;
}

bool is_privileged(uint64_t bits) {
  return (bits & intent::privileged) != 0;
}

std::vector<std::string> intent_names(uint64_t bits) {
  static_assert(std::size(intent_table) > canonical_count);
  std::vector<std::string> result;
  for (size_t i = 0; i < canonical_count; ++i) {
    if (bits & intent_table[i].bit) {
      result.emplace_back(intent_table[i].name);
      bits &= ~intent_table[i].bit;
    }
  }
  for (int i = 0; i < 64; ++i)
    if (bits & (uint64_t{1} << i))
      result.push_back(std::to_string(uint64_t{1} << i));
  return result;
}

} // namespace tether::discord
