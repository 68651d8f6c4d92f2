#define CAF_SUITE config.qq_family

#include "config/config.hpp"

#include "caf/test/unit_test.hpp"

using namespace tether::config;

namespace {

load_result load(const std::string& text) {
  return load_string(text, "q.yaml");
}

std::string errors_of(const load_result& r) {
  std::string out;
  for (auto& e : r.errors)
    out += e.to_string() + "\n";
  return out;
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST(a qq bot with defaults keeps its secret) {
  auto r = load(R"(
platforms:
  - kind: qq
    name: main
    settings:
      app_id: 102000001
      client_secret: s3cr3t-value
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& s = std::get<qq_settings>(r.config->platforms[0].settings);
  CAF_CHECK_EQUAL(s.app_id, "102000001");
  CAF_CHECK_EQUAL(s.client_secret.reveal(), "s3cr3t-value");
  CAF_CHECK(s.shards_auto);
  CAF_CHECK(!s.sandbox);
  CAF_CHECK_EQUAL(s.api_base, "");
  CAF_CHECK_EQUAL(s.intents.size(), 4u);
  CAF_CHECK_EQUAL(s.token_refresh_margin.count(),
                  std::chrono::duration_cast<duration>(
                    std::chrono::seconds{60})
                    .count());
}

CAF_TEST(qq settings are read and checked) {
  auto r = load(R"(
platforms:
  - kind: qq
    name: main
    settings:
      app_id: "1"
      client_secret: x
      shards: {count: 4, ids: 2-3}
      sandbox: true
      api_base: http://127.0.0.1:9/
      token_url: http://127.0.0.1:9/app/getAppAccessToken
      events: [GUILD_CREATE]
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& s = std::get<qq_settings>(r.config->platforms[0].settings);
  CAF_CHECK(!s.shards_auto);
  CAF_CHECK_EQUAL(s.shard_count, 4u);
  CAF_CHECK_EQUAL(s.shard_first, 2u);
  CAF_CHECK(s.sandbox);
  CAF_CHECK_EQUAL(s.api_base, "http://127.0.0.1:9");
  CAF_CHECK_EQUAL(s.events.size(), 1u);
  auto bad = load(R"(
platforms:
  - kind: qq
    name: main
    settings:
      client_secret: ""
      gateway_url: http://x
)");
  CAF_REQUIRE(!bad);
  auto text = errors_of(bad);
  CAF_MESSAGE(text);
  CAF_CHECK(has(text, "q.yaml:6:7: platforms[0].settings.app_id: missing"));
  CAF_CHECK(has(text, "platforms[0].settings.client_secret: must not be empty"));
  CAF_CHECK(has(text, "platforms[0].settings.gateway_url: expected a URL "
                      "starting with wss:// or ws://"));
}

CAF_TEST(mirai and onebot settings are read and checked) {
  auto r = load(R"(
platforms:
  - kind: mirai
    name: m
    settings:
      url: ws://127.0.0.1:8080/
      verify_key: k3y-value
      qq: 123456
      command_timeout: 5s
  - kind: onebot
    name: fwd
    settings:
      url: ws://127.0.0.1:6700
      access_token: t0ken-value
  - kind: onebot
    name: rev
    settings:
      mode: reverse
      listen: 127.0.0.1:6701
      self_id: 42
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& m = std::get<mirai_settings>(r.config->platforms[0].settings);
  CAF_CHECK_EQUAL(m.url, "ws://127.0.0.1:8080");
  CAF_CHECK_EQUAL(m.qq, 123456);
  CAF_CHECK_EQUAL(m.verify_key.reveal(), "k3y-value");
  auto& f = std::get<onebot_settings>(r.config->platforms[1].settings);
  CAF_CHECK(!f.reverse);
  CAF_CHECK_EQUAL(f.access_token.reveal(), "t0ken-value");
  auto& v = std::get<onebot_settings>(r.config->platforms[2].settings);
  CAF_CHECK(v.reverse);
  CAF_CHECK_EQUAL(v.listen, "127.0.0.1:6701");
  CAF_CHECK_EQUAL(v.path, "/onebot/v11/ws");
  CAF_CHECK_EQUAL(v.self_id, 42);
  auto bad = load(R"(
platforms:
  - kind: mirai
    name: m
    settings:
      url: http://x
      qq: 0
  - kind: onebot
    name: o
    settings:
      mode: sideways
  - kind: onebot
    name: r
    settings:
      mode: reverse
      listen: localhost
      path: ws
)");
  CAF_REQUIRE(!bad);
  auto text = errors_of(bad);
  CAF_MESSAGE(text);
  CAF_CHECK(has(text, "platforms[0].settings.url: expected a URL starting "
                      "with ws:// or wss://"));
  CAF_CHECK(has(text, "platforms[0].settings.verify_key: missing"));
  CAF_CHECK(has(text, "platforms[0].settings.qq"));
  CAF_CHECK(has(text, "platforms[1].settings.mode"));
  CAF_CHECK(has(text, "platforms[2].settings.listen: expected `host:port`"));
  CAF_CHECK(has(text, "platforms[2].settings.path: must start with `/`"));
}
