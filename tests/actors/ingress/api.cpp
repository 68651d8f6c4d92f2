#define CAF_SUITE actors.ingress.api

#include "support/supervision_fixture.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "actors/discord/interactions.hpp"
#include "actors/feishu/app.hpp"
#include "actors/ingress/api.hpp"
#include "actors/type_ids.hpp"
#include "actors/wechat/account.hpp"
#include "actors/wecom/app.hpp"
#include "config/logging.hpp"
#include "support/outbox_recorder.hpp"
#include "support/scripted_http_client.hpp"
#include "support/temp_dir.hpp"

// The senders of the webhook platforms (Feishu, WeCom, WeChat, Discord
// interactions) share the API outbox of actors/ingress/api: each reply
// from the outbox is confirmed once, by how its API request ended.

using namespace tether;
using namespace tether::supervision;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

std::string config_text(const std::string& data_dir) {
  return R"(
daemon:
  data_dir: )"
         + data_dir + R"(
platforms:
  - kind: feishu
    name: corp
    settings:
      app_id: cli_fake
      app_secret: feishu-secret
      verification_token: vtoken
      api_base: http://feishu.test
  - kind: wecom
    name: corp
    settings:
      corp_id: wx5823bf96d3bd56c7
      agent_id: 1000002
      secret: wecom-secret
      token: QDG6eK
      encoding_aes_key: jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C
      api_base: http://wecom.test
  - kind: wechat
    name: oa
    settings:
      app_id: wx0000000000000001
      app_secret: wechat-secret
      token: wtoken
      api_base: http://wechat.test
  - kind: discord_interactions
    name: main
    settings:
      application_id: "1234567890"
      public_key: )"
         + std::string(64, 'a') + R"(
      api_base: http://discord.test/api/v10
)";
}

struct fixture : tether::test::supervision_fixture {
  boost::asio::io_context io; // never run: no real I/O in this suite
  tether::test::temp_dir tmp{"tether-api"};
  runtime_ptr rt;
  std::shared_ptr<const config::tether_config> cfg;
  std::shared_ptr<tether::test::scripted_http_client> http
    = std::make_shared<tether::test::scripted_http_client>();
  tether::test::confirmation_log confirmed
    = std::make_shared<std::vector<tether::test::recorded_confirmation>>();
  caf::actor outbox;

  fixture() {
    auto loaded = config::load_string(config_text(tmp.path()), "api.yaml");
    for (auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded);
    cfg = std::make_shared<const config::tether_config>(*loaded.config);
    rt = std::make_shared<runtime>(sys, io, cfg);
    outbox = tether::test::register_outbox_recorder(sys, *rt, confirmed);
  }

  ~fixture() {
    caf::anon_send_exit(outbox, caf::exit_reason::kill);
  }

  const config::platform_entry& entry(const std::string& kind) {
    for (auto& x : cfg->platforms)
      if (x.kind == kind)
        return x;
    CAF_FAIL("no platform " << kind);
    return cfg->platforms.front();
  }

  void start(child_spec spec) {
    start_root(strategy::one_for_one, {std::move(spec)});
  }

  /// Index of the newest request whose URL contains `part`.
  size_t last_call(const std::string& part) {
    for (size_t i = http->calls.size(); i > 0; --i)
      if (http->calls[i - 1].request.url.find(part) != std::string::npos)
        return i - 1;
    CAF_FAIL("no request to " << part);
    return 0;
  }

  size_t count_calls(const std::string& part) {
    size_t n = 0;
    for (auto& c : http->calls)
      if (c.request.url.find(part) != std::string::npos)
        ++n;
    return n;
  }

  void answer(size_t index, int status, const std::string& body) {
    http->answer(index, status, body);
    sched.run();
  }

  void reply(const std::string& sender, const std::string& room,
             uint64_t outbox_id, const std::string& key = {}) {
    outbound_reply r;
    r.context.room_id = room;
    r.reply_to = "m" + std::to_string(outbox_id);
    r.text = "pong";
    r.outbox_id = outbox_id;
    r.idempotency_key = key;
    auto hdl = rt->directory().get(sender);
    CAF_REQUIRE(hdl);
    caf::anon_send(hdl, reply_atom::value, std::move(r));
    sched.run();
  }

  const tether::test::recorded_confirmation& confirmation(uint64_t id) {
    for (auto& c : *confirmed)
      if (c.outbox_id == id)
        return c;
    CAF_FAIL("no confirmation for " << id);
    return confirmed->front();
  }

  size_t confirmations(uint64_t id) {
    size_t n = 0;
    for (auto& c : *confirmed)
      if (c.outbox_id == id)
        ++n;
    return n;
  }

  // Fails the newest request to `part` with 503 until the outbox gives
  // up: ingress::outbox::max_attempts tries, 1, 2, 4 .. s apart.
  void fail_until_given_up(const std::string& part) {
    for (int attempt = 1; attempt <= ingress::outbox::max_attempts;
         ++attempt) {
      answer(last_call(part), 503, "busy");
      advance(std::chrono::seconds{int64_t{1} << (attempt - 1)});
    }
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ingress_api_tests, fixture)

CAF_TEST(feishu confirms every outcome and sends the key as uuid) {
  start(feishu::app_spec(rt, *cfg, entry("feishu"), http));
  answer(last_call("tenant_access_token"), 200,
         R"({"code":0,"tenant_access_token":"t-1","expire":7200})");
  reply("sender:feishu:corp", "oc_a", 1, "k1x");
  auto sent = last_call("/im/v1/messages");
  auto first = json::parse(http->calls[sent].request.body);
  CAF_CHECK_EQUAL(first["uuid"].get<std::string>(), "k1x");
  CAF_CHECK(confirmed->empty());
  answer(sent, 200, R"({"code":0,"msg":"success","data":{}})");
  CAF_CHECK_EQUAL(confirmation(1).outcome, "sent");
  // A code that names the chat: never worth another try.
  reply("sender:feishu:corp", "oc_b", 2, "k2x");
  answer(last_call("/im/v1/messages"), 400,
         R"({"code":230002,"msg":"bot not in chat"})");
  CAF_CHECK_EQUAL(confirmation(2).outcome, "rejected");
  CAF_CHECK_NOT_EQUAL(confirmation(2).error.find("230002"),
                      std::string::npos);
  // Server errors: the outbox retries, then gives up with retry.
  reply("sender:feishu:corp", "oc_c", 3, "k3x");
  fail_until_given_up("/im/v1/messages");
  CAF_CHECK_EQUAL(confirmation(3).outcome, "retry");
  CAF_CHECK_EQUAL(count_calls("/im/v1/messages"),
                  2u + ingress::outbox::max_attempts);
  for (uint64_t id = 1; id <= 3; ++id)
    CAF_CHECK_EQUAL(confirmations(id), 1u);
  // Without a key, the uuid is still set (derived from the reply).
  reply("sender:feishu:corp", "oc_d", 0);
  auto body = json::parse(http->calls[last_call("/im/v1/messages")]
                            .request.body);
  CAF_CHECK_EQUAL(body["uuid"].get<std::string>().size(), 32u);
}

CAF_TEST(wecom confirms message send results) {
  start(wecom::app_spec(rt, *cfg, entry("wecom"), http));
  answer(last_call("/cgi-bin/gettoken"), 200,
         R"({"errcode":0,"errmsg":"ok","access_token":"w-1",)"
         R"("expires_in":7200})");
  reply("sender:wecom:corp", "alice", 1);
  answer(last_call("/cgi-bin/message/send"), 200,
         R"({"errcode":0,"errmsg":"ok"})");
  CAF_CHECK_EQUAL(confirmation(1).outcome, "sent");
  reply("sender:wecom:corp", "bob", 2);
  answer(last_call("/cgi-bin/message/send"), 200,
         R"({"errcode":81013,"errmsg":"user & party & tag all invalid"})");
  CAF_CHECK_EQUAL(confirmation(2).outcome, "rejected");
  reply("sender:wecom:corp", "carol", 3);
  fail_until_given_up("/cgi-bin/message/send");
  CAF_CHECK_EQUAL(confirmation(3).outcome, "retry");
  CAF_CHECK_EQUAL(confirmed->size(), 3u);
}

CAF_TEST(wechat confirms customer service results) {
  start(wechat::account_spec(rt, *cfg, entry("wechat"), http));
  answer(last_call("/cgi-bin/token"), 200,
         R"({"access_token":"x-1","expires_in":7200})");
  reply("sender:wechat:oa", "openid-a", 1);
  answer(last_call("/message/custom/send"), 200,
         R"({"errcode":0,"errmsg":"ok"})");
  CAF_CHECK_EQUAL(confirmation(1).outcome, "sent");
  // 45015: the follower wrote more than 48 h ago.
  reply("sender:wechat:oa", "openid-b", 2);
  answer(last_call("/message/custom/send"), 200,
         R"({"errcode":45015,"errmsg":"response out of time limit"})");
  CAF_CHECK_EQUAL(confirmation(2).outcome, "rejected");
  CAF_CHECK_EQUAL(confirmed->size(), 2u);
}

CAF_TEST(discord interactions reject a reply without an interaction token) {
  start(discord::interactions_spec(rt, *cfg, entry("discord_interactions"),
                                   http));
  reply("sender:discord_interactions:main", "c1", 1);
  CAF_CHECK(http->calls.empty());
  CAF_CHECK_EQUAL(confirmation(1).outcome, "rejected");
  CAF_CHECK_NOT_EQUAL(confirmation(1).error.find("no interaction token"),
                      std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
