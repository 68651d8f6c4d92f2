#define CAF_SUITE config.discord

#include "caf/test/unit_test.hpp"

#include <cstdlib>
#include <sstream>

#include "actors/tree.hpp"
#include "config/config.hpp"

using namespace tether::config;

namespace {

load_result load(const std::string& text) {
  return load_string(text, "d.yaml");
}

std::string errors_of(const load_result& r) {
  std::string out;
  for (auto& e : r.errors)
    out += e.to_string() + "\n";
  return out;
}

} // namespace

CAF_TEST(a discord bot with defaults) {
  setenv("TETHER_TEST_DISCORD_TOKEN", "abc.def.ghi", 1);
  auto r = load(R"(
platforms:
  - kind: discord
    name: main
    settings:
      token: ${TETHER_TEST_DISCORD_TOKEN}
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& s = std::get<discord_settings>(r.config->platforms[0].settings);
  CAF_CHECK_EQUAL(s.token.reveal(), "abc.def.ghi");
  CAF_CHECK(s.shards_auto);
  CAF_CHECK(s.compress);
  CAF_CHECK_EQUAL(s.api_base, "https://discord.com/api/v10");
  CAF_CHECK_EQUAL(s.intents.size(), 4u);
  CAF_CHECK_EQUAL(r.config->platforms[0].id(), "discord:main");
}

CAF_TEST(discord settings are read and checked) {
  auto r = load(R"(
platforms:
  - kind: discord
    name: big
    settings:
      token: t0k3n-value
      intents: [GUILDS, GUILD_MESSAGES]
      shards: {count: 16, ids: 4-7}
      compress: none
      api_base: http://127.0.0.1:9/api/v10/
      gateway_url: ws://127.0.0.1:9/gateway
      ping_interval: 0s
      ca_file: /tmp/ca.pem
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& s = std::get<discord_settings>(r.config->platforms[0].settings);
  CAF_CHECK(!s.shards_auto);
  CAF_CHECK_EQUAL(s.shard_count, 16u);
  CAF_CHECK_EQUAL(s.shard_first, 4u);
  CAF_CHECK_EQUAL(s.shard_last, 7u);
  CAF_CHECK(!s.compress);
  CAF_CHECK_EQUAL(s.api_base, "http://127.0.0.1:9/api/v10");
  CAF_CHECK_EQUAL(s.ping_interval.count(), 0);
  CAF_CHECK_EQUAL(s.intents_pos.line, 7);
}

CAF_TEST(bad discord settings name file line and key) {
  auto r = load(R"(
platforms:
  - kind: discord
    name: main
    settings:
      tokn: x
      shards: {count: 4, ids: 2-9}
      compress: gzip
      gateway_url: https://wrong
)");
  CAF_REQUIRE(!r);
  auto text = errors_of(r);
  CAF_MESSAGE(text);
  CAF_CHECK(text.find("d.yaml:6:7: platforms[0].settings.tokn: unknown key")
            != std::string::npos);
  CAF_CHECK(text.find("did you mean `token`") != std::string::npos);
  CAF_CHECK(text.find("d.yaml:6:7: platforms[0].settings.token: missing")
            != std::string::npos);
  CAF_CHECK(text.find("platforms[0].settings.shards.ids: shard ids must")
            != std::string::npos);
  CAF_CHECK(text.find("platforms[0].settings.compress") != std::string::npos);
  CAF_CHECK(text.find("platforms[0].settings.gateway_url: expected a URL "
                      "starting with wss:// or ws://")
            != std::string::npos);
}

CAF_TEST(events and event routes are checked) {
  auto r = load(R"(
platforms:
  - kind: discord
    name: main
    settings:
      token: t0k3n-value
      events: [GUILD_CREATE, MESSAGE_CREATE]
handlers:
  - kind: commands
routes:
  - match: {type: message, event: GUILD_CREATE}
    handler: commands
  - match: {type: edits}
    handler: commands
)");
  CAF_REQUIRE(!r);
  auto text = errors_of(r);
  CAF_MESSAGE(text);
  CAF_CHECK(text.find("d.yaml:7:30: platforms[0].settings.events")
            != std::string::npos);
  CAF_CHECK(text.find("MESSAGE_CREATE is always routed") != std::string::npos);
  CAF_CHECK(text.find("routes[0].match.event: `event` matches only `type: "
                      "event`")
            != std::string::npos);
  CAF_CHECK(text.find("routes[1].match.type") != std::string::npos);
}

CAF_TEST(unknown intents are reported with their position) {
  auto r = load(R"(
platforms:
  - kind: discord
    name: main
    settings:
      token: t0k3n-value
      intents: [GUILDS, GUILD_MESAGES]
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto errors = tether::validate(*r.config);
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0].to_string(),
                  "d.yaml:7:16: platforms[0].settings.intents: unknown "
                  "intent `GUILD_MESAGES`");
}

CAF_TEST(a webhook platform keeps its url secret) {
  setenv("TETHER_TEST_WEBHOOK", "https://discord.com/api/webhooks/1/SECRET", 1);
  auto r = load(R"(
platforms:
  - kind: discord_webhook
    name: alerts
    settings:
      url: ${TETHER_TEST_WEBHOOK}
      username: tether
      wait: true
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& s = std::get<discord_webhook_settings>(
    r.config->platforms[0].settings);
  CAF_CHECK_EQUAL(s.url.reveal(), "https://discord.com/api/webhooks/1/SECRET");
  CAF_CHECK(s.wait);
  std::ostringstream out;
  out << s.url;
  CAF_CHECK_EQUAL(out.str(), "<redacted>");
}
