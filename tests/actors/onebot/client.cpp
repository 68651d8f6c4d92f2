#define CAF_SUITE actors.onebot.client

#include "support/supervision_fixture.hpp"

#include <atomic>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "actors/metrics/names.hpp"
#include "actors/onebot/client.hpp"
#include "actors/type_ids.hpp"
#include "config/config.hpp"
#include "config/logging.hpp"
#include "protocols/net/ws_server.hpp"
#include "protocols/net/ws_session.hpp"
#include "support/outbox_recorder.hpp"
#include "support/recording_ws_session.hpp"

using namespace tether;
using namespace tether::supervision;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

using recording_session = tether::test::recording_ws_session;

// Forwards what the client routes to the test.
caf::behavior fake_router(caf::event_based_actor* self, caf::actor test) {
  return {
    [=](inbound_atom, inbound_message& msg) {
      self->send(test, inbound_atom::value, std::move(msg));
    },
  };
}

std::string config_text(const std::string& extra) {
  return R"(
supervision:
  defaults:
    max_restarts: 3
    within: 1m
    backoff: {initial: 100ms, multiplier: 2, max: 1s, jitter: 0}
platforms:
  - kind: onebot
    name: main
    settings:
      url: ws://onebot.test:6700/
      access_token: s3cret-onebot-token
      action_timeout: 3s
      ping_interval: 5s
      ping_timeout: 2s
      connect_timeout: 2s
)" + extra;
}

constexpr auto node = "root/onebot:main";

boost::asio::io_context& never_run_io() {
  static auto* io = new boost::asio::io_context;
  return *io;
}

struct fixture : tether::test::supervision_fixture {
  // Never run: no real I/O in this suite. Reverse mode binds a listener
  // on it that may outlive the fixture's members (the actor system goes
  // down last), so it is never destroyed.
  boost::asio::io_context& io = never_run_io();
  runtime_ptr rt;
  std::shared_ptr<const config::tether_config> cfg;
  std::vector<std::shared_ptr<recording_session>> sessions;
  std::vector<caf::actor_addr> owners;
  caf::actor router;
  caf::actor outbox;
  tether::test::confirmation_log confirmed
    = std::make_shared<std::vector<tether::test::recorded_confirmation>>();
  std::shared_ptr<std::mutex> lines_mtx = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::string>> lines
    = std::make_shared<std::vector<std::string>>();

  fixture() {
    auto mtx = lines_mtx;
    auto out = lines;
    logging::set_capture([mtx, out](const std::string& line) {
      std::unique_lock<std::mutex> guard{*mtx};
      out->push_back(line);
    });
  }

  ~fixture() {
    logging::set_capture(nullptr);
    if (router)
      caf::anon_send_exit(router, caf::exit_reason::kill);
    if (outbox)
      caf::anon_send_exit(outbox, caf::exit_reason::kill);
  }

  void start(const std::string& extra_settings = "") {
    auto loaded = config::load_string(config_text(extra_settings),
                                      "onebot.yaml");
    for (auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded);
    cfg = std::make_shared<const config::tether_config>(*loaded.config);
    rt = std::make_shared<runtime>(sys, io, cfg);
    router = sys.spawn(fake_router, caf::actor_cast<caf::actor>(self));
    rt->directory().put("core/router", router);
    outbox = tether::test::register_outbox_recorder(sys, *rt, confirmed);
    auto spec = onebot::client_spec(
      rt, *cfg, cfg->platforms[0],
      [this](caf::actor_addr owner, const net::ws_options& opts) {
        auto s = std::make_shared<recording_session>(opts);
        sessions.push_back(s);
        owners.push_back(owner);
        return s;
      });
    spec.policy = tether::test::test_policy();
    start_root(strategy::one_for_one, {spec});
  }

  caf::actor client() {
    return caf::actor_cast<caf::actor>(owners.back());
  }

  recording_session& session() {
    return *sessions.back();
  }

  void open() {
    for (size_t i = 0; i < sessions.size(); ++i)
      caf::anon_send(client(), net::ws_open_atom::value);
    sched.run();
  }

  void server(const std::string& frame) {
    caf::anon_send(client(), net::ws_frame_atom::value, frame, false);
    sched.run();
  }

  void server_close(net::ws_close_info info) {
    caf::anon_send(client(), net::ws_closed_atom::value, info);
    sched.run();
  }

  void heartbeat(int interval_ms) {
    server(R"({"time":1700000000,"self_id":10001,"post_type":"meta_event",)"
           R"("meta_event_type":"heartbeat","status":{"online":true,)"
           R"("good":true},"interval":)"
           + std::to_string(interval_ms) + "}");
  }

  void reply(const std::string& room, const std::string& text,
             const std::string& reply_to = "", uint64_t outbox_id = 0) {
    outbound_reply r;
    r.outbox_id = outbox_id;
    r.platform = "onebot";
    r.bot = "main";
    r.context.room_id = room;
    r.reply_to = reply_to;
    r.text = text;
    auto sender = rt->directory().get("sender:onebot:main");
    CAF_REQUIRE(sender);
    caf::anon_send(sender, reply_atom::value, std::move(r));
    sched.run();
  }

  std::vector<json> actions() {
    std::vector<json> result;
    for (auto& frame : session().sent) {
      auto doc = json::parse(frame, nullptr, false);
      if (!doc.is_discarded() && doc.contains("action"))
        result.push_back(doc);
    }
    return result;
  }

  std::optional<inbound_message> routed() {
    std::optional<inbound_message> result;
    self->receive(
      [&](inbound_atom, inbound_message& msg) { result = std::move(msg); },
      caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

  size_t count_lines(const std::string& what) {
    std::unique_lock<std::mutex> guard{*lines_mtx};
    size_t n = 0;
    for (auto& line : *lines)
      if (line.find(what) != std::string::npos)
        ++n;
    return n;
  }

  bool token_leaked() {
    std::unique_lock<std::mutex> guard{*lines_mtx};
    for (auto& line : *lines)
      if (line.find("s3cret-onebot-token") != std::string::npos)
        return true;
    return false;
  }

  node_snapshot state() {
    return child_of(root, node);
  }
};

std::string private_message(const std::string& text) {
  return R"({"time":1700000001,"self_id":10001,"post_type":"message",)"
         R"("message_type":"private","sub_type":"friend","message_id":77,)"
         R"("user_id":20002,"message":")"
         + text + R"(","raw_message":")" + text
         + R"(","font":0,"sender":{"user_id":20002,"nickname":"alice"}})";
}

std::string group_message_array(const std::string& text) {
  return R"({"time":1700000002,"self_id":10001,"post_type":"message",)"
         R"("message_type":"group","sub_type":"normal","message_id":78,)"
         R"("group_id":30003,"user_id":20002,"anonymous":null,)"
         R"("message":[{"type":"at","data":{"qq":"10001"}},)"
         R"({"type":"text","data":{"text":" )"
         + text + R"("}}],"raw_message":"","font":0,)"
         R"("sender":{"user_id":20002,"nickname":"alice","card":"Al"}})";
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(onebot_client_tests, fixture)

CAF_TEST(dials the universal endpoint with a bearer token and pings) {
  start();
  CAF_REQUIRE_EQUAL(sessions.size(), 1u);
  CAF_CHECK(session().started);
  CAF_CHECK_EQUAL(session().opts.url, "ws://onebot.test:6700/");
  CAF_REQUIRE_EQUAL(session().opts.headers.size(), 1u);
  CAF_CHECK_EQUAL(session().opts.headers[0].first, "Authorization");
  CAF_CHECK_EQUAL(session().opts.headers[0].second,
                  "Bearer s3cret-onebot-token");
  CAF_CHECK_EQUAL(session().opts.ping_interval, 5000ms);
  CAF_CHECK_EQUAL(session().opts.ping_timeout, 2000ms);
  CAF_CHECK_EQUAL(session().opts.connect_timeout, 2000ms);
  CAF_CHECK_EQUAL(state().state, node_state::starting);
  open();
  CAF_CHECK_EQUAL(state().state, node_state::running);
  CAF_CHECK(!token_leaked());
}

CAF_TEST(split endpoints dial event and api and send actions over api) {
  start("      split_endpoints: true\n");
  CAF_REQUIRE_EQUAL(sessions.size(), 2u);
  CAF_CHECK_EQUAL(sessions[0]->opts.url, "ws://onebot.test:6700/event");
  CAF_CHECK_EQUAL(sessions[1]->opts.url, "ws://onebot.test:6700/api");
  caf::anon_send(client(), net::ws_open_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(state().state, node_state::starting);
  caf::anon_send(client(), net::ws_open_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(state().state, node_state::running);
  reply("private:20002", "pong");
  CAF_CHECK_EQUAL(sessions[0]->sent.size(), 0u);
  CAF_CHECK_EQUAL(sessions[1]->sent.size(), 1u);
}

CAF_TEST(message events reach the router) {
  start();
  open();
  server(private_message("/ping"));
  auto msg = routed();
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->type, "message");
  CAF_CHECK_EQUAL(msg->platform, "onebot");
  CAF_CHECK_EQUAL(msg->bot, "main");
  CAF_CHECK_EQUAL(msg->id, "77");
  CAF_CHECK_EQUAL(msg->text, "/ping");
  CAF_CHECK_EQUAL(msg->sender.id, "20002");
  CAF_CHECK_EQUAL(msg->context.room_id, "private:20002");
  server(group_message_array("/ping"));
  msg = routed();
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->context.room_id, "group:30003");
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->sender.name, "Al");
}

CAF_TEST(notices and requests are routed raw as events) {
  start();
  open();
  server(R"({"time":1700000003,"self_id":10001,"post_type":"notice",)"
         R"("notice_type":"group_increase","sub_type":"approve",)"
         R"("group_id":30003,"user_id":20004,"operator_id":20002})");
  auto ev = routed();
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL(ev->type, "event");
  CAF_CHECK_EQUAL(ev->event, "notice.group_increase");
  CAF_CHECK_EQUAL(ev->context.room_id, "group:30003");
  CAF_CHECK_EQUAL(ev->sender.id, "20004");
  CAF_CHECK(ev->raw.find("operator_id") != std::string::npos);
  server(R"({"time":1700000004,"self_id":10001,"post_type":"request",)"
         R"("request_type":"friend","user_id":20005,"comment":"hi",)"
         R"("flag":"f1"})");
  ev = routed();
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL(ev->event, "request.friend");
  CAF_CHECK_EQUAL(ev->context.room_id, "private:20005");
  // Meta events stay inside the client.
  heartbeat(5000);
  server(R"({"time":1700000005,"self_id":10001,"post_type":"meta_event",)"
         R"("meta_event_type":"lifecycle","sub_type":"connect"})");
  CAF_CHECK(!routed());
}

CAF_TEST(a reply becomes a send action with a unique echo) {
  start();
  open();
  reply("group:30003", "pong", "78");
  reply("private:20002", "pong");
  auto xs = actions();
  CAF_REQUIRE_EQUAL(xs.size(), 2u);
  CAF_CHECK_EQUAL(xs[0]["action"], "send_group_msg");
  CAF_CHECK_EQUAL(xs[0]["params"]["group_id"], 30003);
  CAF_CHECK_EQUAL(xs[0]["params"]["message"][0]["type"], "reply");
  CAF_CHECK_EQUAL(xs[0]["params"]["message"][1]["data"]["text"], "pong");
  CAF_CHECK_EQUAL(xs[1]["action"], "send_private_msg");
  CAF_CHECK_EQUAL(xs[1]["params"]["user_id"], 20002);
  CAF_REQUIRE(xs[0]["echo"].is_string());
  CAF_CHECK_NOT_EQUAL(xs[0]["echo"], xs[1]["echo"]);
  // Answered in time: no failure, and the deadline passes quietly.
  for (auto& x : xs)
    server(R"({"status":"ok","retcode":0,"data":{"message_id":5},"echo":)"
           + x["echo"].dump() + "}");
  advance(3s);
  CAF_CHECK_EQUAL(count_lines("onebot action_timeout"), 0u);
  CAF_CHECK_EQUAL(count_lines("onebot action_failed"), 0u);
  // A reply to a room that is not a OneBot room is dropped, not sent.
  reply("console", "pong");
  CAF_CHECK_EQUAL(actions().size(), 2u);
  CAF_CHECK_EQUAL(count_lines("onebot reply_dropped"), 1u);
}

CAF_TEST(a failed action is logged and the connection stays) {
  start();
  open();
  reply("group:30003", "pong");
  auto echo = actions().at(0)["echo"].dump();
  server(R"({"status":"failed","retcode":100,"data":null,"echo":)" + echo
         + "}");
  CAF_CHECK_EQUAL(count_lines("onebot action_failed"), 1u);
  CAF_CHECK_EQUAL(count_lines("retcode=100"), 1u);
  CAF_CHECK_EQUAL(state().state, node_state::running);
}

CAF_TEST(an unanswered action fails at its deadline and the connection stays) {
  start();
  open();
  reply("group:30003", "first");
  advance(2999ms);
  CAF_CHECK_EQUAL(count_lines("onebot action_timeout"), 0u);
  advance(1ms);
  CAF_CHECK_EQUAL(count_lines("onebot action_timeout"), 1u);
  CAF_CHECK_EQUAL(state().state, node_state::running);
  CAF_CHECK_EQUAL(sessions.size(), 1u);
  // The next reply goes out at once and is answered normally.
  reply("group:30003", "second");
  auto xs = actions();
  CAF_REQUIRE_EQUAL(xs.size(), 2u);
  CAF_CHECK_EQUAL(xs[1]["params"]["message"][0]["data"]["text"], "second");
  server(R"({"status":"ok","retcode":0,"data":{"message_id":6},"echo":)"
         + xs[1]["echo"].dump() + "}");
  // The late answer to the first one is ignored.
  server(R"({"status":"ok","retcode":0,"data":{"message_id":5},"echo":)"
         + xs[0]["echo"].dump() + "}");
  advance(3s);
  CAF_CHECK_EQUAL(count_lines("onebot action_timeout"), 1u);
  CAF_CHECK_EQUAL(state().state, node_state::running);
}

CAF_TEST(each reply from the outbox is confirmed by how its action ended) {
  start();
  open();
  reply("group:30003", "ok", "", 1);
  reply("group:30003", "bad params", "", 2);
  reply("group:30003", "busy", "", 3);
  reply("group:30003", "no answer", "", 4);
  reply("console", "not onebot", "", 5);
  auto xs = actions();
  CAF_REQUIRE_EQUAL(xs.size(), 4u);
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id, 5u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "rejected");
  server(R"({"status":"ok","retcode":0,"data":{"message_id":5},"echo":)"
         + xs[0]["echo"].dump() + "}");
  server(R"({"status":"failed","retcode":100,"data":null,"echo":)"
         + xs[1]["echo"].dump() + "}");
  server(R"({"status":"failed","retcode":201,"data":null,"echo":)"
         + xs[2]["echo"].dump() + "}");
  CAF_REQUIRE_EQUAL(confirmed->size(), 4u);
  CAF_CHECK_EQUAL(confirmed->at(1).outbox_id, 1u);
  CAF_CHECK_EQUAL(confirmed->at(1).outcome, "sent");
  CAF_CHECK_EQUAL(confirmed->at(2).outbox_id, 2u);
  CAF_CHECK_EQUAL(confirmed->at(2).outcome, "rejected");
  CAF_CHECK_EQUAL(confirmed->at(3).outbox_id, 3u);
  CAF_CHECK_EQUAL(confirmed->at(3).outcome, "retry");
  advance(3s);
  CAF_REQUIRE_EQUAL(confirmed->size(), 5u);
  CAF_CHECK_EQUAL(confirmed->at(4).outbox_id, 4u);
  CAF_CHECK_EQUAL(confirmed->at(4).outcome, "retry");
  // A reply without an outbox row is never confirmed.
  reply("group:30003", "plain");
  server(R"({"status":"ok","retcode":0,"data":{"message_id":6},"echo":)"
         + actions().back()["echo"].dump() + "}");
  CAF_CHECK_EQUAL(confirmed->size(), 5u);
}

CAF_TEST(outstanding actions are bounded) {
  start();
  open();
  for (size_t i = 0; i < onebot::max_pending_actions + 5; ++i) {
    outbound_reply r;
    r.platform = "onebot";
    r.bot = "main";
    r.context.room_id = "private:20002";
    r.text = "x";
    caf::anon_send(client(), reply_atom::value, std::move(r));
  }
  sched.run();
  CAF_CHECK_EQUAL(actions().size(), onebot::max_pending_actions);
  CAF_CHECK_EQUAL(count_lines("onebot reply_dropped"), 5u);
  // Once they time out, replies flow again.
  advance(3s);
  reply("private:20002", "again");
  CAF_CHECK_EQUAL(actions().size(), onebot::max_pending_actions + 1);
  CAF_CHECK_EQUAL(state().state, node_state::running);
}

CAF_TEST(heartbeat watchdog fires at twice the interval and not before) {
  start();
  open();
  heartbeat(1000);
  advance(1500ms);
  heartbeat(1000); // re-arms: the first deadline no longer counts
  advance(1999ms);
  CAF_CHECK_EQUAL(state().state, node_state::running);
  CAF_CHECK_EQUAL(sessions.size(), 1u);
  advance(1ms);
  auto s = state();
  CAF_CHECK_EQUAL(s.state, node_state::backoff);
  CAF_CHECK(s.last_exit_reason.find("no heartbeat within 2000ms")
            != std::string::npos);
  CAF_MESSAGE("exit reason: " << s.last_exit_reason);
  CAF_CHECK_EQUAL(session().close_code, 1000);
  // The supervisor reconnects after its backoff.
  advance(100ms);
  CAF_CHECK_EQUAL(sessions.size(), 2u);
  open();
  CAF_CHECK_EQUAL(state().state, node_state::running);
}

CAF_TEST(no heartbeat events means no watchdog) {
  start();
  open();
  advance(60s);
  CAF_CHECK_EQUAL(state().state, node_state::running);
}

CAF_TEST(a rejected upgrade parks the node) {
  start();
  net::ws_close_info info;
  info.error = "handshake: declined (HTTP 401)";
  server_close(info);
  auto s = state();
  CAF_CHECK_EQUAL(s.state, node_state::parked);
  CAF_CHECK(s.last_exit_reason.find("access token rejected")
            != std::string::npos);
  CAF_MESSAGE("exit reason: " << s.last_exit_reason);
  advance(10min);
  CAF_CHECK_EQUAL(sessions.size(), 1u);
  CAF_CHECK(!token_leaked());
}

CAF_TEST(other connect failures restart with backoff) {
  start();
  net::ws_close_info info;
  info.error = "connect: Connection refused";
  server_close(info);
  CAF_CHECK_EQUAL(state().state, node_state::backoff);
  advance(100ms);
  CAF_CHECK_EQUAL(sessions.size(), 2u);
  info.error = "handshake: declined (HTTP 502)";
  server_close(info);
  CAF_CHECK_EQUAL(state().state, node_state::backoff);
  advance(200ms);
  CAF_CHECK_EQUAL(sessions.size(), 3u);
}

CAF_TEST(a drop after the upgrade restarts and abandons pending actions) {
  // Process-wide series: compare before and after.
  auto& up = metrics::gateway_connections().with({"onebot", "main"});
  auto up0 = up.value();
  start();
  CAF_CHECK_EQUAL(up.value(), up0);
  open();
  CAF_CHECK_EQUAL(up.value(), up0 + 1);
  reply("group:30003", "pong");
  net::ws_close_info info;
  info.error = "read: Connection reset by peer";
  info.by_peer = true;
  info.was_open = true;
  server_close(info);
  CAF_CHECK_EQUAL(state().state, node_state::backoff);
  CAF_CHECK_EQUAL(count_lines("onebot actions_abandoned"), 1u);
  CAF_CHECK_EQUAL(up.value(), up0);
  advance(100ms);
  CAF_CHECK_EQUAL(sessions.size(), 2u);
}

CAF_TEST(a transport that never reports is cut at the open deadline) {
  start();
  advance(4499ms);
  CAF_CHECK_EQUAL(state().state, node_state::starting);
  advance(1ms);
  CAF_CHECK_EQUAL(state().state, node_state::backoff);
}

CAF_TEST(reverse mode parks when the listen address cannot be bound) {
  start("      mode: reverse\n      listen: 192.0.2.1:6701\n");
  auto s = state();
  CAF_CHECK_EQUAL(s.state, node_state::parked);
  CAF_CHECK(s.last_exit_reason.find("listen on 192.0.2.1:6701")
            != std::string::npos);
  CAF_CHECK_EQUAL(count_lines("listen_failed"), 1u);
  CAF_CHECK_EQUAL(sessions.size(), 0u);
}

namespace {

// A reverse connection as the listener hands it over.
struct reverse_conn {
  std::shared_ptr<recording_session> session;
  std::shared_ptr<std::atomic<bool>> finished
    = std::make_shared<std::atomic<bool>>(false);
};

reverse_conn accept_reverse(caf::actor client, const std::string& self_id) {
  reverse_conn result;
  result.session = std::make_shared<recording_session>(net::ws_options{});
  net::ws_accepted acc;
  acc.session = result.session;
  acc.finished = result.finished;
  acc.upgrade.path = "/onebot/v11/ws";
  acc.upgrade.target = acc.upgrade.path;
  acc.upgrade.headers = {{"X-Self-ID", self_id},
                         {"X-Client-Role", "Universal"},
                         {"Authorization", "Bearer s3cret-onebot-token"}};
  caf::anon_send(client, net::ws_accept_atom::value, std::move(acc));
  return result;
}

} // namespace

CAF_TEST(reverse mode drives the newest universal connection) {
  auto& up = metrics::gateway_connections().with({"onebot", "main"});
  auto up0 = up.value();
  start("      mode: reverse\n      listen: 127.0.0.1:0\n");
  CAF_CHECK_EQUAL(state().state, node_state::running);
  CAF_CHECK_EQUAL(count_lines("onebot listening"), 1u);
  CAF_CHECK_EQUAL(up.value(), up0); // listening is not connected
  auto client = rt->directory().get("sender:onebot:main");
  CAF_REQUIRE(client);
  // No implementation yet: a reply fails at once, worth a later try.
  reply("private:20002", "early", "", 41);
  CAF_CHECK_EQUAL(count_lines("no OneBot implementation connected"), 1u);
  CAF_REQUIRE_EQUAL(confirmed->size(), 1u);
  CAF_CHECK_EQUAL(confirmed->at(0).outbox_id, 41u);
  CAF_CHECK_EQUAL(confirmed->at(0).outcome, "retry");
  auto first = accept_reverse(client, "10001");
  sched.run();
  CAF_CHECK(first.session->started);
  CAF_CHECK_EQUAL(up.value(), up0 + 1);
  caf::anon_send(client, net::ws_frame_atom::value,
                 private_message("/ping"), false);
  sched.run();
  auto msg = routed();
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->context.room_id, "private:20002");
  reply("private:20002", "pong", "", 42);
  CAF_REQUIRE_EQUAL(first.session->sent.size(), 1u);
  CAF_CHECK(first.session->sent[0].find("send_private_msg")
            != std::string::npos);
  // The same account dials again: the new connection wins.
  auto second = accept_reverse(client, "10001");
  sched.run();
  CAF_CHECK_EQUAL(first.session->close_code, 1000);
  CAF_CHECK(second.session->started);
  CAF_CHECK_EQUAL(count_lines("connection_replaced"), 1u);
  CAF_CHECK_EQUAL(up.value(), up0 + 1);
  // The unanswered action died with its connection: tried again later.
  CAF_REQUIRE_EQUAL(confirmed->size(), 2u);
  CAF_CHECK_EQUAL(confirmed->at(1).outbox_id, 42u);
  CAF_CHECK_EQUAL(confirmed->at(1).outcome, "retry");
  // The replaced one ends: nothing changes.
  first.finished->store(true);
  caf::anon_send(client, net::ws_closed_atom::value, net::ws_close_info{});
  sched.run();
  reply("group:30003", "pong");
  CAF_REQUIRE_EQUAL(second.session->sent.size(), 1u);
  CAF_CHECK(second.session->sent[0].find("send_group_msg")
            != std::string::npos);
  // The driven one ends: replies fail fast until the next dial.
  second.finished->store(true);
  caf::anon_send(client, net::ws_closed_atom::value, net::ws_close_info{});
  sched.run();
  CAF_CHECK_EQUAL(count_lines("onebot disconnected"), 1u);
  CAF_CHECK_EQUAL(up.value(), up0);
  reply("private:20002", "lost");
  CAF_CHECK_EQUAL(count_lines("no OneBot implementation connected"), 2u);
  CAF_CHECK_EQUAL(state().state, node_state::running);
  auto third = accept_reverse(client, "10001");
  sched.run();
  reply("private:20002", "back");
  CAF_CHECK_EQUAL(third.session->sent.size(), 1u);
  CAF_CHECK_EQUAL(up.value(), up0 + 1);
  CAF_CHECK(!token_leaked());
}

CAF_TEST(reverse mode drops a connection whose heartbeats stop) {
  start("      mode: reverse\n      listen: 127.0.0.1:0\n");
  auto client = rt->directory().get("sender:onebot:main");
  CAF_REQUIRE(client);
  auto conn = accept_reverse(client, "10001");
  sched.run();
  caf::anon_send(client, net::ws_frame_atom::value,
                 std::string{R"({"time":1700000000,"self_id":10001,)"
                             R"("post_type":"meta_event",)"
                             R"("meta_event_type":"heartbeat",)"
                             R"("status":{"online":true},"interval":1000})"},
                 false);
  sched.run();
  advance(1999ms);
  CAF_CHECK(!conn.session->aborted);
  advance(1ms);
  CAF_CHECK(conn.session->aborted);
  CAF_CHECK_EQUAL(count_lines("heartbeat_missed"), 1u);
  // The listener stays: the node keeps running.
  CAF_CHECK_EQUAL(state().state, node_state::running);
}

CAF_TEST_FIXTURE_SCOPE_END()
