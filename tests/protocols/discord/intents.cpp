#define CAF_SUITE protocols.discord.intents

#include "protocols/discord/intents.hpp"

#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether::discord;

using strings = std::vector<std::string>;

CAF_TEST(every intent name has its bit) {
  struct {
    const char* name;
    int shift;
  } table[] = {
    {"GUILDS", 0},
    {"GUILD_MEMBERS", 1},
    {"GUILD_MODERATION", 2},
    {"GUILD_EXPRESSIONS", 3},
    {"GUILD_INTEGRATIONS", 4},
    {"GUILD_WEBHOOKS", 5},
    {"GUILD_INVITES", 6},
    {"GUILD_VOICE_STATES", 7},
    {"GUILD_PRESENCES", 8},
    {"GUILD_MESSAGES", 9},
    {"GUILD_MESSAGE_REACTIONS", 10},
    {"GUILD_MESSAGE_TYPING", 11},
    {"DIRECT_MESSAGES", 12},
    {"DIRECT_MESSAGE_REACTIONS", 13},
    {"DIRECT_MESSAGE_TYPING", 14},
    {"MESSAGE_CONTENT", 15},
    {"GUILD_SCHEDULED_EVENTS", 16},
    {"AUTO_MODERATION_CONFIGURATION", 20},
    {"AUTO_MODERATION_EXECUTION", 21},
    {"GUILD_MESSAGE_POLLS", 24},
    {"DIRECT_MESSAGE_POLLS", 25},
  };
  uint64_t all = 0;
  for (auto& row : table) {
    auto bit = intent_bit(row.name);
    CAF_REQUIRE(bit);
    CAF_CHECK_EQUAL(*bit, uint64_t{1} << row.shift);
    all |= *bit;
    CAF_CHECK_EQUAL(intent_names(*bit), strings{row.name});
  }
  CAF_CHECK_EQUAL(all, 0x331ffffu);
  CAF_CHECK_EQUAL(intent::guild_messages, 512u);
  CAF_CHECK_EQUAL(intent::message_content, 32768u);
}

CAF_TEST(the documented examples add up) {
  // PROTOCOLS.md V10: 5 = GUILDS | GUILD_MODERATION,
  // 513 = GUILDS | GUILD_MESSAGES.
  strings unknown;
  CAF_CHECK_EQUAL(intents_of({"GUILDS", "GUILD_MODERATION"}, &unknown), 5u);
  CAF_CHECK_EQUAL(intents_of({"GUILDS", "GUILD_MESSAGES"}, &unknown), 513u);
  CAF_CHECK_EQUAL(unknown, strings{});
  CAF_CHECK_EQUAL(intent_names(5), (strings{"GUILDS", "GUILD_MODERATION"}));
  CAF_CHECK_EQUAL(intent_names(513), (strings{"GUILDS", "GUILD_MESSAGES"}));
}

CAF_TEST(names match case insensitively and old names still work) {
  CAF_CHECK(intent_bit("guild_messages") == intent::guild_messages);
  CAF_CHECK(intent_bit("Message_Content") == intent::message_content);
  CAF_CHECK(intent_bit("GUILD_BANS") == intent::guild_moderation);
  CAF_CHECK(intent_bit("GUILD_EMOJIS_AND_STICKERS")
            == intent::guild_expressions);
  CAF_CHECK(!intent_bit("GUILD"));
  CAF_CHECK(!intent_bit("GUILDS "));
  CAF_CHECK(!intent_bit(""));
}

CAF_TEST(unknown names are reported and ignored) {
  strings unknown;
  auto bits = intents_of({"GUILDS", "GILDS", "MESSAGE_CONTENT", "42"},
                         &unknown);
  CAF_CHECK_EQUAL(bits, 1u | 32768u);
  CAF_CHECK_EQUAL(unknown, (strings{"GILDS", "42"}));
  CAF_CHECK_EQUAL(intents_of({"NOPE"}, nullptr), 0u);
  CAF_CHECK_EQUAL(intents_of({}, &unknown), 0u);
}

CAF_TEST(privileged intents are detected) {
  CAF_CHECK(is_privileged(intent::guild_members));
  CAF_CHECK(is_privileged(intent::guild_presences));
  CAF_CHECK(is_privileged(intent::message_content));
  CAF_CHECK(is_privileged(513 | intent::message_content));
  CAF_CHECK(!is_privileged(513));
  CAF_CHECK(!is_privileged(0));
  uint64_t all_but = 0x331ffffu & ~intent::privileged;
  CAF_CHECK(!is_privileged(all_but));
}

CAF_TEST(bits without a name are listed as numbers) {
  CAF_CHECK_EQUAL(intent_names((uint64_t{1} << 17) | 1),
                  (strings{"GUILDS", "131072"}));
  CAF_CHECK_EQUAL(intent_names(0), strings{});
}
