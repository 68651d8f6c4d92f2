// Checks the fake OneBot v11 implementation against PROTOCOLS.md §4 with
// small blocking Beast clients. Every I/O step has a deadline.

#define CAF_SUITE fakes_check.fake_onebot

#include "fakes/onebot/fake_onebot.hpp"

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <stdexcept>
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
using tether::fakes::fake_onebot;
using tether::fakes::onebot_format;
using tether::fakes::onebot_options;
using tether::fakes::onebot_role;

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
using tether::test::raw::run_until;
using tether::test::raw::silence;
using tether::test::raw::ws_client;

header_list bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

onebot_options fast_options() {
  onebot_options opts;
  opts.heartbeat_interval = 150ms;
  return opts;
}

bool is_meta(const json& m, const char* type) {
  return m["post_type"] == "meta_event" && m["meta_event_type"] == type;
}

bool is_message(const json& m) {
  return m["post_type"] == "message";
}

/// Accepts one reverse connection from the fake, blocking with deadlines.
class reverse_server {
public:
  reverse_server()
    : acceptor_(ioc_, tcp::endpoint{asio::ip::address_v4::loopback(), 0}) {
    // nop
  }

  uint16_t port() const {
    return acceptor_.local_endpoint().port();
  }

  bool accept(std::chrono::milliseconds timeout = io_timeout) {
    tcp::socket sock{ioc_};
    bool done = false;
    beast::error_code err;
    acceptor_.async_accept(sock, [&](beast::error_code ec) {
      err = ec;
      done = true;
    });
    if (!run_until(ioc_, done, timeout,
                   [&] {
                     acceptor_.cancel();
                   })
        || err)
      return false;
    ws_.emplace(std::move(sock));
    auto& stream = beast::get_lowest_layer(*ws_);
    done = false;
    request = {};
    http::async_read(stream, buffer_, request,
                     [&](beast::error_code ec, size_t) {
                       err = ec;
                       done = true;
                     });
    if (!run_until(ioc_, done, timeout,
                   [&] {
                     stream.close();
                   })
        || err)
      return false;
    done = false;
    ws_->async_accept(request, [&](beast::error_code ec) {
      err = ec;
      done = true;
    });
    return run_until(ioc_, done, timeout,
                     [&] {
                       stream.close();
                     })
           && !err;
  }

  std::optional<json> read(std::chrono::milliseconds timeout = io_timeout) {
    beast::flat_buffer buf;
    bool done = false;
    beast::error_code err;
    ws_->async_read(buf, [&](beast::error_code ec, size_t) {
      err = ec;
      done = true;
    });
    if (!run_until(ioc_, done, timeout,
                   [&] {
                     beast::get_lowest_layer(*ws_).close();
                   })
        || err)
      return std::nullopt;
    return json::parse(beast::buffers_to_string(buf.data()), nullptr, false);
  }

  bool send(const json& frame) {
    auto text = frame.dump();
    bool done = false;
    beast::error_code err;
    ws_->text(true);
    ws_->async_write(asio::buffer(text), [&](beast::error_code ec, size_t) {
      err = ec;
      done = true;
    });
    run_until(ioc_, done, io_timeout, [&] {
      beast::get_lowest_layer(*ws_).close();
    });
    return done && !err;
  }

  /// Closes the socket without a close frame.
  void drop() {
    beast::get_lowest_layer(*ws_).close();
    ws_.reset();
  }

  http::request<http::string_body> request;

private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  beast::flat_buffer buffer_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
};

} // namespace

CAF_TEST(forward ws needs the access token) {
  fake_onebot fake{onebot_options{}};
  {
    ws_client c{fake.port(), "/"};
    CAF_CHECK(!c.connect());
    CAF_CHECK_EQUAL(c.response.result_int(), 401u);
  }
  {
    ws_client c{fake.port(), "/", bearer("wrong")};
    CAF_CHECK(!c.connect());
    CAF_CHECK_EQUAL(c.response.result_int(), 403u);
  }
  {
    ws_client c{fake.port(), "/api?access_token=test-token"};
    CAF_CHECK(c.connect());
  }
  {
    ws_client c{fake.port(), "/nope", bearer("test-token")};
    CAF_CHECK(!c.connect());
    CAF_CHECK_EQUAL(c.response.result_int(), 404u);
  }
  ws_client c{fake.port(), "/", bearer("test-token")};
  CAF_REQUIRE(c.connect());
  auto life = c.read();
  CAF_REQUIRE(life.has_value());
  CAF_CHECK(is_meta(*life, "lifecycle"));
  CAF_CHECK_EQUAL((*life)["sub_type"], "connect");
  CAF_CHECK_EQUAL((*life)["self_id"], 10001);
  CAF_CHECK((*life)["time"].is_number_integer());
  CAF_CHECK_EQUAL(fake.auth_failures(), 2);
  CAF_CHECK_EQUAL(fake.connection_count(), 2);
}

CAF_TEST(heartbeats arrive at the configured interval and can stop) {
  fake_onebot fake{fast_options()};
  ws_client c{fake.port(), "/event", bearer("test-token")};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value()); // lifecycle
  auto first = c.read(1s);
  CAF_REQUIRE(first.has_value());
  auto t0 = steady::now();
  CAF_CHECK(is_meta(*first, "heartbeat"));
  CAF_CHECK_EQUAL((*first)["interval"], 150);
  CAF_CHECK_EQUAL((*first)["status"]["online"], true);
  CAF_CHECK_EQUAL((*first)["status"]["good"], true);
  auto second = c.read(1s);
  CAF_REQUIRE(second.has_value());
  auto gap = steady::now() - t0;
  CAF_CHECK(is_meta(*second, "heartbeat"));
  CAF_CHECK(gap >= 100ms);
  CAF_CHECK(gap <= 400ms);
  fake.stop_heartbeats(true);
  // One may already be on its way.
  c.read(200ms);
  CAF_CHECK(!c.read(400ms).has_value());
  // The socket is still there.
  auto id = fake.push_private_message(42, "still here");
  auto m = c.read();
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL((*m)["message_id"], id);
  fake.stop_heartbeats(false);
  CAF_CHECK(c.read(1s).has_value());
}

CAF_TEST(actions are answered with the echo) {
  onebot_options opts;
  opts.heartbeat_enabled = false;
  fake_onebot fake{opts};
  ws_client c{fake.port(), "/api", bearer("test-token")};
  CAF_REQUIRE(c.connect());
  // API connections get no events.
  fake.push_private_message(42, "hi");
  CAF_CHECK(!c.read(silence).has_value());
  CAF_REQUIRE(c.send(json{{"action", "send_private_msg"},
                          {"params", {{"user_id", 42}, {"message", "hi"}}},
                          {"echo", "e1"}}));
  auto r = c.read();
  CAF_REQUIRE(r.has_value());
  CAF_CHECK_EQUAL((*r)["status"], "ok");
  CAF_CHECK_EQUAL((*r)["retcode"], 0);
  CAF_CHECK((*r)["data"]["message_id"].is_number_integer());
  CAF_CHECK_EQUAL((*r)["echo"], "e1");
  json echo{{"seq", 2}};
  CAF_REQUIRE(c.send(
    json{{"action", "send_group_msg"},
         {"params",
          {{"group_id", 5},
           {"message", {{{"type", "text"}, {"data", {{"text", "x"}}}}}}}},
         {"echo", echo}}));
  auto g = c.read();
  CAF_REQUIRE(g.has_value());
  CAF_CHECK_EQUAL((*g)["echo"], echo);
  CAF_CHECK_EQUAL((*g)["retcode"], 0);
  CAF_REQUIRE(c.send(
    json{{"action", "send_msg"},
         {"params",
          {{"message_type", "group"}, {"group_id", "5"}, {"message", "y"}}},
         {"echo", 3}}));
  CAF_REQUIRE(c.send(json{{"action", "get_login_info"}, {"echo", 4}}));
  CAF_REQUIRE(c.send(json{{"action", "nope"}, {"echo", 5}}));
  CAF_REQUIRE(c.send(json{{"action", "send_private_msg"},
                          {"params", {{"user_id", 42}}},
                          {"echo", 6}}));
  auto s = c.read();
  auto login = c.read();
  auto unknown = c.read();
  auto invalid = c.read();
  CAF_REQUIRE(s && login && unknown && invalid);
  CAF_CHECK_EQUAL((*s)["retcode"], 0);
  CAF_CHECK_EQUAL((*login)["data"]["user_id"], 10001);
  CAF_CHECK((*login)["data"]["nickname"].is_string());
  CAF_CHECK_EQUAL((*unknown)["status"], "failed");
  CAF_CHECK_EQUAL((*unknown)["retcode"], 1404);
  CAF_CHECK_EQUAL((*unknown)["echo"], 5);
  CAF_CHECK_EQUAL((*invalid)["retcode"], 1400);
  auto actions = fake.actions();
  CAF_REQUIRE_EQUAL(actions.size(), 6u);
  CAF_CHECK_EQUAL(actions[0].action, "send_private_msg");
  CAF_CHECK_EQUAL(actions[0].echo, "\"e1\"");
  auto params = json::parse(actions[0].params);
  CAF_CHECK_EQUAL(params["user_id"], 42);
  CAF_CHECK_EQUAL(actions[0].role, "api");
  CAF_CHECK_EQUAL(actions[4].retcode, 1404);
  CAF_CHECK_EQUAL(fake.action_count("send_msg"), 1);
}

CAF_TEST(swallowed and failing actions) {
  onebot_options opts;
  opts.heartbeat_enabled = false;
  fake_onebot fake{opts};
  ws_client c{fake.port(), "/", bearer("test-token")};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value()); // lifecycle
  json send{{"action", "send_group_msg"},
            {"params", {{"group_id", 5}, {"message", "x"}}},
            {"echo", "a"}};
  fake.swallow("send_group_msg", 1);
  CAF_REQUIRE(c.send(send));
  CAF_CHECK(!c.read(silence).has_value());
  fake.fail_action("send_group_msg", 100);
  send["echo"] = "b";
  CAF_REQUIRE(c.send(send));
  auto f = c.read();
  CAF_REQUIRE(f.has_value());
  CAF_CHECK_EQUAL((*f)["status"], "failed");
  CAF_CHECK_EQUAL((*f)["retcode"], 100);
  CAF_CHECK_EQUAL((*f)["echo"], "b");
  send["echo"] = "c";
  CAF_REQUIRE(c.send(send));
  auto ok = c.read();
  CAF_REQUIRE(ok.has_value());
  CAF_CHECK_EQUAL((*ok)["retcode"], 0);
  auto swallowed = fake.actions().at(0);
  CAF_CHECK_EQUAL(swallowed.retcode, -1);
}

CAF_TEST(message events as cq strings or segment arrays) {
  onebot_options opts;
  opts.heartbeat_enabled = false;
  fake_onebot fake{opts};
  ws_client c{fake.port(), "/event", bearer("test-token")};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value()); // lifecycle
  auto cq = std::string{"[CQ:at,qq=10001] hi &#91;x&#93;[CQ:face,id=178]"};
  auto id = fake.push_group_message(5, 42, cq);
  auto s = c.read();
  CAF_REQUIRE(s.has_value());
  CAF_CHECK(is_message(*s));
  CAF_CHECK_EQUAL((*s)["message_type"], "group");
  CAF_CHECK_EQUAL((*s)["message_id"], id);
  CAF_CHECK_EQUAL((*s)["group_id"], 5);
  CAF_CHECK_EQUAL((*s)["message"], cq);
  CAF_CHECK_EQUAL((*s)["raw_message"], cq);
  CAF_CHECK_EQUAL((*s)["sender"]["role"], "member");
  fake.set_message_format(onebot_format::array);
  fake.push_private_message(42, cq);
  auto a = c.read();
  CAF_REQUIRE(a.has_value());
  CAF_CHECK_EQUAL((*a)["message_type"], "private");
  CAF_CHECK_EQUAL((*a)["sub_type"], "friend");
  auto& segs = (*a)["message"];
  CAF_REQUIRE(segs.is_array());
  CAF_REQUIRE_EQUAL(segs.size(), 3u);
  CAF_CHECK_EQUAL(segs[0]["type"], "at");
  CAF_CHECK_EQUAL(segs[0]["data"]["qq"], "10001");
  CAF_CHECK_EQUAL(segs[1]["data"]["text"], " hi [x]");
  CAF_CHECK_EQUAL(segs[2]["data"]["id"], "178");
  fake.push_group_increase(5, 43);
  fake.push_friend_request(44, "hello", "flag-1");
  auto n = c.read();
  auto r = c.read();
  CAF_REQUIRE(n && r);
  CAF_CHECK_EQUAL((*n)["notice_type"], "group_increase");
  CAF_CHECK_EQUAL((*r)["request_type"], "friend");
  CAF_CHECK_EQUAL((*r)["flag"], "flag-1");
  // Actions on /event are ignored.
  CAF_REQUIRE(c.send(json{{"action", "get_login_info"}}));
  CAF_CHECK(!c.read(silence).has_value());
  CAF_CHECK(fake.has_violation("action-on-event-connection"));
}

CAF_TEST(reverse ws dials with the headers and redials) {
  onebot_options opts = fast_options();
  opts.reverse_reconnect_interval = 100ms;
  fake_onebot fake{opts};
  reverse_server srv;
  fake.dial("ws://127.0.0.1:" + std::to_string(srv.port()) + "/onebot/v11/ws",
            onebot_role::universal);
  CAF_REQUIRE(srv.accept());
  CAF_CHECK_EQUAL(srv.request.target(), "/onebot/v11/ws");
  CAF_CHECK_EQUAL(srv.request["X-Self-ID"], "10001");
  CAF_CHECK_EQUAL(srv.request["X-Client-Role"], "Universal");
  CAF_CHECK_EQUAL(srv.request["Authorization"], "Bearer test-token");
  auto life = srv.read();
  CAF_REQUIRE(life.has_value());
  CAF_CHECK(is_meta(*life, "lifecycle"));
  CAF_CHECK_EQUAL((*life)["sub_type"], "connect");
  auto beat = srv.read(1s);
  CAF_REQUIRE(beat.has_value());
  CAF_CHECK(is_meta(*beat, "heartbeat"));
  CAF_REQUIRE(srv.send(json{{"action", "get_login_info"}, {"echo", "r1"}}));
  std::optional<json> ans;
  for (int i = 0; i < 20 && !(ans && ans->contains("echo")); ++i)
    ans = srv.read(1s);
  CAF_REQUIRE(ans.has_value());
  CAF_CHECK_EQUAL((*ans)["echo"], "r1");
  CAF_CHECK_EQUAL((*ans)["data"]["user_id"], 10001);
  CAF_CHECK(fake.actions().at(0).reverse);
  // Gone: the fake dials again.
  srv.drop();
  CAF_REQUIRE(srv.accept());
  CAF_CHECK(fake.dial_attempts() >= 2);
  fake.stop_dialing();
  // Only this machine: other hosts are refused up front.
  bool refused = false;
  try {
    fake.dial("ws://192.0.2.1:80/");
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CAF_CHECK(refused);
}

CAF_TEST(faults : drop half open refuse) {
  onebot_options opts;
  opts.heartbeat_enabled = false;
  fake_onebot fake{opts};
  {
    ws_client c{fake.port(), "/", bearer("test-token")};
    CAF_REQUIRE(c.connect());
    CAF_REQUIRE(c.read().has_value());
    fake.half_open();
    CAF_REQUIRE(c.send(json{{"action", "get_status"}}));
    CAF_CHECK(!c.read(silence).has_value());
  }
  {
    ws_client c{fake.port(), "/", bearer("test-token")};
    CAF_REQUIRE(c.connect());
    CAF_REQUIRE(c.read().has_value());
    fake.drop();
    CAF_CHECK(!c.read().has_value());
    CAF_CHECK_EQUAL(c.close_code, 0);
  }
  fake.refuse_for(400ms);
  ws_client refused{fake.port(), "/", bearer("test-token")};
  CAF_CHECK(!refused.connect());
  CAF_CHECK(fake.wait_for(
    [&] {
      ws_client c{fake.port(), "/", bearer("test-token")};
      return c.connect();
    },
    2s));
}

CAF_TEST(the cli prints its port and stops on sigterm) {
  using tether::test::deadline_in;
  using tether::test::process;
  // Built with the tests (CMakeLists.txt): a missing binary fails.
  std::string path = FAKE_ONEBOT_PATH;
  process::options popts;
  popts.args = {path, "--port", "0", "--token", "t", "--heartbeat-ms", "100"};
  process proc{popts};
  CAF_REQUIRE(proc.started());
  auto line = proc.read_line(process::stream::out, deadline_in(3s));
  CAF_REQUIRE(line.has_value());
  CAF_REQUIRE_EQUAL(line->rfind("listening 127.0.0.1:", 0), 0u);
  auto port = static_cast<uint16_t>(std::stoi(line->substr(20)));
  ws_client c{port, "/", bearer("t")};
  CAF_REQUIRE(c.connect());
  CAF_CHECK(c.read().has_value());
  CAF_CHECK(c.read(1s).has_value());
  CAF_CHECK(proc.signal(SIGTERM));
  auto rc = proc.wait_exit(deadline_in(3s));
  CAF_CHECK(rc && *rc == 0);
}
