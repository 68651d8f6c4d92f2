#define CAF_SUITE actors.mirai.client

#include "support/supervision_fixture.hpp"

#include <set>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "actors/mirai/client.hpp"
#include "actors/metrics/names.hpp"
#include "actors/mirai/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/mirai/frame.hpp"
#include "protocols/net/ws_session.hpp"
#include "support/outbox_recorder.hpp"
#include "support/recording_ws_session.hpp"

using namespace tether;
using namespace tether::supervision;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

using recording_session = tether::test::recording_ws_session;

constexpr auto node_path = "root/mirai:main";

// Forwards what the client routes to the test.
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
  - kind: mirai
    name: main
    settings:
      url: ws://mirai.test:8080
      verify_key: vk-secret-4711
      qq: 10001
      command_timeout: 5s
      idle_probe: 30s
      connect_timeout: 2s
)";

struct fixture : tether::test::supervision_fixture {
  boost::asio::io_context io; // never run: no real I/O in this suite
  runtime_ptr rt;
  std::shared_ptr<const config::tether_config> cfg;
  std::vector<std::shared_ptr<recording_session>> sessions;
  std::vector<caf::actor_addr> owners;
  caf::actor router;
  std::shared_ptr<std::vector<std::string>> lines
    = std::make_shared<std::vector<std::string>>();
  tether::test::confirmation_log confirmed
    = std::make_shared<std::vector<tether::test::recorded_confirmation>>();
  caf::actor outbox;

  fixture() {
    auto loaded = config::load_string(config_text, "mirai.yaml");
    for (auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded);
    cfg = std::make_shared<const config::tether_config>(*loaded.config);
    rt = std::make_shared<runtime>(sys, io, cfg);
    auto captured = lines;
    logging::set_capture(
      [captured](const std::string& line) { captured->push_back(line); });
    router = sys.spawn(fake_router, caf::actor_cast<caf::actor>(self));
    rt->directory().put("core/router", router);
    outbox = tether::test::register_outbox_recorder(sys, *rt, confirmed);
    auto spec = mirai::client_spec(
      rt, *cfg, cfg->platforms[0],
      [this](caf::actor_addr owner, const net::ws_options& opts) {
        auto s = std::make_shared<recording_session>(opts);
        sessions.push_back(s);
        owners.push_back(owner);
        return s;
      });
    start_root(strategy::one_for_one, {spec});
  }

  ~fixture() {
    logging::set_capture(nullptr);
    caf::anon_send_exit(router, caf::exit_reason::kill);
    caf::anon_send_exit(outbox, caf::exit_reason::kill);
  }

  caf::actor client() {
    return caf::actor_cast<caf::actor>(owners.back());
  }

  recording_session& session() {
    return *sessions.back();
  }

  void server(const std::string& frame) {
    caf::anon_send(client(), net::ws_frame_atom::value, frame, false);
    sched.run();
  }

  void open() {
    caf::anon_send(client(), net::ws_open_atom::value);
    sched.run();
  }

  void ready() {
    open();
    server(R"({"syncId":"","data":{"code":0,"session":"sess-key-1"}})");
  }

  void push(const std::string& data) {
    server(R"({"syncId":"-1","data":)" + data + "}");
  }

  void answer(const std::string& sync_id, int code = 0) {
    server(R"({"syncId":")" + sync_id + R"(","data":{"code":)"
           + std::to_string(code) + R"(,"msg":"x","messageId":7}})");
  }

  void reply(const std::string& room, const std::string& text,
             const std::string& guild = {}, uint64_t outbox_id = 0) {
    outbound_reply r;
    r.outbox_id = outbox_id;
    r.platform = "mirai";
    r.bot = "main";
    r.context.room_id = room;
    r.context.guild_id = guild;
    r.text = text;
    auto sender = rt->directory().get("sender:mirai:main");
    CAF_REQUIRE(sender);
    caf::anon_send(sender, reply_atom::value, std::move(r));
    sched.run();
  }

  // Every command the client sent, parsed.
  std::vector<json> commands() {
    std::vector<json> result;
    for (auto& frame : session().sent)
      result.push_back(json::parse(frame));
    return result;
  }

  std::vector<json> commands(const std::string& name) {
    std::vector<json> result;
    for (auto& x : commands())
      if (x.value("command", "") == name)
        result.push_back(x);
    return result;
  }

  node_snapshot node() {
    return child_of(root, node_path);
  }

  // Moves time in steps of one second, answering every idle probe at once
  // like a healthy server.
  void advance_answering(supervision::duration d) {
    for (auto left = d; left > supervision::duration{0}; left -= 1s) {
      advance(std::min<supervision::duration>(left, 1s));
      for (auto& x : commands("about")) {
        auto sid = x["syncId"].get<std::string>();
        if (answered.insert(sid).second)
          server(R"({"syncId":")" + sid
                 + R"(","data":{"code":0,"msg":"","data":{}}})");
      }
    }
  }

  std::set<std::string> answered;

  bool logged(const std::string& what) {
    for (auto& line : *lines)
      if (line.find(what) != std::string::npos)
        return true;
    return false;
  }
};

std::string group_message(int64_t group, int64_t sender,
                          const std::string& text) {
  return R"({"type":"GroupMessage","sender":{"id":)" + std::to_string(sender)
         + R"(,"memberName":"alice","permission":"MEMBER","group":{"id":)"
         + std::to_string(group)
         + R"(,"name":"g","permission":"MEMBER"}},"messageChain":[)"
           R"({"type":"Source","id":321,"time":1700000000},)"
           R"({"type":"Plain","text":")"
         + text + R"("}]})";
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(mirai_client_tests, fixture)

CAF_TEST(the session frame makes the client ready) {
  CAF_REQUIRE_EQUAL(sessions.size(), 1u);
  CAF_CHECK(session().started);
  CAF_CHECK_EQUAL(session().opts.url,
                  "ws://mirai.test:8080/all?verifyKey=vk-secret-4711&qq=10001");
  CAF_CHECK_EQUAL(session().opts.ping_interval, 15s);
  CAF_CHECK_EQUAL(session().opts.ping_timeout, 10s);
  CAF_CHECK_EQUAL(session().opts.connect_timeout, 2s);
  CAF_CHECK_EQUAL(node().state, node_state::starting);
  open();
  CAF_CHECK_EQUAL(node().state, node_state::starting);
  server(R"({"syncId":"","data":{"code":0,"session":"sess-key-1"}})");
  CAF_CHECK_EQUAL(node().state, node_state::running);
  CAF_CHECK(rt->directory().get("sender:mirai:main"));
  CAF_CHECK(logged("mirai ready"));
}

CAF_TEST(a wrong verify key parks the node and never loops) {
  open();
  server(R"({"syncId":"","data":{"code":1,"msg":"Auth Key错误"}})");
  auto n = node();
  CAF_CHECK_EQUAL(n.state, node_state::parked);
  CAF_CHECK_EQUAL(n.last_exit_reason,
                  "fatal: mirai-api-http rejected the verify_key: code 1 ("
                    + std::string{mirai::state_code_name(1)}
                    + "): Auth Key错误");
  advance(1h);
  CAF_CHECK_EQUAL(sessions.size(), 1u);
  CAF_CHECK_EQUAL(session().close_code, 1000);
  // The key never reached a log line, not even redacted.
  for (auto& line : *lines) {
    CAF_CHECK(line.find("vk-secret-4711") == std::string::npos);
    CAF_CHECK(line.find("<redacted>") == std::string::npos);
  }
}

CAF_TEST(a bot that is not logged in is retried with backoff) {
  open();
  server(R"({"syncId":"","data":{"code":2,"msg":"指定Bot不存在"}})");
  auto n = node();
  CAF_CHECK_EQUAL(n.state, node_state::backoff);
  CAF_CHECK_EQUAL(n.last_exit_reason.find("mirai: session refused: code 2"),
                  0u);
  advance(100ms);
  CAF_CHECK_EQUAL(sessions.size(), 2u);
  ready();
  CAF_CHECK_EQUAL(node().state, node_state::running);
}

CAF_TEST(no session frame within the connect timeout ends the attempt) {
  open();
  advance(1999ms);
  CAF_CHECK_EQUAL(node().state, node_state::starting);
  advance(1ms);
  auto n = node();
  CAF_CHECK_EQUAL(n.state, node_state::backoff);
  CAF_CHECK_EQUAL(n.last_exit_reason, "mirai: no session frame within 2s");
  CAF_CHECK(sessions.front()->aborted);
}

CAF_TEST(a group message reaches the router as a unified message) {
  ready();
  push(group_message(987654, 42, "/ping"));
  inbound_message msg;
  bool got = false;
  self->receive(
    [&](inbound_atom, inbound_message& x) {
      msg = x;
      got = true;
    },
    caf::after(0s) >> [] {});
  CAF_REQUIRE(got);
  CAF_CHECK_EQUAL(msg.platform, "mirai");
  CAF_CHECK_EQUAL(msg.bot, "main");
  CAF_CHECK_EQUAL(msg.text, "/ping");
  CAF_CHECK_EQUAL(msg.id, "321");
  CAF_CHECK_EQUAL(msg.sender.id, "42");
  CAF_CHECK_EQUAL(msg.context.room_id, "group:987654");
  // Events that are not messages are not routed.
  push(R"({"type":"NudgeEvent","fromId":1,"subject":{"id":2,"kind":"Group"},)"
       R"("action":"x","suffix":"","target":10001})");
  self->receive([&](inbound_atom, inbound_message&) { CAF_FAIL("routed"); },
                caf::after(0s) >> [] {});
}

CAF_TEST(a reply becomes a command with a fresh syncId) {
  ready();
  reply("group:987654", "pong");
  reply("friend:42", "hi");
  reply("temp:43", "psst", "987654");
  auto xs = commands();
  CAF_REQUIRE_EQUAL(xs.size(), 3u);
  CAF_CHECK_EQUAL(xs[0]["command"], "sendGroupMessage");
  CAF_CHECK_EQUAL(xs[0]["content"]["target"], 987654);
  CAF_CHECK_EQUAL(xs[0]["content"]["messageChain"][0]["text"], "pong");
  CAF_CHECK_EQUAL(xs[1]["command"], "sendFriendMessage");
  CAF_CHECK_EQUAL(xs[2]["command"], "sendTempMessage");
  std::set<std::string> ids;
  for (auto& x : xs) {
    auto sid = x["syncId"].get<std::string>();
    CAF_CHECK(!sid.empty() && sid != "-1");
    ids.insert(sid);
  }
  CAF_CHECK_EQUAL(ids.size(), 3u);
  answer(xs[0]["syncId"].get<std::string>(), 0);
  answer(xs[1]["syncId"].get<std::string>(), 10);
  CAF_CHECK(logged("command_failed"));
  CAF_CHECK(logged("code=10"));
  // A room of another platform is dropped with a log line.
  reply("console", "nope");
  CAF_CHECK_EQUAL(commands().size(), 3u);
  CAF_CHECK(logged("not a mirai room"));
  CAF_CHECK_EQUAL(node().state, node_state::running);
}

CAF_TEST(replies accepted while connecting go out once ready) {
  reply("group:1", "early");
  CAF_CHECK(session().sent.empty());
  ready();
  auto xs = commands("sendGroupMessage");
  CAF_REQUIRE_EQUAL(xs.size(), 1u);
  CAF_CHECK_EQUAL(xs[0]["content"]["messageChain"][0]["text"], "early");
}

CAF_TEST(an unanswered command fails at its deadline and the rest goes on) {
  ready();
  reply("group:1", "swallowed");
  auto first = commands()[0]["syncId"].get<std::string>();
  advance(4999ms);
  CAF_CHECK(!logged("command_timeout"));
  advance(1ms);
  CAF_CHECK(logged("command_timeout"));
  CAF_CHECK(logged("no answer within 5s"));
  CAF_CHECK_EQUAL(node().state, node_state::running);
  CAF_CHECK_EQUAL(node().restarts_total, 0u);
  // The next reply is not held up; a late answer is ignored.
  reply("group:1", "next");
  CAF_REQUIRE_EQUAL(commands().size(), 2u);
  auto second = commands()[1]["syncId"].get<std::string>();
  CAF_CHECK_NOT_EQUAL(first, second);
  answer(first);
  answer(second);
  advance(5s);
  CAF_CHECK_EQUAL(node().state, node_state::running);
  CAF_CHECK_EQUAL(sessions.size(), 1u);
}

CAF_TEST(outstanding commands are bounded) {
  ready();
  for (size_t i = 0; i < mirai::max_outstanding_commands; ++i) {
    outbound_reply r;
    r.context.room_id = "group:1";
    r.text = "x";
    caf::anon_send(client(), reply_atom::value, std::move(r));
  }
  sched.run();
  CAF_CHECK_EQUAL(commands().size(), mirai::max_outstanding_commands);
  CAF_CHECK(!logged("too many commands waiting"));
  reply("group:1", "one too many");
  CAF_CHECK_EQUAL(commands().size(), mirai::max_outstanding_commands);
  CAF_CHECK(logged("too many commands waiting"));
  // An answer makes room again.
  answer(commands()[0]["syncId"].get<std::string>());
  reply("group:1", "fits again");
  CAF_CHECK_EQUAL(commands().size(), mirai::max_outstanding_commands + 1);
}

CAF_TEST(each reply from the outbox is confirmed by how its command ended) {
  ready();
  reply("group:1", "ok", {}, 1);
  reply("group:1", "muted", {}, 2);
  reply("group:1", "session gone", {}, 3);
  reply("group:1", "no answer", {}, 4);
  reply("console", "not mirai", {}, 5);
  auto xs = commands();
  CAF_REQUIRE_EQUAL(xs.size(), 4u);
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id, 5u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "rejected");
  answer(xs[0]["syncId"].get<std::string>(), 0);
  answer(xs[1]["syncId"].get<std::string>(), 20);
  answer(xs[2]["syncId"].get<std::string>(), 3);
  CAF_REQUIRE_EQUAL(confirmed->size(), 4u);
  CAF_CHECK_EQUAL(confirmed->at(1).outbox_id, 1u);
  CAF_CHECK_EQUAL(confirmed->at(1).outcome, "sent");
  CAF_CHECK_EQUAL(confirmed->at(2).outbox_id, 2u);
  CAF_CHECK_EQUAL(confirmed->at(2).outcome, "rejected");
  CAF_CHECK_NOT_EQUAL(confirmed->at(2).error.find("bot muted"),
                      std::string::npos);
  CAF_CHECK_EQUAL(confirmed->at(3).outbox_id, 3u);
  CAF_CHECK_EQUAL(confirmed->at(3).outcome, "retry");
  advance_answering(5s);
  CAF_REQUIRE_EQUAL(confirmed->size(), 5u);
  CAF_CHECK_EQUAL(confirmed->at(4).outbox_id, 4u);
  CAF_CHECK_EQUAL(confirmed->at(4).outcome, "retry");
  CAF_CHECK_EQUAL(confirmed->at(4).error, "no answer within 5s");
  // A reply without an outbox row is never confirmed.
  reply("group:1", "plain");
  answer(commands().back()["syncId"].get<std::string>(), 0);
  CAF_CHECK_EQUAL(confirmed->size(), 5u);
}

CAF_TEST(an unanswered idle probe ends the connection) {
  // Process-wide series: compare before and after.
  auto& up = metrics::gateway_connections().with({"mirai", "main"});
  auto up0 = up.value();
  ready();
  CAF_CHECK_EQUAL(up.value(), up0 + 1);
  advance(29s);
  CAF_CHECK(commands("about").empty());
  advance(1s);
  CAF_REQUIRE_EQUAL(commands("about").size(), 1u);
  advance(4999ms);
  CAF_CHECK_EQUAL(node().state, node_state::running);
  advance(1ms);
  auto n = node();
  CAF_CHECK_EQUAL(n.state, node_state::backoff);
  CAF_CHECK_EQUAL(n.last_exit_reason, "mirai: no answer to about within 5s");
  CAF_CHECK(sessions.front()->aborted);
  CAF_CHECK_EQUAL(up.value(), up0);
  advance(100ms);
  CAF_CHECK_EQUAL(sessions.size(), 2u);
}

CAF_TEST(an answered probe keeps the connection and traffic postpones it) {
  ready();
  advance(20s);
  push(R"({"type":"FriendInputStatusChangedEvent","friend":{"id":1},)"
       R"("inputting":true})");
  advance(10s); // 30 s since ready, but only 10 s of silence
  CAF_CHECK(commands("about").empty());
  advance(20s);
  auto probes = commands("about");
  CAF_REQUIRE_EQUAL(probes.size(), 1u);
  server(R"({"syncId":")" + probes[0]["syncId"].get<std::string>()
         + R"(","data":{"code":0,"msg":"","data":{"version":"2.10.0"}}})");
  advance(10s);
  CAF_CHECK_EQUAL(node().state, node_state::running);
  advance(20s);
  CAF_CHECK_EQUAL(commands("about").size(), 2u);
}

CAF_TEST(a half open socket found by the ws ping restarts the client) {
  ready();
  net::ws_close_info info;
  info.code = -1;
  info.error = "read: timed out (ping)";
  info.by_peer = true;
  info.was_open = true;
  caf::anon_send(client(), net::ws_closed_atom::value, info);
  sched.run();
  auto n = node();
  CAF_CHECK_EQUAL(n.state, node_state::backoff);
  CAF_CHECK_EQUAL(n.last_exit_reason,
                  "mirai: connection closed: no close frame: read: timed out "
                  "(ping)");
  CAF_CHECK(!rt->directory().get("sender:mirai:main"));
  advance(100ms);
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  ready();
  CAF_CHECK_EQUAL(node().state, node_state::running);
  CAF_CHECK(rt->directory().get("sender:mirai:main"));
}

CAF_TEST(a bot going offline is logged and is not fatal) {
  ready();
  push(R"({"type":"BotOfflineEventDropped","qq":10001})");
  CAF_CHECK(logged("bot_offline"));
  advance_answering(5min);
  CAF_CHECK(logged("bot_still_offline"));
  CAF_CHECK_EQUAL(node().state, node_state::running);
  push(R"({"type":"BotReloginEvent","qq":10001})");
  CAF_CHECK(logged("bot_online"));
  CAF_CHECK(logged("offline_for="));
  CAF_CHECK_EQUAL(node().state, node_state::running);
  CAF_CHECK_EQUAL(node().restarts_total, 0u);
}

CAF_TEST(unreadable frames are survived until too many in a row) {
  ready();
  server("{not json");
  server(R"({"syncId":"-1","data":{"type":"GroupMessage"}})");
  CAF_CHECK_EQUAL(node().state, node_state::running);
  for (int i = 0; i < 10; ++i)
    server("garbage");
  auto n = node();
  CAF_CHECK_EQUAL(n.state, node_state::backoff);
  CAF_CHECK_EQUAL(n.last_exit_reason.find("mirai: "), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
