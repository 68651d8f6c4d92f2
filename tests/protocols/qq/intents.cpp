#define CAF_SUITE protocols.qq.intents

#include "protocols/qq/intents.hpp"

#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether::qq;

using strings = std::vector<std::string>;

CAF_TEST(every documented intent name has its bit) {
  struct {
    const char* name;
    int shift;
  } table[] = {
    {"GUILDS", 0},
    {"GUILD_MEMBERS", 1},
    {"GUILD_MESSAGES", 9},
    {"GUILD_MESSAGE_REACTIONS", 10},
    {"DIRECT_MESSAGE", 12},
    {"OPEN_FORUMS_EVENT", 18},
    {"AUDIO_OR_LIVE_CHANNEL_MEMBER", 19},
    {"GROUP_AND_C2C_EVENT", 25},
    {"INTERACTION", 26},
    {"MESSAGE_AUDIT", 27},
    {"FORUMS_EVENT", 28},
    {"AUDIO_ACTION", 29},
    {"PUBLIC_GUILD_MESSAGES", 30},
  };
  for (auto& row : table) {
    CAF_MESSAGE(row.name);
    auto bit = intent_bit(row.name);
    CAF_REQUIRE(bit);
    CAF_CHECK_EQUAL(*bit, uint64_t{1} << row.shift);
    CAF_CHECK_EQUAL(intent_names(*bit), strings{row.name});
  }
}

CAF_TEST(names match in any case and botpy spelling is accepted) {
  CAF_CHECK_EQUAL(intent_bit("public_guild_messages").value_or(0),
                  intent::public_guild_messages);
  CAF_CHECK_EQUAL(intent_bit("open_forum_event").value_or(0),
                  intent::open_forums_event);
  CAF_CHECK(!intent_bit("DIRECT_MESSAGES")); // Discord's plural
  CAF_CHECK(!intent_bit("MESSAGE_CONTENT"));
}

CAF_TEST(the identify example asks for guilds and guild messages) {
  // PROTOCOLS.md §2.3 Identify: "intents":513.
  auto bits = parse_intents({"GUILDS", "GUILD_MESSAGES"});
  CAF_REQUIRE(bits);
  CAF_CHECK_EQUAL(*bits, 513u);
  CAF_CHECK_EQUAL(intent_names(513), (strings{"GUILDS", "GUILD_MESSAGES"}));
}

CAF_TEST(an unknown name is an error that lists the valid names) {
  std::string error;
  CAF_CHECK(!parse_intents({"GUILDS", "GUILD_PRESENCES"}, &error));
  CAF_CHECK_EQUAL(error,
                  "unknown intent \"GUILD_PRESENCES\"; valid names: GUILDS, "
                  "GUILD_MEMBERS, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS, "
                  "DIRECT_MESSAGE, OPEN_FORUMS_EVENT, "
                  "AUDIO_OR_LIVE_CHANNEL_MEMBER, GROUP_AND_C2C_EVENT, "
                  "INTERACTION, MESSAGE_AUDIT, FORUMS_EVENT, AUDIO_ACTION, "
                  "PUBLIC_GUILD_MESSAGES");
  CAF_CHECK_EQUAL(parse_intents({}).value_or(1), 0u);
}

CAF_TEST(default grants need no application) {
  CAF_CHECK(!needs_application(intent::guilds | intent::guild_members
                               | intent::public_guild_messages));
  CAF_CHECK(needs_application(intent::group_and_c2c_event));
  CAF_CHECK(needs_application(intent::guild_messages | intent::guilds));
  CAF_CHECK_EQUAL(intent_names(uint64_t{1} << 40), strings{"1099511627776"});
}
