#define CAF_SUITE actors.qq.sender

#include "caf/test/dsl.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "actors/qq/sender.hpp"
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
    config::qq_settings cfg;
    cfg.app_id = "102000001";
    cfg.api_base = "http://qq.test";
    auto token = std::make_shared<qq::token_cell>();
    token->set("qq-token", std::chrono::steady_clock::now() + 1h);
    sender = qq::spawn_sender(self.ptr(), rt, "bot", cfg, http, token,
                              "platforms/qq:bot/rest");
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(outbox, caf::exit_reason::kill);
    caf::anon_send_exit(sender, caf::exit_reason::kill);
    sched.run();
  }

  void reply(const std::string& msg_id, uint32_t seq, uint64_t outbox_id,
             const std::string& room = "group:G1") {
    outbound_reply r;
    r.platform = "qq";
    r.bot = "bot";
    r.context.room_id = room;
    r.reply_to = msg_id;
    r.text = "pong";
    r.seq = seq;
    r.outbox_id = outbox_id;
    caf::anon_send(sender, reply_atom::value, std::move(r));
    sched.run();
  }

  void answer(size_t index, int status, const std::string& body) {
    http->answer(index, status, body);
    sched.run();
  }

  json body(size_t index) {
    return json::parse(http->calls.at(index).request.body);
  }

  const test::recorded_confirmation& last() {
    CAF_REQUIRE(!confirmed->empty());
    return confirmed->back();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(qq_sender_tests, fixture)

CAF_TEST(a reply from the outbox uses its seq as msg_seq and is confirmed) {
  reply("M1", 2, 7);
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  CAF_CHECK_EQUAL(http->calls[0].request.url,
                  "http://qq.test/v2/groups/G1/messages");
  CAF_CHECK_EQUAL(body(0)["msg_id"].get<std::string>(), "M1");
  CAF_CHECK_EQUAL(body(0)["msg_seq"].get<int>(), 2);
  CAF_CHECK(confirmed->empty());
  answer(0, 200,
         R"({"id":"ROBOT1.0_x","timestamp":"2024-01-01T00:00:00+08:00"})");
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(last().outbox_id, 7u);
  CAF_CHECK_EQUAL(last().outcome, "sent");
}

CAF_TEST(a resend QQ refuses as a duplicate msg_seq counts as sent) {
  // The daemon crashed after the first send; the outbox sends it again
  // with the same seq and QQ says the pair was used.
  reply("M1", 1, 8);
  CAF_CHECK_EQUAL(body(0)["msg_seq"].get<int>(), 1);
  answer(0, 400,
         R"({"code":40054005,"message":"消息被去重，请检查请求msgseq"})");
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(last().outbox_id, 8u);
  CAF_CHECK_EQUAL(last().outcome, "sent");
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
}

CAF_TEST(other API refusals are rejected and transient failures retried) {
  reply("M1", 1, 9);
  answer(0, 400, R"({"code":40034006,"message":"content is empty"})");
  CAF_CHECK_EQUAL(last().outbox_id, 9u);
  CAF_CHECK_EQUAL(last().outcome, "rejected");
  CAF_CHECK_NOT_EQUAL(last().error.find("40034006"), std::string::npos);
  // 503 three times: two retries with the same body, then retry.
  reply("M2", 1, 10);
  answer(1, 503, "");
  sched.advance_time(1s);
  sched.run();
  CAF_REQUIRE_EQUAL(http->calls.size(), 3u);
  answer(2, 503, "");
  sched.advance_time(2s);
  sched.run();
  CAF_REQUIRE_EQUAL(http->calls.size(), 4u);
  CAF_CHECK_EQUAL(http->calls[3].request.body, http->calls[1].request.body);
  CAF_CHECK_EQUAL(confirmed->size(), 1u);
  answer(3, 503, "");
  CAF_REQUIRE_EQUAL(confirmed->size(), 2u);
  CAF_CHECK_EQUAL(last().outbox_id, 10u);
  CAF_CHECK_EQUAL(last().outcome, "retry");
}

CAF_TEST(replies the scene cannot take are rejected without a request) {
  // Groups take five passive replies per message.
  reply("M1", 6, 11);
  CAF_CHECK(http->calls.empty());
  CAF_CHECK_EQUAL(last().outbox_id, 11u);
  CAF_CHECK_EQUAL(last().outcome, "rejected");
  CAF_CHECK_EQUAL(last().error, "limit_reached");
  reply("M1", 1, 12, "console");
  CAF_CHECK(http->calls.empty());
  CAF_CHECK_EQUAL(last().outbox_id, 12u);
  CAF_CHECK_EQUAL(last().outcome, "rejected");
}

CAF_TEST(replies without an outbox row keep counting msg_seq themselves) {
  reply("M1", 1, 0);
  reply("M1", 1, 0);
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  CAF_CHECK_EQUAL(body(0)["msg_seq"].get<int>(), 1);
  CAF_CHECK_EQUAL(body(1)["msg_seq"].get<int>(), 2);
  // An outbox reply's seq is noted: the tracker continues above it.
  reply("M1", 4, 13);
  reply("M1", 1, 0);
  CAF_REQUIRE_EQUAL(http->calls.size(), 4u);
  CAF_CHECK_EQUAL(body(2)["msg_seq"].get<int>(), 4);
  CAF_CHECK_EQUAL(body(3)["msg_seq"].get<int>(), 5);
  answer(0, 200, R"({"id":"a"})");
  answer(1, 200, R"({"id":"b"})");
  CAF_CHECK(confirmed->empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
