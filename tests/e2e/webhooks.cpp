#define CAF_SUITE e2e.webhooks

// The real tetherd with its webhook ingress, driven by real HTTP requests
// signed like the platforms sign them, against tests/fakes/webhooks for
// the platform APIs the replies go through.

#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"
#include "fakes/webhooks/fake_api.hpp"
#include "protocols/crypto/digest.hpp"
#include "protocols/crypto/ed25519.hpp"
#include "protocols/feishu/webhook.hpp"
#include "protocols/net/http_client.hpp"
#include "protocols/wechat/signature.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;

using tether::fakes::fake_api;
using tether::test::deadline_in;
using tether::test::process;
using tether::test::steady_clock;

namespace {

namespace asio = boost::asio;
namespace crypto = tether::crypto;
namespace net = tether::net;

using stream = process::stream;

constexpr auto app_id = "100000000000000001";
constexpr auto wechat_token = "AAAAA";
constexpr auto feishu_key = "test key";
constexpr auto feishu_vtoken = "vtoken-1";

// A fixed test seed: the daemon gets only its public key.
const std::string discord_seed(32, '\x2a');

uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acc{io, {asio::ip::make_address("127.0.0.1"), 0}};
  return acc.local_endpoint().port();
}

std::string now_str() {
  return std::to_string(static_cast<long long>(std::time(nullptr)));
}

struct fixture {
  std::unique_ptr<fake_api> fake = std::make_unique<fake_api>();
  tether::test::temp_dir tmp{"tether-hooks"};
  std::string dir = tmp.path();
  uint16_t port = free_port();
  std::unique_ptr<process> daemon;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    io.get_executor()};
  std::thread io_thread{[this] { io.run(); }};
  std::shared_ptr<net::http_client> http = net::http_client::make(io, {});
  std::string public_key_hex;

  fixture() {
    auto kp = crypto::ed25519_from_seed(discord_seed);
    if (kp)
      public_key_hex = crypto::to_hex(kp->public_key);
  }

  ~fixture() {
    auto t = caf::test::engine::current_test();
    if (t != nullptr && t->bad() > 0 && daemon)
      CAF_TEST_PRINT_INFO("stderr of tetherd:\n" << daemon->stderr_text());
    daemon.reset();
    http->shutdown();
    work.reset();
    io.stop();
    io_thread.join();
  }

  std::string config() {
    auto path = dir + "/tether.yaml";
    std::ofstream out{path};
    auto api = fake->base();
    out << "daemon:\n"
           "  log_level: debug\n"
           "  shutdown_timeout: 5s\n"
           "  data_dir: " << dir << "/var\n"
           "admin:\n"
           "  enabled: false\n"
           "ingress:\n"
           "  listen: 127.0.0.1:" << port << "\n"
           "  body_limit: 65536\n"
           "platforms:\n"
           "  - kind: discord_interactions\n"
           "    name: main\n"
           "    settings:\n"
           "      application_id: \"" << app_id << "\"\n"
           "      public_key: " << public_key_hex << "\n"
           "      api_base: " << api << "\n"
           "      request_timeout: 2s\n"
           "  - kind: discord_interactions\n"
           "    name: slow\n"
           "    settings:\n"
           "      application_id: \"" << app_id << "\"\n"
           "      public_key: " << public_key_hex << "\n"
           "      api_base: " << api << "\n"
           "      reply_window: 0s\n"
           "  - kind: wechat\n"
           "    name: oa\n"
           "    settings:\n"
           "      app_id: wx0000000000000001\n"
           "      app_secret: ${TETHER_TEST_WECHAT_SECRET}\n"
           "      token: " << wechat_token << "\n"
           "      api_base: " << api << "\n"
           "  - kind: wechat\n"
           "    name: slow\n"
           "    settings:\n"
           "      app_id: wx0000000000000001\n"
           "      app_secret: ${TETHER_TEST_WECHAT_SECRET}\n"
           "      token: " << wechat_token << "\n"
           "      api_base: " << api << "\n"
           "      reply_window: 0s\n"
           "  - kind: feishu\n"
           "    name: corp\n"
           "    settings:\n"
           "      app_id: cli_fake\n"
           "      app_secret: ${TETHER_TEST_FEISHU_SECRET}\n"
           "      verification_token: " << feishu_vtoken << "\n"
           "      encrypt_key: \"" << feishu_key << "\"\n"
           "      api_base: " << api << "\n"
           // The published WeCom sample (PROTOCOLS.md vector V5).
           "  - kind: wecom\n"
           "    name: corp\n"
           "    settings:\n"
           "      corp_id: wx5823bf96d3bd56c7\n"
           "      agent_id: 1000002\n"
           "      secret: ${TETHER_TEST_WECOM_SECRET}\n"
           "      token: QDG6eK\n"
           "      encoding_aes_key: "
           "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C\n"
           "      api_base: " << api << "\n"
           "handlers:\n"
           "  - kind: commands\n"
           "routes:\n"
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n";
    return path;
  }

  bool start() {
    process::options opts;
    opts.args = {TETHERD_PATH, "--config", config()};
    opts.env = {{"TETHER_TEST_WECHAT_SECRET", "wechat-secret"},
                {"TETHER_TEST_FEISHU_SECRET", "feishu-secret"},
                {"TETHER_TEST_WECOM_SECRET", "wecom-secret"},
                {"NOTIFY_SOCKET", std::nullopt},
                {"WATCHDOG_USEC", std::nullopt}};
    opts.cwd = dir;
    daemon = std::make_unique<process>(opts);
    if (!daemon->started())
      return false;
    // Up once the ingress listens and every platform is registered.
    auto ok = wait([&] {
      return stderr_has("ingress listening") && stderr_has("feishu ready")
             && stderr_has("wechat ready")
             && get("/hooks/none").status == 404;
    }, 15s);
    if (!ok)
      CAF_MESSAGE("tetherd did not come up:\n" << daemon->stderr_text());
    return ok;
  }

  bool stop() {
    daemon->signal(SIGTERM);
    std::optional<int> code;
    wait([&] { return (code = daemon->wait_exit(steady_clock::now())); }, 8s);
    return code && *code == 0;
  }

  bool stderr_has(const std::string& what) {
    daemon->read_line_until(stream::err,
                            [](const std::string&) { return false; },
                            steady_clock::now());
    return daemon->stderr_text().find(what) != std::string::npos;
  }

  template <class Pred>
  bool wait(Pred pred, steady_clock::duration timeout) {
    auto deadline = deadline_in(timeout);
    for (;;) {
      if (pred())
        return true;
      if (steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(10ms);
    }
  }

  // One request to the daemon; status 0 when it failed or took > 6 s.
  net::http_response send(net::http_request req) {
    auto done = std::make_shared<std::promise<net::http_response>>();
    auto result = done->get_future();
    req.timeout = 6s;
    http->request(std::move(req), [done](net::http_response resp) {
      done->set_value(std::move(resp));
    });
    if (result.wait_for(8s) != std::future_status::ready)
      return {};
    return result.get();
  }

  std::string url(const std::string& target) {
    return "http://127.0.0.1:" + std::to_string(port) + target;
  }

  net::http_response get(const std::string& target) {
    net::http_request req;
    req.url = url(target);
    return send(std::move(req));
  }

  net::http_response post(const std::string& target, std::string body,
                          net::header_list headers = {}) {
    net::http_request req;
    req.method = "POST";
    req.url = url(target);
    req.headers = std::move(headers);
    req.body = std::move(body);
    return send(std::move(req));
  }

  // -- Discord ---------------------------------------------------------------

  net::http_response discord(const std::string& name, const std::string& body,
                             bool tamper = false) {
    auto ts = now_str();
    auto sig = crypto::ed25519_sign(discord_seed, ts + body);
    auto hex = sig ? crypto::to_hex(*sig) : std::string{};
    if (tamper && !hex.empty())
      hex[0] = hex[0] == '0' ? '1' : '0';
    return post("/hooks/discord_interactions/" + name, body,
                {{"Content-Type", "application/json"},
                 {"X-Signature-Ed25519", hex},
                 {"X-Signature-Timestamp", ts}});
  }

  static std::string command(const std::string& id, const std::string& token) {
    nlohmann::json j{
      {"type", 2},
      {"id", id},
      {"application_id", app_id},
      {"token", token},
      {"channel_id", "200000000000000001"},
      {"guild_id", "300000000000000001"},
      {"member", {{"user", {{"id", "400000000000000001"},
                            {"username", "alice"}}}}},
      {"data", {{"id", "500000000000000001"}, {"name", "ping"}, {"type", 1}}},
    };
    return j.dump();
  }

  // -- WeChat ----------------------------------------------------------------

  std::string wechat_query(const std::string& ts, const std::string& nonce) {
    return "?signature=" + tether::wechat::signature(wechat_token, ts, nonce)
           + "&timestamp=" + ts + "&nonce=" + nonce;
  }

  static std::string wechat_text(const std::string& msg_id,
                                 const std::string& text) {
    return "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
           "<FromUserName><![CDATA[o_follower]]></FromUserName>"
           "<CreateTime>" + now_str() + "</CreateTime>"
           "<MsgType><![CDATA[text]]></MsgType>"
           "<Content><![CDATA[" + text + "]]></Content>"
           "<MsgId>" + msg_id + "</MsgId></xml>";
  }

  net::http_response wechat_push(const std::string& name,
                                 const std::string& body,
                                 bool tamper = false) {
    auto q = wechat_query(now_str(), "4242");
    if (tamper)
      q[12] = q[12] == 'a' ? 'b' : 'a';
    return post("/hooks/wechat/" + name + q, body,
                {{"Content-Type", "text/xml"}});
  }

  // -- Feishu ----------------------------------------------------------------

  static std::string feishu_event(const std::string& event_id,
                                  const std::string& text) {
    nlohmann::json content{{"text", text}};
    nlohmann::json j{
      {"schema", "2.0"},
      {"header", {{"event_id", event_id},
                  {"event_type", "im.message.receive_v1"},
                  {"create_time", now_str() + "000"},
                  {"token", feishu_vtoken},
                  {"app_id", "cli_fake"},
                  {"tenant_key", "tk"}}},
      {"event", {{"sender", {{"sender_id", {{"open_id", "ou_alice"}}},
                             {"sender_type", "user"}}},
                 {"message", {{"message_id", "om_" + event_id},
                              {"create_time", now_str() + "000"},
                              {"chat_id", "oc_chat"},
                              {"chat_type", "p2p"},
                              {"message_type", "text"},
                              {"content", content.dump()}}}}},
    };
    return j.dump();
  }

  net::http_response feishu_post(const std::string& plaintext,
                                 bool tamper = false) {
    auto iv = std::string(16, '\x07');
    auto enc = tether::feishu::encrypt(plaintext, feishu_key, iv);
    nlohmann::json body{{"encrypt", enc ? *enc : std::string{}}};
    auto raw = body.dump();
    auto ts = now_str();
    auto nonce = std::string{"n-1"};
    auto sig = tether::feishu::signature(ts, nonce, feishu_key, raw);
    if (tamper)
      sig[0] = sig[0] == 'a' ? 'b' : 'a';
    return post("/hooks/feishu/corp", raw,
                {{"Content-Type", "application/json"},
                 {"X-Lark-Request-Timestamp", ts},
                 {"X-Lark-Request-Nonce", nonce},
                 {"X-Lark-Signature", sig}});
  }

  size_t feishu_sends() {
    return fake->requests("/open-apis/im/v1/messages").size();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(webhooks_e2e, fixture)

CAF_TEST(an unknown path gets 404 without detail) {
  CAF_REQUIRE(start());
  auto resp = post("/hooks/nothing/here", "{}");
  CAF_CHECK_EQUAL(resp.status, 404);
  CAF_CHECK(resp.body.empty());
}

CAF_TEST(discord PING gets PONG and a bad signature gets 401) {
  CAF_REQUIRE(!public_key_hex.empty());
  CAF_REQUIRE(start());
  auto resp = discord("main", R"({"type":1})");
  CAF_CHECK_EQUAL(resp.status, 200);
  CAF_CHECK_EQUAL(nlohmann::json::parse(resp.body, nullptr, false),
                  nlohmann::json::parse(R"({"type":1})"));
  CAF_CHECK(resp.header("content-type").find("application/json")
            != std::string::npos);
  auto bad = discord("main", R"({"type":1})", true);
  CAF_CHECK_EQUAL(bad.status, 401);
  CAF_CHECK(bad.body.empty());
  // A tampered command is rejected and never reaches a handler.
  auto cmd = discord("main", command("600000000000000009", "tok-bad"), true);
  CAF_CHECK_EQUAL(cmd.status, 401);
  CAF_CHECK(wait([&] { return stderr_has("reason=signature"); }, 2s));
  std::this_thread::sleep_for(300ms);
  CAF_CHECK(fake->requests("/webhooks/").empty());
  CAF_CHECK(!stderr_has("id=600000000000000009"));
}

CAF_TEST(a fast discord command is answered inline) {
  CAF_REQUIRE(start());
  auto t0 = steady_clock::now();
  auto resp = discord("main", command("600000000000000001", "tok-1"));
  CAF_CHECK(steady_clock::now() - t0 < 3s);
  CAF_CHECK_EQUAL(resp.status, 200);
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  CAF_CHECK_EQUAL(j.value("type", 0), 4);
  CAF_CHECK(resp.body.find("pong") != std::string::npos);
}

CAF_TEST(a slow discord command is deferred then followed up) {
  CAF_REQUIRE(start());
  auto t0 = steady_clock::now();
  auto resp = discord("slow", command("600000000000000002", "tok-2"));
  CAF_CHECK(steady_clock::now() - t0 < 3s);
  CAF_CHECK_EQUAL(resp.status, 200);
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  CAF_CHECK_EQUAL(j.value("type", 0), 5);
  auto path = std::string{"/webhooks/"} + app_id + "/tok-2";
  CAF_REQUIRE(wait([&] { return !fake->requests(path).empty(); }, 5s));
  auto sent = fake->requests(path).front();
  CAF_CHECK_EQUAL(sent.method, "POST");
  CAF_CHECK(sent.body.find("pong") != std::string::npos);
}

CAF_TEST(wechat URL verification answers the published vector V8) {
  CAF_REQUIRE(start());
  auto resp = get("/hooks/wechat/oa?signature="
                  "f464b24fc39322e44b38aa78f5edd27bd1441696"
                  "&timestamp=1714036504&nonce=1514711492"
                  "&echostr=4375120948345356249");
  CAF_CHECK_EQUAL(resp.status, 200);
  CAF_CHECK_EQUAL(resp.body, "4375120948345356249");
  auto bad = get("/hooks/wechat/oa?signature="
                 "f464b24fc39322e44b38aa78f5edd27bd1441697"
                 "&timestamp=1714036504&nonce=1514711492"
                 "&echostr=4375120948345356249");
  CAF_CHECK_EQUAL(bad.status, 401);
  CAF_CHECK(bad.body.empty());
}

CAF_TEST(wecom URL verification answers the published vector V5) {
  CAF_REQUIRE(start());
  std::string query = "?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
                      "&timestamp=1409659589&nonce=263014780"
                      "&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1"
                      "DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";
  auto resp = get("/hooks/wecom/corp" + query);
  CAF_CHECK_EQUAL(resp.status, 200);
  CAF_CHECK_EQUAL(resp.body, "1616140317555161061");
  // One changed signature digit: rejected, nothing decrypted.
  auto bad_query = query;
  bad_query[15] = bad_query[15] == '0' ? '1' : '0';
  auto bad = get("/hooks/wecom/corp" + bad_query);
  CAF_CHECK_EQUAL(bad.status, 401);
  CAF_CHECK(bad.body.empty());
}

CAF_TEST(wechat replies passively and dispatches a retried push once) {
  CAF_REQUIRE(start());
  auto body = wechat_text("7000000000000000001", "/ping");
  auto first = wechat_push("oa", body);
  CAF_CHECK_EQUAL(first.status, 200);
  CAF_CHECK(first.body.find("<Content><![CDATA[pong]]></Content>")
            != std::string::npos);
  CAF_CHECK(first.body.find("<ToUserName><![CDATA[o_follower]]>")
            != std::string::npos);
  // WeChat's retry of the same MsgId: acknowledged, not dispatched.
  auto again = wechat_push("oa", body);
  CAF_CHECK_EQUAL(again.status, 200);
  CAF_CHECK_EQUAL(again.body, "success");
  // A tampered signature: 401, nothing dispatched.
  auto bad = wechat_push("oa", wechat_text("7000000000000000002", "/ping"),
                         true);
  CAF_CHECK_EQUAL(bad.status, 401);
  CAF_CHECK(bad.body.empty());
  auto later = wechat_push("oa", wechat_text("7000000000000000002", "/ping"));
  CAF_CHECK(later.body.find("pong") != std::string::npos);
  // ... also after a restart: the seen ids are on disk.
  CAF_REQUIRE(stop());
  CAF_REQUIRE(start());
  auto after = wechat_push("oa", body);
  CAF_CHECK_EQUAL(after.status, 200);
  CAF_CHECK_EQUAL(after.body, "success");
  CAF_CHECK(fake->requests("/cgi-bin/message/custom/send").empty());
}

CAF_TEST(a slow wechat reply goes through the customer-service API) {
  CAF_REQUIRE(start());
  auto t0 = steady_clock::now();
  auto resp = wechat_push("slow", wechat_text("7000000000000000003", "/ping"));
  CAF_CHECK(steady_clock::now() - t0 < 5s);
  CAF_CHECK_EQUAL(resp.status, 200);
  CAF_CHECK_EQUAL(resp.body, "success");
  auto sent_ok = wait(
    [&] { return !fake->requests("/cgi-bin/message/custom/send").empty(); },
    5s);
  CAF_CHECK(sent_ok);
  if (!sent_ok)
    return;
  auto sent = fake->requests("/cgi-bin/message/custom/send").front();
  CAF_CHECK(sent.target.find("access_token=fake-wechat-token")
            != std::string::npos);
  auto j = nlohmann::json::parse(sent.body, nullptr, false);
  CAF_CHECK_EQUAL(j.value("touser", ""), "o_follower");
  CAF_CHECK(sent.body.find("pong") != std::string::npos);
}

CAF_TEST(feishu url_verification returns the challenge) {
  CAF_REQUIRE(start());
  auto resp = post("/hooks/feishu/corp",
                   std::string{R"({"challenge":"ajls384kdjx98XX","token":")"}
                     + feishu_vtoken + R"(","type":"url_verification"})",
                   {{"Content-Type", "application/json"}});
  CAF_CHECK_EQUAL(resp.status, 200);
  CAF_CHECK_EQUAL(nlohmann::json::parse(resp.body, nullptr, false),
                  nlohmann::json::parse(R"({"challenge":"ajls384kdjx98XX"})"));
  auto bad = post("/hooks/feishu/corp",
                  R"({"challenge":"x","token":"wrong","type":"url_verification"})",
                  {{"Content-Type", "application/json"}});
  CAF_CHECK(bad.status == 401 || bad.status == 403);
  CAF_CHECK(bad.body.empty());
}

CAF_TEST(feishu events are verified and dispatched once and answered by API) {
  CAF_REQUIRE(start());
  auto event = feishu_event("ev-1", "/ping");
  auto bad = feishu_post(event, true);
  CAF_CHECK_EQUAL(bad.status, 401);
  CAF_CHECK(bad.body.empty());
  auto t0 = steady_clock::now();
  auto resp = feishu_post(event);
  CAF_CHECK(steady_clock::now() - t0 < 3s);
  CAF_CHECK_EQUAL(resp.status, 200);
  CAF_CHECK(resp.body.find("success") != std::string::npos);
  CAF_REQUIRE(wait([&] { return feishu_sends() >= 1; }, 5s));
  auto sent = fake->requests("/open-apis/im/v1/messages").front();
  CAF_CHECK_EQUAL(sent.authorization, "Bearer t-fake-feishu");
  CAF_CHECK(sent.target.find("receive_id_type=chat_id") != std::string::npos);
  auto j = nlohmann::json::parse(sent.body, nullptr, false);
  CAF_CHECK_EQUAL(j.value("receive_id", ""), "oc_chat");
  CAF_CHECK(!j.value("uuid", "").empty());
  CAF_CHECK(j.value("content", "").find("pong") != std::string::npos);
  // Feishu's retry of the same event: 200, no second dispatch.
  auto again = feishu_post(event);
  CAF_CHECK_EQUAL(again.status, 200);
  std::this_thread::sleep_for(500ms);
  CAF_CHECK_EQUAL(feishu_sends(), 1u);
}

CAF_TEST(an oversized body gets 413) {
  CAF_REQUIRE(start());
  auto resp = post("/hooks/feishu/corp", std::string(100000, 'x'),
                   {{"Content-Type", "application/json"}});
  CAF_CHECK_EQUAL(resp.status, 413);
  CAF_CHECK_EQUAL(feishu_sends(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
