#define CAF_SUITE actors.discord.rest

#include "caf/test/dsl.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "actors/discord/rest.hpp"
#include "actors/type_ids.hpp"
#include "support/outbox_recorder.hpp"
#include "support/scripted_http_client.hpp"

using namespace tether;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct fixture : test_coordinator_fixture<> {
  boost::asio::io_context io; // never run: no real I/O in this suite
  runtime_ptr rt;
  std::shared_ptr<test::scripted_http_client> http
    = std::make_shared<test::scripted_http_client>();
  test::confirmation_log confirmed
    = std::make_shared<std::vector<test::recorded_confirmation>>();
  caf::actor outbox;
  caf::actor sender;

  fixture() {
    rt = std::make_shared<runtime>(
      sys, io, std::make_shared<const config::tether_config>());
    outbox = test::register_outbox_recorder(sys, *rt, confirmed);
  }

  ~fixture() {
    for (auto& hdl : {outbox, sender})
      if (hdl)
        caf::anon_send_exit(hdl, caf::exit_reason::kill);
    sched.run();
  }

  void start_bot() {
    config::discord_settings cfg;
    cfg.token = config::secret{"bot-token"};
    cfg.api_base = "http://discord.test/api/v10";
    sender = discord::spawn_bot_rest(self.ptr(), rt, "main", cfg, http,
                                      "platforms/discord:main/rest");
    sched.run();
  }

  void start_webhook() {
    config::discord_webhook_settings cfg;
    cfg.url = config::secret{"http://discord.test/api/webhooks/1/hook-token"};
    sender = discord::spawn_webhook_rest(self.ptr(), rt, "hook", cfg, http,
                                         "platforms/discord_webhook:hook");
    sched.run();
  }

  void reply(std::string text, uint64_t outbox_id, std::string key = {}) {
    outbound_reply r;
    r.platform = "discord";
    r.bot = "main";
    r.context.room_id = "111";
    r.reply_to = "222";
    r.text = std::move(text);
    r.outbox_id = outbox_id;
    r.idempotency_key = std::move(key);
    caf::anon_send(sender, reply_atom::value, std::move(r));
    sched.run();
  }

  void answer(size_t index, int status, std::string body = {}) {
    if (body.empty() && status >= 200 && status < 300)
      body = R"({"id":"999","channel_id":"111"})";
    http->answer(index, status, std::move(body));
    sched.run();
  }

  void advance(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }

  json body(size_t index) {
    return json::parse(http->calls.at(index).request.body);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(discord_rest_tests, fixture)

CAF_TEST(a reply from the outbox is confirmed once Discord created it) {
  start_bot();
  reply("pong", 7, "k7abc");
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  CAF_CHECK_EQUAL(http->calls[0].request.url,
                  "http://discord.test/api/v10/channels/111/messages");
  // The idempotency key is the nonce: a resend after a crash returns the
  // message Discord created the first time.
  CAF_CHECK_EQUAL(body(0)["nonce"].get<std::string>(), "k7abc");
  CAF_CHECK(body(0)["enforce_nonce"].get<bool>());
  CAF_CHECK(confirmed->empty());
  answer(0, 200);
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id, 7u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "sent");
}

CAF_TEST(a split reply is confirmed after its last part with a nonce per part) {
  start_bot();
  std::string text(2000, 'a');
  text += "\n";
  text += std::string(100, 'b');
  auto key = std::string(20, 'z');
  reply(text, 8, key);
  // (Each body(i) is a temporary: take values out, not references.)
  // One request per route at a time: the second part waits for the first.
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  CAF_CHECK_EQUAL(body(0)["nonce"].get<std::string>(), key + "-1");
  CAF_CHECK(body(0).contains("message_reference"));
  answer(0, 200);
  CAF_CHECK(confirmed->empty());
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  CAF_CHECK_EQUAL(body(1)["nonce"].get<std::string>(), key + "-2");
  CAF_CHECK(!body(1).contains("message_reference"));
  for (size_t i = 0; i < 2; ++i)
    CAF_CHECK_LESS_OR_EQUAL(body(i)["nonce"].get<std::string>().size(), 25u);
  answer(1, 200);
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id, 8u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "sent");
}

CAF_TEST(server errors past the retries end the reply with retry) {
  start_bot();
  reply("pong", 9, "k9");
  answer(0, 503);
  CAF_CHECK(confirmed->empty());
  // Backoff 1 s, 2 s, 4 s; every attempt carries the same nonce.
  advance(1s);
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  answer(1, 502);
  advance(2s);
  CAF_REQUIRE_EQUAL(http->calls.size(), 3u);
  answer(2, 500);
  advance(4s);
  CAF_REQUIRE_EQUAL(http->calls.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    CAF_CHECK_EQUAL(body(i)["nonce"].get<std::string>(), "k9");
  CAF_CHECK(confirmed->empty());
  answer(3, 503);
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id, 9u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "retry");
  CAF_CHECK_NOT_EQUAL(confirmed->at(0).error.find("gave up after 4"),
                      std::string::npos);
  advance(1min);
  CAF_CHECK_EQUAL(http->calls.size(), 4u);
}

CAF_TEST(a refused part rejects the reply and drops its other parts) {
  start_bot();
  std::string text(2000, 'a');
  text += "\n";
  text += std::string(100, 'b');
  reply(text, 10, "k10");
  answer(0, 403, R"({"code":50013,"message":"Missing Permissions"})");
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id, 10u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "rejected");
  CAF_CHECK_NOT_EQUAL(confirmed->at(0).error.find("HTTP 403"),
                      std::string::npos);
  advance(1min);
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
}

CAF_TEST(a reply without an outbox row keeps the generated nonce) {
  start_bot();
  reply("pong", 0);
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  auto nonce = body(0)["nonce"].get<std::string>();
  CAF_CHECK_EQUAL(nonce.size(), 25u);
  answer(0, 200);
  CAF_CHECK(confirmed->empty());
}

CAF_TEST(a webhook that answers 404 rejects what it still holds) {
  start_webhook();
  reply("one", 11);
  reply("two", 12);
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  answer(0, 404, R"({"code":10015,"message":"Unknown Webhook"})");
  CAF_REQUIRE_EQUAL(confirmed->size(), 2u);
  for (auto& c : *confirmed) {
    CAF_CHECK_EQUAL(c.outcome, "rejected");
    CAF_CHECK_NOT_EQUAL(c.error.find("404"), std::string::npos);
  }
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id + confirmed->at(1).outbox_id,
                  23u);
}

CAF_TEST(an empty reply is rejected at once) {
  start_bot();
  reply("", 13, "k13");
  CAF_CHECK(http->calls.empty());
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "rejected");
}

CAF_TEST_FIXTURE_SCOPE_END()
