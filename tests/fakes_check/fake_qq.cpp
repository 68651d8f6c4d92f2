// Checks the fake QQ bot API against the wire facts of PROTOCOLS.md §2 with
// small blocking Beast clients. Every I/O step has a deadline.

#define CAF_SUITE fakes_check.fake_qq

#include "fakes/qq/fake_qq.hpp"

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"
#include "support/process.hpp"
#include "support/raw_clients.hpp"

using namespace std::chrono_literals;
using tether::fakes::fake_qq;
using tether::fakes::qq_options;
using tether::fakes::qq_token_fault;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using header_list = std::vector<std::pair<std::string, std::string>>;

using tether::test::raw::http_call;
using tether::test::raw::io_timeout;
using tether::test::raw::silence;
using tether::test::raw::ws_client;

/// Fetches a token; empty on failure.
std::string fetch_token(const fake_qq& fake,
                        const std::string& secret = "test-secret") {
  auto r
    = http_call(fake.port(), http::verb::post, "/app/getAppAccessToken",
                json{{"appId", "102000001"}, {"clientSecret", secret}}.dump());
  if (!r.ok || !r.body.is_object() || !r.body.contains("access_token"))
    return {};
  return r.body["access_token"];
}

header_list auth(const std::string& token) {
  return {{"Authorization", "QQBot " + token}};
}

json identify(const std::string& token, uint32_t shard = 0,
              uint32_t count = 1) {
  return json{{"op", 2},
              {"d",
               {{"token", "QQBot " + token},
                {"intents", (1 << 30) | (1 << 25) | (1 << 12)},
                {"shard", {shard, count}},
                {"properties", {{"$os", "linux"}}}}}};
}

/// Connects, reads Hello, identifies and reads READY.
std::optional<json> identify_client(ws_client& c, const std::string& token) {
  if (!c.connect()) return std::nullopt;
  auto hello = c.read();
  if (!hello || (*hello)["op"] != 10) return std::nullopt;
  if (!c.send(identify(token))) return std::nullopt;
  auto ready = c.read();
  if (!ready || (*ready)["t"] != "READY") return std::nullopt;
  return ready;
}

// CAF_CHECK_EQUAL binds its arguments to references: copy elements out of
// temporary vectors first.

fake_qq::shard_state shard_of(const fake_qq& fake, size_t i) {
  return fake.shards().at(i);
}

fake_qq::posted_message posted_at(const fake_qq& fake, size_t i) {
  return fake.posted().at(i);
}

} // namespace

CAF_TEST(token endpoint issues string expiries and rotates with a grace) {
  qq_options opts;
  opts.token_grace = 300ms;
  fake_qq fake{opts};
  auto bad
    = http_call(fake.port(), http::verb::post, "/app/getAppAccessToken",
                json{{"appId", "102000001"}, {"clientSecret", "nope"}}.dump());
  CAF_REQUIRE(bad.ok);
  CAF_CHECK_EQUAL(bad.body["code"], 100016);
  CAF_CHECK(!bad.body.contains("access_token"));
  auto r = http_call(
    fake.port(), http::verb::post, "/app/getAppAccessToken",
    json{{"appId", "102000001"}, {"clientSecret", "test-secret"}}.dump());
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.status(), 200u);
  CAF_REQUIRE(r.body["expires_in"].is_string());
  CAF_CHECK_EQUAL(r.body["expires_in"], "7200");
  auto first = r.body["access_token"].get<std::string>();
  CAF_CHECK(!first.empty());
  CAF_CHECK_EQUAL(fake.current_token(), first);
  auto second = fetch_token(fake);
  CAF_REQUIRE(!second.empty());
  CAF_CHECK_NOT_EQUAL(first, second);
  CAF_CHECK_EQUAL(fake.token_fetch_count(), 3);
  // The previous token works for the grace period only.
  CAF_CHECK(fake.token_valid(first));
  auto ok = http_call(fake.port(), http::verb::get, "/gateway", {},
                      auth(first));
  CAF_CHECK_EQUAL(ok.status(), 200u);
  CAF_CHECK(fake.wait_for(
    [&] {
      return !fake.token_valid(first);
    },
    2s));
  auto late = http_call(fake.port(), http::verb::get, "/gateway", {},
                        auth(first));
  CAF_CHECK_EQUAL(late.status(), 401u);
  CAF_CHECK_EQUAL(late.body["code"], 11244);
  CAF_CHECK(fake.has_violation("rest-401"));
  CAF_CHECK(fake.token_valid(second));
}

CAF_TEST(short lifetimes expire and keep the token without rotation) {
  qq_options opts;
  opts.token_lifetime = 1s;
  opts.token_grace = 0ms;
  opts.rotate_on_fetch = false;
  fake_qq fake{opts};
  auto a = fetch_token(fake);
  auto b = fetch_token(fake);
  CAF_CHECK(!a.empty());
  CAF_CHECK_EQUAL(a, b);
  CAF_CHECK(fake.wait_for(
    [&] {
      return !fake.token_valid(a);
    },
    3s));
  auto c = fetch_token(fake);
  CAF_CHECK_NOT_EQUAL(a, c);
  fake.expire_tokens();
  CAF_CHECK(!fake.token_valid(c));
}

CAF_TEST(token endpoint faults answer 500 or never) {
  fake_qq fake{qq_options{}};
  fake.fail_token(1, qq_token_fault::http_500);
  auto r = http_call(
    fake.port(), http::verb::post, "/app/getAppAccessToken",
    json{{"appId", "102000001"}, {"clientSecret", "test-secret"}}.dump());
  CAF_CHECK_EQUAL(r.status(), 500u);
  fake.fail_token(1, qq_token_fault::timeout);
  auto hung = http_call(
    fake.port(), http::verb::post, "/app/getAppAccessToken",
    json{{"appId", "102000001"}, {"clientSecret", "test-secret"}}.dump(), {},
    silence);
  CAF_CHECK(!hung.ok);
  CAF_CHECK(!fetch_token(fake).empty());
  CAF_CHECK_EQUAL(fake.token_fetch_count(), 3);
}

CAF_TEST(gateway and gateway bot need the token) {
  qq_options opts;
  opts.shards = 2;
  opts.max_concurrency = 1;
  fake_qq fake{opts};
  auto none = http_call(fake.port(), http::verb::get, "/gateway/bot");
  CAF_CHECK_EQUAL(none.status(), 401u);
  auto token = fetch_token(fake);
  auto gw = http_call(fake.port(), http::verb::get, "/gateway", {},
                      auth(token));
  CAF_CHECK_EQUAL(gw.status(), 200u);
  CAF_CHECK_EQUAL(gw.body["url"], fake.gateway_url());
  auto bot = http_call(fake.port(), http::verb::get, "/gateway/bot", {},
                       auth(token));
  CAF_CHECK_EQUAL(bot.status(), 200u);
  CAF_CHECK_EQUAL(bot.body["shards"], 2);
  auto& limit = bot.body["session_start_limit"];
  CAF_CHECK_EQUAL(limit["total"], 1000);
  CAF_CHECK_EQUAL(limit["remaining"], 1000);
  CAF_CHECK_EQUAL(limit["max_concurrency"], 1);
  CAF_CHECK(limit["reset_after"].is_number_integer());
}

CAF_TEST(hello identify ready heartbeat) {
  qq_options opts;
  opts.heartbeat_interval = 30000ms;
  fake_qq fake{opts};
  auto token = fetch_token(fake);
  ws_client c{fake.port(), "/websocket"};
  CAF_REQUIRE(c.connect());
  auto hello = c.read();
  CAF_REQUIRE(hello.has_value());
  CAF_CHECK_EQUAL((*hello)["op"], 10);
  CAF_CHECK_EQUAL((*hello)["d"]["heartbeat_interval"], 30000);
  CAF_REQUIRE(c.send(identify(token)));
  auto ready = c.read();
  CAF_REQUIRE(ready.has_value());
  CAF_CHECK_EQUAL((*ready)["op"], 0);
  CAF_CHECK_EQUAL((*ready)["t"], "READY");
  CAF_CHECK_EQUAL((*ready)["s"], 1);
  auto& d = (*ready)["d"];
  CAF_CHECK_EQUAL(d["version"], 1);
  CAF_CHECK(d["session_id"].is_string());
  CAF_CHECK_EQUAL(d["user"]["bot"], true);
  CAF_CHECK_EQUAL(d["user"]["id"], "6158788878435714165");
  CAF_CHECK_EQUAL(d["shard"], json::array({0, 1}));
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 1}}));
  auto ack = c.read();
  CAF_REQUIRE(ack.has_value());
  CAF_CHECK_EQUAL((*ack)["op"], 11);
  CAF_CHECK(fake.errors().empty());
  CAF_CHECK_EQUAL(shard_of(fake, 0).heartbeats, 1);
  CAF_CHECK(shard_of(fake, 0).connected);
  // A seq the fake never sent is wrong.
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 99}}));
  CAF_CHECK(c.read().has_value());
  CAF_CHECK(fake.has_violation("heartbeat-seq"));
  fake.stall_acks(0, true);
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 1}}));
  CAF_CHECK(!c.read(silence).has_value());
}

CAF_TEST(bad and stale tokens get 4004) {
  fake_qq fake{qq_options{}};
  auto token = fetch_token(fake);
  {
    ws_client c{fake.port(), "/websocket"};
    CAF_REQUIRE(c.connect());
    CAF_REQUIRE(c.read().has_value());
    CAF_REQUIRE(c.send(identify("made-up")));
    CAF_CHECK_EQUAL(c.wait_closed(), 4004);
    CAF_CHECK(!fake.has_violation("stale-token"));
  }
  fake.expire_tokens();
  ws_client c{fake.port(), "/websocket"};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value());
  CAF_REQUIRE(c.send(identify(token)));
  CAF_CHECK_EQUAL(c.wait_closed(), 4004);
  CAF_CHECK(fake.has_violation("stale-token"));
}

CAF_TEST(resume replays missed events then RESUMED) {
  fake_qq fake{qq_options{}};
  auto token = fetch_token(fake);
  std::string session_id;
  {
    ws_client c{fake.port(), "/websocket"};
    auto ready = identify_client(c, token);
    CAF_REQUIRE(ready);
    session_id = (*ready)["d"]["session_id"];
    auto seq = fake.dispatch(0, "C2C_MESSAGE_CREATE",
                             fake.c2c_message_json("U1", "one"));
    CAF_CHECK_EQUAL(seq, 2);
    auto one = c.read();
    CAF_REQUIRE(one.has_value());
    CAF_CHECK_EQUAL((*one)["s"], 2);
    CAF_CHECK_EQUAL((*one)["t"], "C2C_MESSAGE_CREATE");
    CAF_CHECK_EQUAL((*one)["d"]["content"], "one");
    CAF_CHECK_EQUAL((*one)["d"]["author"]["user_openid"], "U1");
    CAF_CHECK_EQUAL(
      (*one)["id"].get<std::string>().rfind("C2C_MESSAGE_CREATE:", 0), 0u);
    fake.drop(0);
    CAF_CHECK(!c.read().has_value());
  }
  CAF_REQUIRE(fake.wait_for(
    [&] {
      return !shard_of(fake, 0).connected;
    },
    1s));
  CAF_CHECK(shard_of(fake, 0).resumable);
  CAF_CHECK_EQUAL(fake.dispatch(0, "GROUP_AT_MESSAGE_CREATE",
                                fake.group_at_message_json("G1", "M1", "two")),
                  3);
  CAF_CHECK_EQUAL(
    fake.dispatch(0, "AT_MESSAGE_CREATE",
                  fake.guild_message_json("C1", "G9", "three", true)),
    4);
  ws_client c{fake.port(), "/websocket"};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value()); // hello
  CAF_REQUIRE(c.send(json{
    {"op", 6},
    {"d",
     {{"token", "QQBot " + token}, {"session_id", session_id}, {"seq", 2}}}}));
  auto two = c.read();
  CAF_REQUIRE(two.has_value());
  CAF_CHECK_EQUAL((*two)["s"], 3);
  CAF_CHECK_EQUAL((*two)["d"]["group_openid"], "G1");
  CAF_CHECK_EQUAL((*two)["d"]["author"]["member_openid"], "M1");
  auto three = c.read();
  CAF_REQUIRE(three.has_value());
  CAF_CHECK_EQUAL((*three)["s"], 4);
  CAF_CHECK_EQUAL((*three)["d"]["content"], "<@!6158788878435714165> three");
  auto resumed = c.read();
  CAF_REQUIRE(resumed.has_value());
  CAF_CHECK_EQUAL((*resumed)["t"], "RESUMED");
  CAF_CHECK_EQUAL((*resumed)["s"], 5);
  CAF_CHECK_EQUAL((*resumed)["d"], "");
  CAF_CHECK_EQUAL(fake.resume_count(), 1);
  CAF_CHECK_EQUAL(shard_of(fake, 0).resumes, 1);
  CAF_CHECK(shard_of(fake, 0).connected);
  // The same msg id pushed twice: same body and event id, two seqs.
  auto d = fake.c2c_message_json("U1", "again", "ROBOT1.0_dup");
  CAF_CHECK_EQUAL(fake.dispatch_twice(0, "C2C_MESSAGE_CREATE", d), 7);
  auto x = c.read();
  auto y = c.read();
  CAF_REQUIRE(x && y);
  CAF_CHECK_EQUAL((*x)["d"]["id"], "ROBOT1.0_dup");
  CAF_CHECK_EQUAL((*y)["d"]["id"], "ROBOT1.0_dup");
  CAF_CHECK_EQUAL((*x)["id"], (*y)["id"]);
  CAF_CHECK_EQUAL((*y)["s"], 7);
}

CAF_TEST(close codes decide what may resume) {
  fake_qq fake{qq_options{}};
  auto token = fetch_token(fake);
  std::string sid;
  {
    ws_client c{fake.port(), "/websocket"};
    auto ready = identify_client(c, token);
    CAF_REQUIRE(ready);
    sid = (*ready)["d"]["session_id"];
    fake.close_with(0, 4009, "connection expired");
    CAF_CHECK_EQUAL(c.wait_closed(), 4009);
  }
  CAF_CHECK(shard_of(fake, 0).resumable);
  {
    ws_client c{fake.port(), "/websocket"};
    CAF_REQUIRE(c.connect());
    CAF_REQUIRE(c.read().has_value());
    CAF_REQUIRE(c.send(json{
      {"op", 6},
      {"d", {{"token", "QQBot " + token}, {"session_id", sid}, {"seq", 1}}}}));
    CAF_CHECK(c.read_until([](const json& m) {
      return m["t"] == "RESUMED";
    }));
    fake.close_with(0, 4006, "invalid session");
    CAF_CHECK_EQUAL(c.wait_closed(), 4006);
  }
  CAF_CHECK(!shard_of(fake, 0).resumable);
  {
    ws_client c{fake.port(), "/websocket"};
    CAF_REQUIRE(c.connect());
    CAF_REQUIRE(c.read().has_value());
    CAF_REQUIRE(c.send(json{
      {"op", 6},
      {"d", {{"token", "QQBot " + token}, {"session_id", sid}, {"seq", 1}}}}));
    CAF_CHECK_EQUAL(c.wait_closed(), 4006);
  }
  CAF_CHECK(fake.errors().empty());
}

CAF_TEST(a 4914 bans later connections and 1000 ends the session) {
  fake_qq fake{qq_options{}};
  auto token = fetch_token(fake);
  {
    ws_client c{fake.port(), "/websocket"};
    CAF_REQUIRE(identify_client(c, token));
    c.close(1000);
  }
  CAF_CHECK(fake.wait_for(
    [&] {
      return fake.has_violation("session-ended");
    },
    1s));
  CAF_CHECK(!shard_of(fake, 0).resumable);
  CAF_CHECK_EQUAL(shard_of(fake, 0).last_close_code, 1000);
  // A fresh fake: its identify budget for these 5 s is untouched.
  qq_options opts;
  opts.max_concurrency = 2;
  fake_qq fake2{opts};
  auto token2 = fetch_token(fake2);
  {
    ws_client c{fake2.port(), "/websocket"};
    CAF_REQUIRE(identify_client(c, token2));
    fake2.close_with(0, 4914, "bot offline");
    CAF_CHECK_EQUAL(c.wait_closed(), 4914);
  }
  ws_client c{fake2.port(), "/websocket"};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value());
  CAF_REQUIRE(c.send(identify(token2)));
  CAF_CHECK_EQUAL(c.wait_closed(), 4914);
  CAF_CHECK(fake2.has_violation("reconnect-after-fatal"));
}

CAF_TEST(identify rules : hello first and max_concurrency per 5 s) {
  qq_options opts;
  opts.hello_delay = 200ms;
  fake_qq fake{opts};
  auto token = fetch_token(fake);
  ws_client c{fake.port(), "/websocket"};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.send(identify(token)));
  CAF_CHECK(c.read_until([](const json& m) {
    return m["t"] == "READY";
  }));
  CAF_CHECK(fake.has_violation("identify-before-hello"));
  ws_client c2{fake.port(), "/websocket"};
  CAF_REQUIRE(c2.connect());
  CAF_REQUIRE(c2.read().has_value()); // hello
  CAF_REQUIRE(c2.send(identify(token)));
  auto nine = c2.read();
  CAF_REQUIRE(nine.has_value());
  CAF_CHECK_EQUAL((*nine)["op"], 9);
  CAF_CHECK(fake.has_violation("identify-rate"));
  CAF_CHECK_EQUAL(fake.identify_count(), 2);
}

CAF_TEST(faults : drop reconnect invalid session half open refuse) {
  fake_qq fake{qq_options{}};
  auto token = fetch_token(fake);
  ws_client c{fake.port(), "/websocket"};
  CAF_REQUIRE(identify_client(c, token));
  fake.send_reconnect(0);
  auto seven = c.read();
  CAF_REQUIRE(seven.has_value());
  CAF_CHECK_EQUAL((*seven)["op"], 7);
  fake.send_invalid_session(0);
  auto nine = c.read();
  CAF_REQUIRE(nine.has_value());
  CAF_CHECK_EQUAL((*nine)["op"], 9);
  CAF_CHECK(!shard_of(fake, 0).resumable);
  fake.half_open(0);
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 1}}));
  CAF_CHECK(!c.read(silence).has_value());
  fake.refuse_for(500ms);
  ws_client refused{fake.port(), "/websocket"};
  CAF_CHECK(!refused.connect());
  CAF_CHECK(fake.wait_for(
    [&] {
      ws_client again{fake.port(), "/websocket"};
      return again.connect();
    },
    2s));
}

CAF_TEST(messages are recorded and a reused msg_seq is flagged) {
  fake_qq fake{qq_options{}};
  auto token = fetch_token(fake);
  auto post = [&](const std::string& path, const json& body) {
    return http_call(fake.port(), http::verb::post, path, body.dump(),
                     auth(token));
  };
  json reply{
    {"content", "hi"}, {"msg_type", 0}, {"msg_id", "M1"}, {"msg_seq", 1}};
  auto a = post("/v2/groups/G1/messages", reply);
  CAF_CHECK_EQUAL(a.status(), 200u);
  CAF_CHECK(a.body["id"].is_string());
  CAF_CHECK(a.body["timestamp"].is_string());
  auto b = post("/v2/users/U1/messages", reply);
  CAF_CHECK_EQUAL(b.status(), 400u);
  CAF_CHECK_EQUAL(b.body["code"], 40054005);
  CAF_CHECK(fake.has_violation("msg-seq-reused"));
  reply["msg_seq"] = 2;
  CAF_CHECK_EQUAL(post("/v2/users/U1/messages", reply).status(), 200u);
  auto ch = post("/channels/C1/messages",
                 json{{"content", "guild"}, {"msg_id", "M9"}});
  CAF_CHECK_EQUAL(ch.status(), 200u);
  CAF_CHECK_EQUAL(ch.body["channel_id"], "C1");
  CAF_CHECK_EQUAL(post("/dms/G7/messages", json{{"content", "dm"}}).status(),
                  200u);
  auto unauth = http_call(fake.port(), http::verb::post,
                          "/v2/groups/G1/messages", reply.dump(),
                          auth("wrong"));
  CAF_CHECK_EQUAL(unauth.status(), 401u);
  auto posted = fake.posted();
  CAF_REQUIRE_EQUAL(posted.size(), 5u);
  auto first = posted_at(fake, 0);
  CAF_CHECK_EQUAL(first.scene, "group");
  CAF_CHECK_EQUAL(first.target, "G1");
  CAF_CHECK_EQUAL(first.content, "hi");
  CAF_CHECK_EQUAL(first.msg_id, "M1");
  CAF_CHECK_EQUAL(first.msg_seq, 1);
  CAF_CHECK_EQUAL(posted_at(fake, 1).status, 400u);
  CAF_CHECK_EQUAL(posted_at(fake, 2).scene, "c2c");
  CAF_CHECK_EQUAL(posted_at(fake, 3).msg_seq, 1); // the default
  CAF_CHECK_EQUAL(posted_at(fake, 4).scene, "dms");
  CAF_CHECK_EQUAL(posted_at(fake, 4).target, "G7");
  fake.fail_rest(429, 1, "/v2/");
  CAF_CHECK_EQUAL(
    post("/channels/C1/messages", json{{"content", "x"}}).status(), 200u);
  CAF_CHECK_EQUAL(
    post("/v2/users/U1/messages", json{{"content", "x"}}).status(), 429u);
  CAF_CHECK_EQUAL(
    post("/v2/users/U1/messages", json{{"content", "x"}}).status(), 200u);
}

CAF_TEST(the cli prints its port and stops on sigterm) {
  using tether::test::deadline_in;
  using tether::test::process;
  // Built with the tests (CMakeLists.txt): a missing binary fails.
  std::string path = FAKE_QQ_PATH;
  process::options popts;
  popts.args = {path, "--port", "0", "--shards", "2"};
  process proc{popts};
  CAF_REQUIRE(proc.started());
  auto line = proc.read_line(process::stream::out, deadline_in(3s));
  CAF_REQUIRE(line.has_value());
  CAF_REQUIRE_EQUAL(line->rfind("listening 127.0.0.1:", 0), 0u);
  auto port = static_cast<uint16_t>(std::stoi(line->substr(20)));
  auto r = http_call(
    port, http::verb::post, "/app/getAppAccessToken",
    json{{"appId", "102000001"}, {"clientSecret", "test-secret"}}.dump());
  CAF_CHECK_EQUAL(r.status(), 200u);
  CAF_CHECK(r.body.contains("access_token"));
  CAF_CHECK(proc.signal(SIGTERM));
  auto rc = proc.wait_exit(deadline_in(3s));
  CAF_CHECK(rc && *rc == 0);
}
