#define CAF_SUITE actors.discord.shard

#include "support/supervision_fixture.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "actors/discord/dialect.hpp"
#include "actors/gateway/bot_state.hpp"
#include "actors/gateway/shards.hpp"
#include "actors/gateway/type_ids.hpp"
#include "actors/metrics/names.hpp"
#include "protocols/net/ws_session.hpp"
#include "support/recording_ws_session.hpp"

using namespace tether;
using namespace tether::gateway;
using namespace tether::supervision;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

using recording_session = tether::test::recording_ws_session;

// Grants every identify at once and counts them.
caf::behavior fake_identify_queue(caf::event_based_actor* self,
                                  std::shared_ptr<int> count) {
  return {
    [=](identify_atom, uint32_t) {
      ++*count;
      return caf::ok_atom::value;
    },
  };
}

// Forwards what the connection routes to the test.
caf::behavior fake_router(caf::event_based_actor* self, caf::actor test) {
  return {
    [=](inbound_atom, inbound_message& msg) {
      self->send(test, inbound_atom::value, std::move(msg));
    },
  };
}

const char* config_text = R"(
supervision:
  defaults:
    max_restarts: 3
    within: 1m
    backoff: {initial: 100ms, multiplier: 2, max: 1s, jitter: 0}
platforms:
  - kind: discord
    name: main
    settings:
      token: secret-token-value
      compress: none
      connect_timeout: 5s
      events: [GUILD_CREATE, MESSAGE_DELETE]
)";

struct fixture : tether::test::supervision_fixture {
  boost::asio::io_context io; // never run: no real I/O in this suite
  runtime_ptr rt;
  bot_ptr bot;
  std::shared_ptr<const config::tether_config> cfg;
  std::vector<std::shared_ptr<recording_session>> sessions;
  std::vector<caf::actor_addr> owners;
  std::shared_ptr<int> identifies = std::make_shared<int>(0);
  caf::actor queue;
  caf::actor router;

  fixture() {
    auto loaded = config::load_string(config_text, "discord.yaml");
    for (auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded);
    cfg = std::make_shared<const config::tether_config>(*loaded.config);
    rt = std::make_shared<runtime>(sys, io, cfg);
    auto settings = std::get<config::discord_settings>(
      cfg->platforms[0].settings);
    bot = std::make_shared<bot_state>(
      "main", discord::gateway_settings_of(settings),
      discord::dialect_factory("main", settings), "");
    bot->plan(shard_plan{1, 0, 0, 1, "ws://gateway.test"});
    bot->sessions([this](caf::actor_addr owner, const net::ws_options& opts) {
      auto s = std::make_shared<recording_session>(opts);
      sessions.push_back(s);
      owners.push_back(owner);
      return s;
    });
    queue = sys.spawn(fake_identify_queue, identifies);
    bot->identify_queue(queue);
    router = sys.spawn(fake_router, caf::actor_cast<caf::actor>(self));
    rt->directory().put("core/router", router);
    auto unit = shard_unit(rt, bot, 0, *cfg, "platforms/discord:main");
    start_root(strategy::one_for_one, {unit});
  }

  ~fixture() {
    for (auto& hdl : {queue, router})
      caf::anon_send_exit(hdl, caf::exit_reason::kill);
  }

  caf::actor connection() {
    return caf::actor_cast<caf::actor>(owners.back());
  }

  recording_session& session() {
    return *sessions.back();
  }

  void server(const std::string& frame) {
    caf::anon_send(connection(), net::ws_frame_atom::value, frame, false);
    sched.run();
  }

  void server_close(int code, std::string reason = {}) {
    net::ws_close_info info;
    info.code = code;
    info.reason = std::move(reason);
    info.by_peer = true;
    info.was_open = true;
    caf::anon_send(connection(), net::ws_closed_atom::value, info);
    sched.run();
  }

  void hello(int interval_ms = 1000) {
    caf::anon_send(connection(), net::ws_open_atom::value);
    server(R"({"op":10,"d":{"heartbeat_interval":)"
           + std::to_string(interval_ms) + "},\"s\":null,\"t\":null}");
  }

  void ready(const std::string& session_id = "sess-1", int64_t seq = 1) {
    server(R"({"op":0,"s":)" + std::to_string(seq)
           + R"(,"t":"READY","d":{"v":10,"user":{"id":"1000","username":"bot"},)"
             R"("guilds":[],"session_id":")"
           + session_id
           + R"(","resume_gateway_url":"ws://resume.test","shard":[0,1],)"
             R"("application":{"id":"1000","flags":0}}})");
  }

  std::vector<json> sent_ops(int op) {
    std::vector<json> result;
    for (auto& frame : session().sent) {
      auto doc = json::parse(frame, nullptr, false);
      if (!doc.is_discarded() && doc.value("op", -1) == op)
        result.push_back(doc);
    }
    return result;
  }

  node_snapshot unit() {
    return child_of(root, "root/shard:0");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(discord_shard_tests, fixture)

CAF_TEST(hello then identify then ready brings the unit up) {
  CAF_REQUIRE_EQUAL(sessions.size(), 1u);
  CAF_CHECK(session().started);
  CAF_CHECK_EQUAL(session().opts.url,
                  "ws://gateway.test/?v=10&encoding=json");
  CAF_CHECK_EQUAL(child_of(root, "root/shard:0/connection").state,
                  node_state::starting);
  hello();
  CAF_CHECK_EQUAL(*identifies, 1);
  auto identify = sent_ops(2);
  CAF_REQUIRE_EQUAL(identify.size(), 1u);
  CAF_CHECK_EQUAL(identify[0]["d"]["token"], "secret-token-value");
  CAF_CHECK_EQUAL(identify[0]["d"]["shard"], json::parse("[0,1]"));
  ready();
  CAF_CHECK_EQUAL(child_of(root, "root/shard:0/connection").state,
                  node_state::running);
  auto saved = bot->slot(0)->get();
  CAF_REQUIRE(saved);
  CAF_CHECK_EQUAL(saved->session_id, "sess-1");
  CAF_CHECK_EQUAL(saved->resume_url, "ws://resume.test");
}

CAF_TEST(heartbeats carry the last seq and a missed ack is a zombie) {
  hello(1000);
  ready("sess-1", 5);
  advance(1000ms); // the jittered first beat is due within one interval
  auto beats = sent_ops(1);
  CAF_REQUIRE_EQUAL(beats.size(), 1u);
  CAF_CHECK_EQUAL(beats[0]["d"], 5);
  server(R"({"op":11,"d":null,"s":null,"t":null})");
  server(R"({"op":0,"s":6,"t":"TYPING_START","d":{}})");
  advance(1000ms);
  beats = sent_ops(1);
  CAF_REQUIRE_EQUAL(beats.size(), 2u);
  CAF_CHECK_EQUAL(beats[1]["d"], 6);
  // No ACK for the second beat: the next tick finds a zombie.
  advance(1000ms);
  auto beat = child_of(root, "root/shard:0/heartbeat");
  CAF_CHECK_EQUAL(beat.state, node_state::backoff);
  CAF_CHECK_EQUAL(beat.last_exit_reason.find("zombie"), 0u);
  // one_for_all: the connection went down with it.
  CAF_CHECK_EQUAL(child_of(root, "root/shard:0/connection").state,
                  node_state::backoff);
  // The restarted unit resumes on the resume URL, no identify spent.
  advance(100ms);
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  CAF_CHECK_EQUAL(session().opts.url, "ws://resume.test/?v=10&encoding=json");
  hello(1000);
  auto resume = sent_ops(6);
  CAF_REQUIRE_EQUAL(resume.size(), 1u);
  CAF_CHECK_EQUAL(resume[0]["d"]["session_id"], "sess-1");
  CAF_CHECK_EQUAL(resume[0]["d"]["seq"], 6);
  CAF_CHECK_EQUAL(*identifies, 1);
  server(R"({"op":0,"s":7,"t":"RESUMED","d":{}})");
  CAF_CHECK_EQUAL(child_of(root, "root/shard:0/connection").state,
                  node_state::running);
}

CAF_TEST(the gateway asking for a beat gets one at once) {
  hello(45000);
  ready();
  server(R"({"op":1,"d":null})");
  CAF_CHECK_EQUAL(sent_ops(1).size(), 1u);
}

CAF_TEST(a restart closes with a code that keeps the session) {
  hello();
  ready();
  auto& first = *sessions.front();
  server(R"({"op":7,"d":null})");
  CAF_CHECK_EQUAL(first.close_code, 4000);
  advance(100ms);
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  hello();
  CAF_CHECK_EQUAL(sent_ops(6).size(), 1u);
}

CAF_TEST(invalid session false reconnects and identifies after 1 to 5 s) {
  hello(45000);
  ready();
  server(R"({"op":9,"d":false})");
  CAF_CHECK(!bot->slot(0)->get());
  advance(999ms);
  CAF_CHECK_EQUAL(sessions.size(), 1u);
  advance(4001ms); // waited, then the unit restarts after its 100ms backoff
  advance(100ms);
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  CAF_CHECK_EQUAL(session().opts.url, "ws://gateway.test/?v=10&encoding=json");
  hello(45000);
  CAF_CHECK_EQUAL(sent_ops(2).size(), 1u);
  CAF_CHECK_EQUAL(*identifies, 2);
}

CAF_TEST(invalid session true restarts and resumes) {
  hello();
  ready();
  server(R"({"op":9,"d":true})");
  advance(100ms);
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  hello();
  CAF_CHECK_EQUAL(sent_ops(6).size(), 1u);
}

CAF_TEST(close 4009 starts a new session) {
  hello();
  ready();
  server_close(4009, "Session timed out");
  CAF_CHECK(!bot->slot(0)->get());
  advance(100ms);
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  CAF_CHECK_EQUAL(session().opts.url, "ws://gateway.test/?v=10&encoding=json");
  hello();
  CAF_CHECK_EQUAL(sent_ops(2).size(), 1u);
  CAF_CHECK_EQUAL(*identifies, 2);
}

CAF_TEST(close 4004 parks the unit with the reason and never loops) {
  hello();
  server_close(4004, "Authentication failed");
  auto node = child_of(root, "root/shard:0");
  CAF_CHECK_EQUAL(node.state, node_state::parked);
  CAF_CHECK_EQUAL(node.last_exit_reason,
                  "fatal: discord closed the gateway: 4004 (authentication "
                  "failed) Authentication failed");
  advance(1h);
  CAF_CHECK_EQUAL(sessions.size(), 1u);
}

CAF_TEST(no hello within the deadline fails the connection) {
  caf::anon_send(connection(), net::ws_open_atom::value);
  sched.run();
  advance(9999ms);
  CAF_CHECK_EQUAL(child_of(root, "root/shard:0/connection").state,
                  node_state::starting);
  advance(1ms);
  auto node = child_of(root, "root/shard:0/connection");
  CAF_CHECK_EQUAL(node.state, node_state::backoff);
  CAF_CHECK_EQUAL(node.last_exit_reason, "hello_timeout");
}

CAF_TEST(message create reaches the router as a unified message) {
  hello();
  ready();
  server(R"({"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"id":"77","channel_id":"9",)"
         R"("guild_id":"5","author":{"id":"42","username":"alice"},)"
         R"("content":"hi <@1000>","timestamp":"2023-01-01T00:00:00+00:00",)"
         R"("mentions":[{"id":"1000","username":"bot"}],"attachments":[]}})");
  inbound_message msg;
  bool got = false;
  self->receive(
    [&](inbound_atom, inbound_message& x) {
      msg = x;
      got = true;
    },
    caf::after(0s) >> [] {});
  CAF_REQUIRE(got);
  CAF_CHECK_EQUAL(msg.platform, "discord");
  CAF_CHECK_EQUAL(msg.bot, "main");
  CAF_CHECK_EQUAL(msg.text, "hi @bot");
  CAF_CHECK_EQUAL(msg.context.room_id, "9");
  CAF_CHECK(msg.mentions_bot);
  // The bot's own messages are not routed.
  server(R"({"op":0,"s":3,"t":"MESSAGE_CREATE","d":{"id":"78","channel_id":"9",)"
         R"("author":{"id":"1000","username":"bot"},"content":"pong",)"
         R"("timestamp":"2023-01-01T00:00:00+00:00","mentions":[],)"
         R"("attachments":[]}})");
  self->receive([&](inbound_atom, inbound_message&) { CAF_FAIL("own msg"); },
                caf::after(0s) >> [] {});
}

CAF_TEST(listed dispatches reach the router raw and others do not) {
  hello();
  ready();
  server(R"({"op":0,"s":2,"t":"GUILD_CREATE","d":{"id":"5","name":"g",)"
         R"("channels":[]}})");
  server(R"({"op":0,"s":3,"t":"TYPING_START","d":{"channel_id":"9",)"
         R"("user_id":"42"}})");
  server(R"({"op":0,"s":4,"t":"MESSAGE_DELETE","d":{"id":"77",)"
         R"("channel_id":"9","guild_id":"5"}})");
  std::vector<inbound_message> got;
  for (int i = 0; i < 3; ++i)
    self->receive([&](inbound_atom, inbound_message& x) { got.push_back(x); },
                  caf::after(0s) >> [] {});
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[0].type, "event");
  CAF_CHECK_EQUAL(got[0].event, "GUILD_CREATE");
  CAF_CHECK_EQUAL(got[0].id, "5");
  CAF_CHECK_EQUAL(got[0].raw, R"({"id":"5","name":"g","channels":[]})");
  CAF_CHECK_EQUAL(got[1].type, "message_delete");
  CAF_CHECK_EQUAL(got[1].id, "77");
  CAF_CHECK_EQUAL(got[1].context.room_id, "9");
  CAF_CHECK_EQUAL(got[1].context.guild_id, "5");
  // Every dispatch's seq counts for resuming, routed or not.
  CAF_CHECK_EQUAL(bot->slot(0)->get()->seq, 4);
}

CAF_TEST(undecodable frames are counted and survived) {
  hello();
  ready();
  server("{not json");
  server(R"({"op":11})");
  CAF_CHECK_EQUAL(child_of(root, "root/shard:0").state, node_state::running);
  CAF_CHECK_EQUAL(child_of(root, "root/shard:0").restarts_total, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

// The series are process-wide and other tests use the same bot: compare
// before and after.
CAF_TEST_FIXTURE_SCOPE(discord_shard_metrics_tests, fixture)

CAF_TEST(the connection counts events beats and its time up) {
  auto& up = metrics::gateway_connections().with({"discord", "main"});
  auto& events = metrics::gateway_events().with({"discord", "main"});
  auto& reconnects = metrics::gateway_reconnects().with({"discord", "main"});
  auto& rtt = metrics::heartbeat_rtt().with({"discord", "main"});
  auto up0 = up.value();
  auto events0 = events.value();
  auto reconnects0 = reconnects.value();
  auto beats0 = rtt.count();
  hello(1000);
  CAF_CHECK_EQUAL(up.value(), up0);
  ready();
  CAF_CHECK_EQUAL(up.value(), up0 + 1);
  server(R"({"op":0,"s":2,"t":"TYPING_START","d":{}})");
  CAF_CHECK_EQUAL(events.value(), events0 + 2); // READY and TYPING_START
  advance(1000ms); // the first beat
  CAF_REQUIRE_EQUAL(sent_ops(1).size(), 1u);
  advance(40ms);
  server(R"({"op":11,"d":null,"s":null,"t":null})");
  CAF_CHECK_EQUAL(rtt.count(), beats0 + 1);
  // An ACK without a beat outstanding is not a round trip.
  server(R"({"op":11,"d":null,"s":null,"t":null})");
  CAF_CHECK_EQUAL(rtt.count(), beats0 + 1);
  CAF_CHECK_EQUAL(reconnects.value(), reconnects0);
  server(R"({"op":7,"d":null})"); // reconnect: the connection exits
  CAF_CHECK_EQUAL(up.value(), up0);
  advance(100ms);
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  CAF_CHECK_EQUAL(reconnects.value(), reconnects0 + 1);
  hello(1000);
  server(R"({"op":0,"s":3,"t":"RESUMED","d":{}})");
  CAF_CHECK_EQUAL(up.value(), up0 + 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
