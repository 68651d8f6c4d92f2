#define CAF_SUITE config.webhooks

#include "config/config.hpp"

#include "caf/test/unit_test.hpp"

using namespace tether::config;
using namespace std::chrono_literals;

namespace {

load_result load(const std::string& text) {
  return load_string(text, "w.yaml");
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

const std::string key43 = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

} // namespace

CAF_TEST(the ingress has defaults) {
  auto r = load("");
  CAF_REQUIRE(r);
  auto& g = r.config->ingress;
  CAF_CHECK_EQUAL(g.listen, "127.0.0.1:8088");
  CAF_CHECK_EQUAL(g.body_limit, 1048576u);
  CAF_CHECK_EQUAL(g.max_connections, 256u);
  CAF_CHECK(g.header_timeout == std::chrono::seconds{10});
  CAF_CHECK(g.body_timeout == std::chrono::seconds{10});
  CAF_CHECK(g.replay_window == std::chrono::minutes{5});
  CAF_CHECK(g.tls_cert.empty());
}

CAF_TEST(ingress keys are read and checked) {
  auto r = load(R"(
ingress:
  listen: 0.0.0.0:9000
  body_limit: 4096
  max_connections: 10
  header_timeout: 2s
  body_timeout: 3s
  replay_window: 1m
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& g = r.config->ingress;
  CAF_CHECK_EQUAL(g.listen, "0.0.0.0:9000");
  CAF_CHECK_EQUAL(g.body_limit, 4096u);
  CAF_CHECK_EQUAL(g.max_connections, 10u);
  CAF_CHECK(g.replay_window == std::chrono::minutes{1});
  auto bad = load("ingress:\n  listen: nohost\n  tls_cert: /c.pem\n  bogus: 1\n");
  CAF_REQUIRE(!bad);
  auto text = errors_of(bad);
  CAF_CHECK(has(text, "w.yaml:2:11: ingress.listen: invalid address"));
  CAF_CHECK(has(text, "w.yaml:3:13: ingress.tls_cert: `tls_cert` needs `tls_key`"));
  CAF_CHECK(has(text, "ingress.bogus"));
}

CAF_TEST(webhook platforms get defaults and default paths) {
  auto r = load(R"(
platforms:
  - kind: feishu
    name: corp
    settings:
      app_id: cli_1
      app_secret: s3cret-feishu
      verification_token: vt-123456
  - kind: wecom
    name: corp
    settings:
      corp_id: wx5823bf96d3bd56c7
      agent_id: 1000002
      secret: s3cret-wecom
      token: QDG6eK
      encoding_aes_key: )" + key43 + R"(
  - kind: wechat
    name: oa
    settings:
      app_id: wx01
      app_secret: s3cret-wechat
      token: AAAAA
  - kind: discord_interactions
    name: main
    settings:
      application_id: "123"
      public_key: )" + std::string(64, 'a') + R"(
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& ps = r.config->platforms;
  CAF_REQUIRE_EQUAL(ps.size(), 4u);
  auto& f = std::get<feishu_settings>(ps[0].settings);
  CAF_CHECK_EQUAL(f.path, "/hooks/feishu/corp");
  CAF_CHECK_EQUAL(f.api_base, "https://open.feishu.cn");
  CAF_CHECK_EQUAL(f.app_secret.reveal(), "s3cret-feishu");
  CAF_CHECK(f.encrypt_key.empty());
  auto& w = std::get<wecom_settings>(ps[1].settings);
  CAF_CHECK_EQUAL(w.path, "/hooks/wecom/corp");
  CAF_CHECK_EQUAL(w.agent_id, 1000002);
  CAF_CHECK_EQUAL(w.api_base, "https://qyapi.weixin.qq.com");
  auto& c = std::get<wechat_settings>(ps[2].settings);
  CAF_CHECK_EQUAL(c.path, "/hooks/wechat/oa");
  CAF_CHECK(c.mode == wechat_mode::plain);
  CAF_CHECK_EQUAL(c.api_base, "https://api.weixin.qq.com");
  auto& d = std::get<discord_interactions_settings>(ps[3].settings);
  CAF_CHECK_EQUAL(d.path, "/hooks/discord_interactions/main");
  CAF_CHECK_EQUAL(d.api_base, "https://discord.com/api/v10");
  CAF_CHECK_EQUAL(webhook_path(ps[3].settings), d.path);
}

CAF_TEST(two platforms on one path are an error) {
  auto r = load(R"(
platforms:
  - kind: wechat
    name: a
    settings:
      app_id: wx01
      app_secret: x1234
      token: t
      path: /hook
  - kind: discord_interactions
    name: b
    settings:
      application_id: "1"
      public_key: )" + std::string(64, 'b') + R"(
      path: /hook
)");
  CAF_REQUIRE(!r);
  auto text = errors_of(r);
  CAF_CHECK(has(text, "w.yaml:15:13: platforms[1].settings.path: webhook "
                      "path `/hook` is already used by the platform defined "
                      "at w.yaml:3"));
}

CAF_TEST(webhook settings are validated) {
  auto r = load(R"(
platforms:
  - kind: wechat
    name: a
    settings:
      app_id: wx01
      app_secret: x1234
      token: t
      mode: safe
  - kind: discord_interactions
    name: b
    settings:
      application_id: abc
      public_key: 1234
      reply_window: 3s
  - kind: wecom
    name: c
    settings:
      corp_id: wx1
      agent_id: 1
      secret: s1234
      token: t
      encoding_aes_key: short
      path: nope
  - kind: feishu
    name: d
    settings:
      app_id: cli
)");
  CAF_REQUIRE(!r);
  auto text = errors_of(r);
  CAF_CHECK(has(text, "platforms[0].settings.encoding_aes_key: required when "
                      "`mode` is `compatible` or `safe`"));
  CAF_CHECK(has(text, "platforms[1].settings.application_id: must be a "
                      "snowflake"));
  CAF_CHECK(has(text, "platforms[1].settings.public_key: must be 64 hex"));
  CAF_CHECK(has(text, "platforms[1].settings.reply_window: must be below 3s"));
  CAF_CHECK(has(text, "platforms[2].settings.encoding_aes_key: must be 43"));
  CAF_CHECK(has(text, "platforms[2].settings.path: must start with `/`"));
  CAF_CHECK(has(text, "platforms[3].settings.app_secret: missing required "
                      "key `app_secret`"));
  CAF_CHECK(has(text, "platforms[3].settings.verification_token: missing "
                      "required key `verification_token`"));
}
