#define CAF_SUITE e2e.qq

// The real tetherd against tests/fakes/qq: token refresh, the gateway on
// the shared gateway machinery, passive replies with msg_seq, and faults.

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <ctime>
#include <future>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "caf/test/unit_test.hpp"
#include "fakes/qq/fake_qq.hpp"
#include "protocols/net/http_client.hpp"
#include "protocols/qq/webhook.hpp"
#include "support/temp_dir.hpp"
#include "support/tetherd.hpp"

using namespace std::chrono_literals;

using tether::fakes::fake_qq;
using tether::fakes::qq_options;
using tether::test::steady_clock;

namespace {

constexpr auto group = "G_OPENID_1";

qq_options fake_options() {
  qq_options opts;
  // Short, so zombies and resumes happen within a test.
  opts.heartbeat_interval = 1000ms;
  opts.resume_window = 60s;
  return opts;
}

struct fixture {
  std::unique_ptr<fake_qq> fake = std::make_unique<fake_qq>(fake_options());
  tether::test::temp_dir tmp{"tether-qq"};
  std::string dir = tmp.path();
  tether::test::tetherd daemon;
  std::string secret = "test-secret";
  std::string token_margin = "60s";
  // Webhook mode: callbacks through the ingress on this port.
  uint16_t hook_port = 0;

  ~fixture() {
    auto t = caf::test::engine::current_test();
    if (t != nullptr && t->bad() > 0 && daemon.running()) {
      CAF_TEST_PRINT_INFO("stderr of tetherd:\n" << daemon.stderr_text());
      for (auto& v : fake->violations())
        CAF_TEST_PRINT_INFO("fake: " << v);
    }
    daemon.reset(); // before its directory goes away
  }

  std::string config() {
    auto path = dir + "/tether.yaml";
    std::ofstream out{path};
    // No admin console: suites run in parallel and would share its port.
    out << "admin:\n  enabled: false\n"
           "daemon:\n"
           "  log_level: info\n"
           "  shutdown_timeout: 5s\n"
           "  data_dir: "
        << dir
        << "/var\n"
           "supervision:\n"
           "  defaults:\n"
           "    max_restarts: 20\n"
           "    within: 1m\n"
           "    backoff: {initial: 100ms, multiplier: 2, max: 1s, jitter: 0}\n"
           "platforms:\n"
           "  - kind: sandbox\n"
           "    name: console\n"
           "  - kind: qq\n"
           "    name: main\n"
           "    settings:\n"
           "      app_id: \"102000001\"\n"
           "      client_secret: ${TETHER_TEST_QQ_SECRET}\n"
           "      api_base: "
        << fake->api_base()
        << "\n"
           "      token_url: "
        << fake->token_url()
        << "\n"
           "      token_refresh_margin: "
        << token_margin
        << "\n"
        << (hook_port != 0 ? "      mode: webhook\n" : "")
        << "      ping_interval: 500ms\n"
           "      ping_timeout: 1s\n"
           "      connect_timeout: 2s\n"
           "      request_timeout: 2s\n"
           "handlers:\n"
           "  - kind: commands\n"
           "routes:\n"
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n";
    if (hook_port != 0)
      out << "ingress:\n  listen: 127.0.0.1:" << hook_port << "\n";
    return path;
  }

  bool launch() {
    return daemon.launch(config(), dir, {{"TETHER_TEST_QQ_SECRET", secret}});
  }

  // Starts tetherd and waits until shard 0 has a session.
  bool start() {
    if (!launch())
      return false;
    if (wait([&] { return ready(); }, 15s))
      return true;
    CAF_MESSAGE("tetherd did not come up:\n" << daemon.stderr_text());
    return false;
  }

  bool ready() {
    auto s = fake->shards();
    return !s.empty() && s[0].connected && !s[0].session_id.empty()
           && (stderr_has("qq ready") || stderr_has("qq resumed"));
  }

  bool stderr_has(const std::string& what) {
    return daemon.stderr_has(what);
  }

  template <class Pred>
  bool wait(Pred pred, steady_clock::duration timeout) {
    return daemon.wait(pred, timeout);
  }

  size_t pongs() {
    size_t n = 0;
    for (auto& p : fake->posted())
      if (p.content == "pong" && p.target == group && p.status == 200)
        ++n;
    return n;
  }

  // "/ping" in a group (an @-message: QQ puts a space where the @ was).
  bool ping_through_qq(steady_clock::duration timeout = 5s) {
    auto before = pongs();
    fake->dispatch(0, "GROUP_AT_MESSAGE_CREATE",
                   fake->group_at_message_json(group, "MEMBER_1", " /ping"));
    return wait([&] { return pongs() > before; }, timeout);
  }

  bool ping_through_sandbox() {
    return daemon.ping_through_sandbox();
  }

  void check_no_violations() {
    auto errors = fake->errors();
    for (auto& e : errors)
      CAF_MESSAGE("violation: " << e);
    CAF_CHECK(errors.empty());
  }

  std::optional<int> stop() {
    return daemon.stop();
  }
};

/// A port nobody listens on (bound once, then released).
uint16_t unused_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acc{
    io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return acc.local_endpoint().port();
}

/// One POST, signed the way QQ signs callbacks (unless `tamper`).
tether::net::http_response post_signed(uint16_t port, const std::string& path,
                                       const std::string& secret,
                                       const std::string& body,
                                       bool tamper = false) {
  auto key = tether::qq::make_webhook_key(secret);
  // Now: events outside the replay window are refused.
  auto ts = std::to_string(std::time(nullptr));
  auto sig = tether::qq::sign_hex(*key, ts + body);
  if (tamper)
    sig[0] = sig[0] == '0' ? '1' : '0';
  boost::asio::io_context io;
  auto client = tether::net::http_client::make(io, {});
  tether::net::http_request req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string(port) + path;
  req.body = body;
  req.timeout = 5s;
  req.headers = {{"Content-Type", "application/json"},
                 {"User-Agent", "QQBot-Callback"},
                 {"X-Signature-Ed25519", sig},
                 {"X-Signature-Timestamp", ts}};
  tether::net::http_response result;
  client->request(req, [&](tether::net::http_response resp) {
    result = std::move(resp);
    client->shutdown();
  });
  io.run_for(10s);
  return result;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(qq_e2e, fixture)

CAF_TEST(a group ping gets a passive reply quoting its msg_id) {
  CAF_REQUIRE(start());
  CAF_CHECK(ping_through_qq());
  auto posted = fake->posted();
  CAF_REQUIRE(!posted.empty());
  CAF_CHECK_EQUAL(posted.back().scene, "group");
  CAF_CHECK(!posted.back().msg_id.empty());
  CAF_CHECK_EQUAL(posted.back().msg_seq, 1);
  CAF_CHECK_EQUAL(fake->identify_count(), 1);
  CAF_CHECK(ping_through_sandbox());
  // The secret and the access token never reach the log.
  CAF_CHECK(!stderr_has(secret));
  CAF_CHECK(!stderr_has(fake->current_token()));
  check_no_violations();
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(a re-pushed message is answered once) {
  CAF_REQUIRE(start());
  fake->dispatch_twice(0, "GROUP_AT_MESSAGE_CREATE",
                       fake->group_at_message_json(group, "MEMBER_1",
                                                   " /ping"));
  CAF_CHECK(wait([&] { return pongs() == 1; }, 5s));
  std::this_thread::sleep_for(500ms);
  CAF_CHECK_EQUAL(pongs(), 1u);
  check_no_violations();
}

CAF_TEST(the access token is refreshed before it expires) {
  token_margin = "7199s"; // refresh one second after each fetch
  CAF_REQUIRE(start());
  CAF_CHECK(wait([&] { return fake->token_fetch_count() >= 3; }, 6s));
  // Replies use the current token (the fake rejects stale ones).
  CAF_CHECK(ping_through_qq());
  check_no_violations();
}

CAF_TEST(token endpoint failures back off and recover) {
  fake->fail_token(2, tether::fakes::qq_token_fault::http_500);
  CAF_REQUIRE(start()); // 1 s + 2 s of backoff fit in the start window
  CAF_CHECK_EQUAL(fake->token_fetch_count(), 3);
  CAF_CHECK(stderr_has("token_failed"));
  CAF_CHECK(ping_through_qq());
}

CAF_TEST(a dropped connection resumes and replays missed events) {
  CAF_REQUIRE(start());
  fake->drop(0);
  // Sent while tetherd is away: replayed on resume.
  fake->dispatch(0, "GROUP_AT_MESSAGE_CREATE",
                 fake->group_at_message_json(group, "MEMBER_1", "/ping"));
  CAF_CHECK(wait([&] { return fake->resume_count() >= 1 && pongs() >= 1; },
                 10s));
  CAF_CHECK_EQUAL(pongs(), 1u);
  CAF_CHECK_EQUAL(fake->identify_count(), 1);
  CAF_CHECK(ping_through_qq());
  check_no_violations();
}

CAF_TEST(a half open connection is found and resumed) {
  CAF_REQUIRE(start());
  fake->half_open(0);
  CAF_CHECK(wait([&] { return fake->resume_count() >= 1; }, 10s));
  CAF_CHECK(ping_through_qq(8s));
}

CAF_TEST(close codes resume or identify as the table says) {
  CAF_REQUIRE(start());
  fake->close_with(0, 4009, "connection expired");
  CAF_CHECK(wait([&] { return fake->resume_count() >= 1; }, 10s));
  CAF_REQUIRE(wait([&] { return ready(); }, 10s));
  fake->close_with(0, 4006, "invalid session");
  CAF_CHECK(wait([&] { return fake->identify_count() >= 2; }, 15s));
  CAF_CHECK(ping_through_qq(10s));
}

CAF_TEST(a banned bot parks and the daemon keeps serving) {
  CAF_REQUIRE(start());
  auto connections = fake->connection_count();
  fake->close_with(0, 4915, "bot banned");
  CAF_CHECK(wait([&] { return stderr_has("park path=platforms/qq:main"); },
                 5s));
  std::this_thread::sleep_for(1500ms);
  CAF_CHECK_EQUAL(fake->connection_count(), connections); // no loop
  CAF_CHECK(!fake->has_violation("reconnect-after-fatal"));
  CAF_CHECK(ping_through_sandbox());
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(rejected credentials park the bot) {
  secret = "wrong-secret";
  CAF_REQUIRE(launch());
  CAF_CHECK(wait([&] { return stderr_has("park path=platforms/qq:main"); },
                 5s));
  auto fetches = fake->token_fetch_count();
  std::this_thread::sleep_for(1500ms);
  CAF_CHECK_EQUAL(fake->token_fetch_count(), fetches);
  CAF_CHECK(stderr_has("invalid appid or secret"));
  CAF_CHECK(!stderr_has("wrong-secret"));
  CAF_CHECK(ping_through_sandbox());
}

CAF_TEST(rest failures are retried with the same msg_seq) {
  CAF_REQUIRE(start());
  fake->fail_rest(503, 1, "/v2/groups/");
  CAF_CHECK(ping_through_qq(8s));
  check_no_violations();
}

CAF_TEST(sigterm during a reconnect storm exits within the deadline) {
  CAF_REQUIRE(start());
  fake->refuse_for(30s);
  fake->drop(0);
  std::this_thread::sleep_for(1s);
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(stop(), 0);
  CAF_CHECK_LESS(steady_clock::now() - t0, 6s);
}

CAF_TEST(webhook mode validates the address and answers signed events) {
  hook_port = unused_port();
  CAF_REQUIRE(launch());
  CAF_REQUIRE(wait(
    [&] {
      return stderr_has("webhook_ready") && stderr_has("token_refreshed")
             && stderr_has("ingress listening");
    },
    10s));
  auto path = std::string{"/hooks/qq/main"};
  // op 13: prove we hold the secret by signing event_ts + plain_token.
  auto validation = std::string{R"({"d":{"plain_token":"Arq0D5A61EgUu4OxUvOp",)"}
                    + R"("event_ts":"1725442341"},"op":13})";
  auto resp = post_signed(hook_port, path, secret, validation);
  CAF_CHECK_EQUAL(resp.status, 200);
  auto key = tether::qq::make_webhook_key(secret);
  auto expected = tether::qq::sign_hex(*key, "1725442341Arq0D5A61EgUu4OxUvOp");
  CAF_CHECK(resp.body.find("\"plain_token\":\"Arq0D5A61EgUu4OxUvOp\"")
            != std::string::npos);
  CAF_CHECK(resp.body.find(expected) != std::string::npos);
  // op 0: a group /ping, answered through the OpenAPI, acknowledged op 12.
  auto event = std::string{R"({"op":0,"s":1,"t":"GROUP_AT_MESSAGE_CREATE",)"}
               + R"("id":"GROUP_AT_MESSAGE_CREATE:e1","d":)"
               + fake->group_at_message_json(group, "MEMBER_1", " /ping",
                                             "MSG_HOOK_1")
               + "}";
  // A wrong signature is refused and dispatches nothing.
  auto bad = post_signed(hook_port, path, secret, event, true);
  CAF_CHECK_EQUAL(bad.status, 401);
  CAF_CHECK(bad.body.empty());
  std::this_thread::sleep_for(300ms);
  CAF_CHECK_EQUAL(pongs(), 0u);
  auto ok = post_signed(hook_port, path, secret, event);
  CAF_CHECK_EQUAL(ok.status, 200);
  CAF_CHECK_EQUAL(ok.body, R"({"op":12,"d":0})");
  CAF_CHECK(wait([&] { return pongs() == 1; }, 5s));
  // QQ retries a delivery it did not see acknowledged: dispatched once.
  auto again = post_signed(hook_port, path, secret, event);
  CAF_CHECK_EQUAL(again.status, 200);
  std::this_thread::sleep_for(500ms);
  CAF_CHECK_EQUAL(pongs(), 1u);
  CAF_CHECK_EQUAL(fake->connection_count(), 0); // no gateway in this mode
  CAF_CHECK(!stderr_has(secret));
  check_no_violations();
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
