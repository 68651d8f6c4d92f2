// Checks the fake mirai-api-http adapter against PROTOCOLS.md §3 with
// small blocking Beast clients. Every I/O step has a deadline.

#define CAF_SUITE fakes_check.fake_mirai

#include "fakes/mirai/fake_mirai.hpp"

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
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"
#include "support/process.hpp"
#include "support/raw_clients.hpp"

using namespace std::chrono_literals;
using tether::fakes::fake_mirai;
using tether::fakes::mirai_chain;
using tether::fakes::mirai_options;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;
using header_list = std::vector<std::pair<std::string, std::string>>;

using tether::test::raw::io_timeout;
using tether::test::raw::silence;
using tether::test::raw::ws_client;

std::string target(const std::string& channel, const std::string& key,
                   const std::string& qq) {
  std::string t = "/" + channel + "?verifyKey=" + key;
  if (!qq.empty()) t += "&qq=" + qq;
  return t;
}

/// Connects to /<channel> and reads the auth frame.
std::optional<json> open_session(ws_client& c) {
  if (!c.connect()) return std::nullopt;
  auto hello = c.read();
  if (!hello || (*hello)["syncId"] != "" || (*hello)["data"]["code"] != 0)
    return std::nullopt;
  return hello;
}

json command(const std::string& sync_id, const std::string& name,
             json content = nullptr) {
  return json{{"syncId", sync_id},
              {"command", name},
              {"subCommand", nullptr},
              {"content", std::move(content)}};
}

json group_send(const std::string& sync_id) {
  return command(sync_id, "sendGroupMessage",
                 {{"target", 987654321},
                  {"messageChain", {{{"type", "Plain"}, {"text", "hello"}}}}});
}

} // namespace

CAF_TEST(a wrong verify key gets code 1 then close 1000) {
  fake_mirai fake{mirai_options{}};
  ws_client c{fake.port(), target("all", "wrong", "10001")};
  CAF_REQUIRE(c.connect());
  auto err = c.read();
  CAF_REQUIRE(err.has_value());
  CAF_CHECK_EQUAL((*err)["syncId"], "");
  CAF_CHECK_EQUAL((*err)["data"]["code"], 1);
  CAF_CHECK((*err)["data"]["msg"].is_string());
  CAF_CHECK_EQUAL(c.wait_closed(), 1000);
  CAF_CHECK_EQUAL(c.close_reason, (*err)["data"]["msg"].get<std::string>());
  CAF_CHECK_EQUAL(fake.session_count(), 0);
}

CAF_TEST(an unknown bot gets code 2 and no qq gets 400) {
  fake_mirai fake{mirai_options{}};
  {
    ws_client c{fake.port(), target("all", "test-verify-key", "777")};
    CAF_REQUIRE(c.connect());
    auto err = c.read();
    CAF_REQUIRE(err.has_value());
    CAF_CHECK_EQUAL((*err)["data"]["code"], 2);
    CAF_CHECK_EQUAL(c.wait_closed(), 1000);
  }
  {
    ws_client c{fake.port(), target("all", "test-verify-key", "")};
    CAF_REQUIRE(c.connect());
    auto err = c.read();
    CAF_REQUIRE(err.has_value());
    CAF_CHECK_EQUAL((*err)["data"]["code"], 400);
    CAF_CHECK_EQUAL(c.wait_closed(), 1000);
  }
  // Headers win over the query.
  ws_client c{fake.port(),
              "/all?verifyKey=wrong&qq=10001",
              {{"verifyKey", "test-verify-key"}}};
  CAF_CHECK(open_session(c).has_value());
}

CAF_TEST(commands are answered by syncId and recorded) {
  fake_mirai fake{mirai_options{}};
  ws_client c{fake.port(), target("all", "test-verify-key", "10001")};
  auto hello = open_session(c);
  CAF_REQUIRE(hello);
  CAF_CHECK((*hello)["data"]["session"].is_string());
  CAF_CHECK_EQUAL(fake.session_count(), 1);
  CAF_REQUIRE(c.send(group_send("7")));
  auto r = c.read();
  CAF_REQUIRE(r.has_value());
  CAF_CHECK_EQUAL((*r)["syncId"], "7");
  CAF_CHECK_EQUAL((*r)["data"]["code"], 0);
  CAF_CHECK_EQUAL((*r)["data"]["msg"], "success");
  CAF_CHECK((*r)["data"]["messageId"].is_number_integer());
  CAF_REQUIRE(
    c.send(command("8", "sendFriendMessage",
                   {{"target", 42},
                    {"messageChain", {{{"type", "Plain"}, {"text", "hi"}}}}})));
  CAF_REQUIRE(
    c.send(command("9", "sendTempMessage",
                   {{"qq", 42},
                    {"group", 5},
                    {"messageChain", {{{"type", "Plain"}, {"text", "hi"}}}}})));
  CAF_REQUIRE(c.send(command("10", "about")));
  for (auto id : {"8", "9"}) {
    auto m = c.read();
    CAF_REQUIRE(m.has_value());
    CAF_CHECK_EQUAL((*m)["syncId"], id);
    CAF_CHECK_EQUAL((*m)["data"]["code"], 0);
  }
  auto about = c.read();
  CAF_REQUIRE(about.has_value());
  CAF_CHECK_EQUAL((*about)["syncId"], "10");
  CAF_CHECK((*about)["data"]["data"]["version"].is_string());
  // A numeric syncId comes back as a string; unknown commands get 6.
  CAF_REQUIRE(c.send(json{{"syncId", 11}, {"command", "noSuchCommand"}}));
  auto unknown = c.read();
  CAF_REQUIRE(unknown.has_value());
  CAF_CHECK_EQUAL((*unknown)["syncId"], "11");
  CAF_CHECK_EQUAL((*unknown)["data"]["code"], 6);
  auto cmds = fake.commands();
  CAF_REQUIRE_EQUAL(cmds.size(), 5u);
  CAF_CHECK_EQUAL(cmds[0].sync_id, "7");
  CAF_CHECK_EQUAL(cmds[0].command, "sendGroupMessage");
  CAF_CHECK_EQUAL(cmds[0].channel, "all");
  CAF_CHECK(cmds[0].answered);
  auto content = json::parse(cmds[0].content);
  CAF_CHECK_EQUAL(content["target"], 987654321);
  CAF_CHECK_EQUAL(fake.command_count("about"), 1);
  CAF_CHECK(fake.violations().empty());
  CAF_REQUIRE(c.send(group_send("-1")));
  CAF_CHECK(c.read().has_value());
  CAF_CHECK(fake.has_violation("sync-id-reserved"));
}

CAF_TEST(swallowed commands get no answer and failures carry a code) {
  fake_mirai fake{mirai_options{}};
  ws_client c{fake.port(), target("all", "test-verify-key", "10001")};
  CAF_REQUIRE(open_session(c));
  fake.swallow("sendGroupMessage", 1);
  CAF_REQUIRE(c.send(group_send("1")));
  CAF_CHECK(!c.read(silence).has_value());
  // Only one was swallowed.
  CAF_REQUIRE(c.send(group_send("2")));
  auto r = c.read();
  CAF_REQUIRE(r.has_value());
  CAF_CHECK_EQUAL((*r)["syncId"], "2");
  auto cmds = fake.commands();
  CAF_REQUIRE_EQUAL(cmds.size(), 2u);
  CAF_CHECK(!cmds[0].answered);
  fake.fail_command("sendGroupMessage", 20);
  CAF_REQUIRE(c.send(group_send("3")));
  auto failed = c.read();
  CAF_REQUIRE(failed.has_value());
  CAF_CHECK_EQUAL((*failed)["data"]["code"], 20);
}

CAF_TEST(delayed answers arrive late) {
  fake_mirai fake{mirai_options{}};
  ws_client c{fake.port(), target("all", "test-verify-key", "10001")};
  CAF_REQUIRE(open_session(c));
  fake.delay_answers(300ms);
  auto t0 = steady::now();
  CAF_REQUIRE(c.send(group_send("4")));
  auto r = c.read();
  CAF_REQUIRE(r.has_value());
  CAF_CHECK_EQUAL((*r)["syncId"], "4");
  CAF_CHECK(steady::now() - t0 >= 250ms);
}

CAF_TEST(pushes use the reserved syncId and follow the channel) {
  fake_mirai fake{mirai_options{}};
  ws_client all{fake.port(), target("all", "test-verify-key", "10001")};
  ws_client msgs{fake.port(), target("message", "test-verify-key", "10001")};
  ws_client events{fake.port(), target("event", "test-verify-key", "10001")};
  CAF_REQUIRE(open_session(all));
  CAF_REQUIRE(open_session(msgs));
  CAF_REQUIRE(open_session(events));
  auto id = fake.push_group_message(
    555, 42,
    mirai_chain{}.at(10001).plain(" hi").face(14, "微笑").image("{ABC}.png"));
  auto g = all.read();
  CAF_REQUIRE(g.has_value());
  CAF_CHECK_EQUAL((*g)["syncId"], "-1");
  auto& data = (*g)["data"];
  CAF_CHECK_EQUAL(data["type"], "GroupMessage");
  CAF_CHECK_EQUAL(data["sender"]["id"], 42);
  CAF_CHECK_EQUAL(data["sender"]["group"]["id"], 555);
  CAF_CHECK_EQUAL(data["sender"]["permission"], "MEMBER");
  auto& chain = data["messageChain"];
  CAF_REQUIRE_EQUAL(chain.size(), 5u);
  CAF_CHECK_EQUAL(chain[0]["type"], "Source");
  CAF_CHECK_EQUAL(chain[0]["id"], id);
  CAF_CHECK_EQUAL(chain[1]["type"], "At");
  CAF_CHECK_EQUAL(chain[1]["target"], 10001);
  CAF_CHECK_EQUAL(chain[2]["text"], " hi");
  CAF_CHECK_EQUAL(chain[3]["faceId"], 14);
  CAF_CHECK_EQUAL(chain[4]["imageId"], "{ABC}.png");
  CAF_CHECK(msgs.read().has_value());
  CAF_CHECK(!events.read(silence).has_value());
  fake.push_friend_message(
    42, mirai_chain{}.quote(id, 555, 42, 555, "hi").at_all().plain("x"));
  auto f = msgs.read();
  CAF_REQUIRE(f.has_value());
  CAF_CHECK_EQUAL((*f)["data"]["type"], "FriendMessage");
  CAF_CHECK_EQUAL((*f)["data"]["sender"]["nickname"], "alice");
  CAF_CHECK_EQUAL((*f)["data"]["messageChain"][1]["type"], "Quote");
  CAF_CHECK_EQUAL((*f)["data"]["messageChain"][2]["type"], "AtAll");
  fake.push_temp_message(555, 43, mirai_chain{}.plain("t"));
  auto t = msgs.read();
  CAF_REQUIRE(t.has_value());
  CAF_CHECK_EQUAL((*t)["data"]["type"], "TempMessage");
  fake.push_bot_offline_dropped();
  fake.push_bot_relogin();
  auto off = events.read();
  CAF_REQUIRE(off.has_value());
  CAF_CHECK_EQUAL((*off)["data"]["type"], "BotOfflineEventDropped");
  CAF_CHECK_EQUAL((*off)["data"]["qq"], 10001);
  auto re = events.read();
  CAF_REQUIRE(re.has_value());
  CAF_CHECK_EQUAL((*re)["data"]["type"], "BotReloginEvent");
  CAF_CHECK(!msgs.read(silence).has_value());
}

CAF_TEST(faults : half open drop refuse close) {
  fake_mirai fake{mirai_options{}};
  {
    ws_client c{fake.port(), target("all", "test-verify-key", "10001")};
    CAF_REQUIRE(open_session(c));
    fake.half_open();
    CAF_REQUIRE(c.send(command("1", "about")));
    CAF_CHECK(!c.read(silence).has_value());
  }
  {
    ws_client c{fake.port(), target("all", "test-verify-key", "10001")};
    CAF_REQUIRE(open_session(c));
    fake.drop();
    CAF_CHECK(!c.read().has_value());
    CAF_CHECK_EQUAL(c.close_code, 0);
  }
  {
    ws_client c{fake.port(), target("all", "test-verify-key", "10001")};
    CAF_REQUIRE(open_session(c));
    fake.close_all(1011, "restart");
    CAF_CHECK_EQUAL(c.wait_closed(), 1011);
  }
  fake.refuse_for(400ms);
  ws_client refused{fake.port(), target("all", "test-verify-key", "10001")};
  CAF_CHECK(!refused.connect());
  CAF_CHECK(fake.wait_for(
    [&] {
      ws_client c{fake.port(), target("all", "test-verify-key", "10001")};
      return open_session(c).has_value();
    },
    2s));
}

CAF_TEST(the cli prints its port and stops on sigterm) {
  using tether::test::deadline_in;
  using tether::test::process;
  // Built with the tests (CMakeLists.txt): a missing binary fails.
  std::string path = FAKE_MIRAI_PATH;
  process::options popts;
  popts.args = {path, "--port", "0", "--verify-key", "k", "--qq", "123"};
  process proc{popts};
  CAF_REQUIRE(proc.started());
  auto line = proc.read_line(process::stream::out, deadline_in(3s));
  CAF_REQUIRE(line.has_value());
  CAF_REQUIRE_EQUAL(line->rfind("listening 127.0.0.1:", 0), 0u);
  auto port = static_cast<uint16_t>(std::stoi(line->substr(20)));
  ws_client c{port, target("all", "k", "123")};
  CAF_CHECK(open_session(c).has_value());
  CAF_CHECK(proc.signal(SIGTERM));
  auto rc = proc.wait_exit(deadline_in(3s));
  CAF_CHECK(rc && *rc == 0);
}
