#define CAF_SUITE actors.route_table

#include "caf/test/unit_test.hpp"

#include "actors/router/route_table.hpp"
#include "config/config.hpp"

using namespace tether;

namespace {

config::tether_config load(const std::string& yaml) {
  auto result = config::load_string(yaml, "routes.yaml");
  for (auto& err : result.errors)
    CAF_MESSAGE(err.to_string());
  CAF_REQUIRE(result);
  return *result.config;
}

inbound_message msg(std::string platform, std::string text,
                    std::string room = "r1", bool mention = false) {
  inbound_message x;
  x.platform = std::move(platform);
  x.bot = "main";
  x.text = std::move(text);
  x.context.room_id = std::move(room);
  x.sender.id = "u1";
  x.mentions_bot = mention;
  return x;
}

const char* yaml = R"yaml(
handlers:
  - kind: commands
  - kind: commands
    name: echo
  - kind: commands
    name: audit
routes:
  - match: {platform: sandbox, prefix: "/"}
    handler: commands
  - match: {regex: "^hi( |$)"}
    handlers: [echo, audit]
    final: false
  - match: {mentions_bot: true}
    handler: echo
  - handler: audit
)yaml";

using names = std::vector<std::string>;

} // namespace

CAF_TEST(the first final route that matches ends the search) {
  route_table t{load(yaml).routes};
  CAF_CHECK_EQUAL(t.size(), 4u);
  CAF_CHECK_EQUAL(t.match(msg("sandbox", "/ping")), names{"commands"});
  // Prefix and platform must both match.
  CAF_CHECK_EQUAL(t.match(msg("discord", "/ping")), names{"audit"});
}

CAF_TEST(non final routes fan out and handlers appear once) {
  route_table t{load(yaml).routes};
  CAF_CHECK_EQUAL(t.match(msg("discord", "hi there")),
                  (names{"echo", "audit"}));
  CAF_CHECK_EQUAL(t.match(msg("discord", "hi there", "r1", true)),
                  (names{"echo", "audit"}));
  CAF_CHECK_EQUAL(t.match(msg("discord", "hint")), names{"audit"});
}

CAF_TEST(mentions and sender and bot fields match exactly) {
  auto cfg = load(R"(
platforms:
  - kind: sandbox
    name: main
handlers:
  - kind: commands
routes:
  - match: {bot: main, sender: u1, mentions_bot: false}
    handler: commands
)");
  route_table t{cfg.routes};
  CAF_CHECK_EQUAL(t.match(msg("x", "a")), names{"commands"});
  CAF_CHECK_EQUAL(t.match(msg("x", "a", "r1", true)), names{});
  auto other = msg("x", "a");
  other.sender.id = "u2";
  CAF_CHECK_EQUAL(t.match(other), names{});
}

CAF_TEST(routes see messages unless they ask for other types) {
  auto cfg = load(R"(
handlers:
  - kind: commands
  - kind: commands
    name: guilds
  - kind: commands
    name: edits
routes:
  - match: {event: GUILD_CREATE}
    handler: guilds
  - match: {type: message_update}
    handler: edits
  - match: {type: "*", prefix: "/"}
    handler: commands
  - handler: commands
)");
  route_table t{cfg.routes};
  auto event = msg("discord", "");
  event.type = "event";
  event.event = "GUILD_CREATE";
  CAF_CHECK_EQUAL(t.match(event), names{"guilds"});
  event.event = "GUILD_DELETE";
  // The catch-all route takes messages only.
  CAF_CHECK_EQUAL(t.match(event), names{});
  auto edit = msg("discord", "/fixed");
  edit.type = "message_update";
  CAF_CHECK_EQUAL(t.match(edit), names{"edits"});
  CAF_CHECK_EQUAL(t.match(msg("discord", "hello")), names{"commands"});
  auto deleted = msg("discord", "/x");
  deleted.type = "message_delete";
  CAF_CHECK_EQUAL(t.match(deleted), names{"commands"});
}
