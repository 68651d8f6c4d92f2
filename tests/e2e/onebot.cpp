// The real tetherd against the fake OneBot v11 implementation
// (tests/fakes/onebot), in forward mode (tetherd dials the fake) and in
// reverse mode (the fake dials tetherd). The fake runs in this process;
// tetherd is a child process.

#define CAF_SUITE e2e.onebot

#include "caf/test/unit_test.hpp"

#include <csignal>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "fakes/onebot/fake_onebot.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using tether::fakes::fake_onebot;
using tether::fakes::onebot_format;
using tether::fakes::onebot_options;
using tether::fakes::onebot_role;
using tether::test::contains;
using tether::test::deadline_in;
using tether::test::process;
using tether::test::steady_clock;
using json = nlohmann::json;

namespace {

using stream = process::stream;

constexpr int64_t user = 20002;
constexpr int64_t group = 30003;
constexpr auto heartbeat_interval = 500ms;

onebot_options fake_options() {
  onebot_options opts;
  opts.access_token = "test-token";
  opts.heartbeat_interval = heartbeat_interval;
  opts.reverse_reconnect_interval = 200ms;
  return opts;
}

int64_t ms_since(steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           steady_clock::now() - t0)
    .count();
}

struct fixture {
  fake_onebot fake{fake_options()};
  tether::test::temp_dir tmp{"tether-onebot"};
  std::string dir = tmp.path();
  std::unique_ptr<process> daemon;

  ~fixture() {
    auto t = caf::test::engine::current_test();
    if (t != nullptr && t->bad() > 0 && daemon) {
      CAF_TEST_PRINT_INFO("stderr of tetherd:\n" << daemon->stderr_text());
      for (auto& v : fake.violations())
        CAF_TEST_PRINT_INFO("fake: " << v);
    }
    daemon.reset(); // before its directory goes away
  }

  std::string config(const std::string& extra_settings) {
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
           "  - kind: onebot\n"
           "    name: qq\n"
           "    settings:\n"
           "      url: "
        << fake.url("")
        << "\n"
           "      access_token: ${TETHER_TEST_ONEBOT_TOKEN}\n"
           "      action_timeout: 1s\n"
           "      ping_interval: 500ms\n"
           "      ping_timeout: 1s\n"
           "      connect_timeout: 2s\n"
        << extra_settings
        << "handlers:\n"
           "  - kind: commands\n"
           "routes:\n"
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n";
    return path;
  }

  bool launch(const std::string& token, const std::string& extra_settings) {
    process::options opts;
    opts.args = {TETHERD_PATH, "--config", config(extra_settings)};
    opts.env = {{"TETHER_TEST_ONEBOT_TOKEN", token},
                {"NOTIFY_SOCKET", std::nullopt},
                {"WATCHDOG_USEC", std::nullopt}};
    opts.cwd = dir;
    daemon = std::make_unique<process>(opts);
    return daemon->started();
  }

  // Starts tetherd and waits until the client is connected.
  bool start(const std::string& extra_settings = "") {
    if (!launch("test-token", extra_settings))
      return false;
    if (wait([&] { return ready(); }, 10s))
      return true;
    CAF_MESSAGE("tetherd did not come up:\n" << daemon->stderr_text());
    for (auto& v : fake.violations())
      CAF_MESSAGE("fake: " << v);
    return false;
  }

  bool ready() {
    return fake.live_connections() >= 1 && stderr_has("onebot connected");
  }

  bool stderr_has(const std::string& what) {
    return daemon->stderr_text().find(what) != std::string::npos;
  }

  size_t stderr_count(const std::string& what) {
    auto& text = daemon->stderr_text();
    size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos;
         pos = text.find(what, pos + 1))
      ++n;
    return n;
  }

  // Polls `pred` while draining tetherd's stderr (a full pipe would block
  // its logging); bounded by `timeout`.
  template <class Pred>
  bool wait(Pred pred, steady_clock::duration timeout) {
    auto deadline = deadline_in(timeout);
    for (int i = 0; i < 100000; ++i) {
      daemon->read_line_until(stream::err,
                              [](const std::string&) { return false; },
                              steady_clock::now());
      if (pred())
        return true;
      if (steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  // Actions named `action` to `key` = `id` whose message says "pong".
  size_t pongs(const std::string& action, const std::string& key,
               int64_t id) {
    size_t n = 0;
    for (auto& a : fake.actions()) {
      if (a.action != action)
        continue;
      auto params = json::parse(a.params, nullptr, false);
      if (params.is_discarded() || !params.is_object()
          || params.value(key, int64_t{0}) != id)
        continue;
      auto& message = params["message"];
      bool pong = false;
      if (message.is_string())
        pong = message.get<std::string>().find("pong") != std::string::npos;
      else if (message.is_array())
        for (auto& seg : message)
          if (seg.value("type", "") == "text"
              && seg["data"].value("text", "") == "pong")
            pong = true;
      if (pong)
        ++n;
    }
    return n;
  }

  bool private_ping(const std::string& text = "/ping",
                    steady_clock::duration timeout = 5s) {
    auto before = pongs("send_private_msg", "user_id", user);
    fake.push_private_message(user, text);
    return wait(
      [&] { return pongs("send_private_msg", "user_id", user) > before; },
      timeout);
  }

  bool group_ping(const std::string& text = "/ping",
                  steady_clock::duration timeout = 5s) {
    auto before = pongs("send_group_msg", "group_id", group);
    fake.push_group_message(group, user, text);
    return wait(
      [&] { return pongs("send_group_msg", "group_id", group) > before; },
      timeout);
  }

  bool ping_through_sandbox() {
    if (!daemon->send_line("/ping", deadline_in(1s)))
      return false;
    auto line = daemon->read_line_until(stream::out, contains("pong"),
                                        deadline_in(5s));
    return line.has_value();
  }

  void check_no_violations() {
    auto xs = fake.violations();
    for (auto& v : xs)
      CAF_MESSAGE("violation: " << v);
    CAF_CHECK(xs.empty());
  }

  // -- reverse mode -----------------------------------------------------------

  static constexpr const char* reverse_settings
    = "      mode: reverse\n"
      "      listen: 127.0.0.1:0\n"
      "      self_id: 10001\n";

  // The port tetherd listens on, from its `onebot listening` line; 0 when
  // it does not come within the timeout.
  uint16_t listening_port(steady_clock::duration timeout = 10s) {
    uint16_t port = 0;
    wait(
      [&] {
        auto& text = daemon->stderr_text();
        auto pos = text.find("onebot listening");
        if (pos == std::string::npos)
          return false;
        auto eol = text.find('\n', pos);
        auto key = text.find("port=", pos);
        if (key == std::string::npos || (eol != std::string::npos && key > eol))
          return false;
        port = static_cast<uint16_t>(std::stoi(text.substr(key + 5, 6)));
        return true;
      },
      timeout);
    return port;
  }

  std::string reverse_url(uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/onebot/v11/ws";
  }

  // Starts tetherd in reverse mode and lets the fake dial in.
  bool start_reverse() {
    if (!launch("test-token", reverse_settings))
      return false;
    auto port = listening_port();
    if (port == 0) {
      CAF_MESSAGE("tetherd did not listen:\n" << daemon->stderr_text());
      return false;
    }
    fake.dial(reverse_url(port), onebot_role::universal);
    if (wait([&] { return fake.live_connections() == 1
                          && stderr_has("onebot connected"); },
             10s))
      return true;
    CAF_MESSAGE("the fake did not get in:\n" << daemon->stderr_text());
    return false;
  }

  std::optional<int> stop() {
    daemon->signal(SIGTERM);
    std::optional<int> code;
    wait([&] { return (code = daemon->wait_exit(steady_clock::now())); },
         8s);
    if (code != 0)
      CAF_MESSAGE("exit code " << (code ? std::to_string(*code) : "none")
                               << ", stderr:\n"
                               << daemon->stderr_text());
    return code;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(onebot_e2e, fixture)

CAF_TEST(private and group pings get pongs through the right action) {
  CAF_REQUIRE(start());
  CAF_CHECK(private_ping());
  CAF_CHECK(group_ping());
  CAF_CHECK_EQUAL(fake.action_count("send_group_msg"), 1);
  CAF_CHECK_EQUAL(fake.action_count("send_private_msg"), 1);
  CAF_CHECK(ping_through_sandbox());
  CAF_CHECK_EQUAL(fake.auth_failures(), 0);
  CAF_CHECK(!stderr_has("test-token"));
  check_no_violations();
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(cq string and segment array messages both work) {
  CAF_REQUIRE(start());
  fake.set_message_format(onebot_format::string);
  CAF_CHECK(private_ping());
  CAF_CHECK(group_ping("/ping [CQ:face,id=178]"));
  fake.set_message_format(onebot_format::array);
  CAF_CHECK(private_ping());
  CAF_CHECK(group_ping("/ping [CQ:face,id=178]"));
  check_no_violations();
}

CAF_TEST(split endpoints take events from event and send over api) {
  CAF_REQUIRE(start("      split_endpoints: true\n"));
  CAF_CHECK(wait([&] { return fake.live_connections() == 2; }, 5s));
  CAF_CHECK(private_ping());
  CAF_CHECK(group_ping());
  for (auto& a : fake.actions())
    CAF_CHECK_EQUAL(a.role, "api");
  check_no_violations();
}

CAF_TEST(stopped heartbeats on an open socket are found within two intervals) {
  CAF_REQUIRE(start());
  CAF_REQUIRE(wait([&] { return fake.heartbeats_sent() >= 2; }, 5s));
  auto connections = fake.connection_count();
  auto t0 = steady_clock::now();
  fake.stop_heartbeats(true);
  CAF_CHECK(wait([&] { return stderr_has("onebot heartbeat_missed"); }, 5s));
  auto detected = ms_since(t0);
  CAF_MESSAGE("missing heartbeats detected after " << detected << " ms");
  // The last heartbeat came at most one interval before the stop.
  CAF_CHECK_LESS_OR_EQUAL(detected, 2 * heartbeat_interval.count() + 300);
  CAF_CHECK(wait([&] { return fake.connection_count() > connections; }, 5s));
  fake.stop_heartbeats(false);
  CAF_CHECK(wait([&] { return fake.live_connections() == 1; }, 5s));
  CAF_CHECK(private_ping());
  check_no_violations();
}

CAF_TEST(a dropped connection is dialed again) {
  CAF_REQUIRE(start());
  CAF_REQUIRE(private_ping());
  auto connections = fake.connection_count();
  fake.drop();
  CAF_CHECK(wait([&] { return fake.connection_count() > connections
                              && fake.live_connections() == 1; },
                 5s));
  CAF_CHECK(private_ping());
  CAF_CHECK(group_ping());
  check_no_violations();
}

CAF_TEST(a half open connection is found and dialed again) {
  CAF_REQUIRE(start());
  auto connections = fake.connection_count();
  fake.half_open();
  CAF_CHECK(wait([&] { return fake.connection_count() > connections; }, 5s));
  CAF_CHECK(wait([&] { return fake.live_connections() >= 1; }, 5s));
  CAF_CHECK(private_ping());
}

CAF_TEST(a wrong token parks the client and the rest of the daemon serves) {
  CAF_REQUIRE(launch("wrong-token", ""));
  CAF_CHECK(wait([&] { return stderr_has("park path=platforms/onebot:qq"); },
                 10s));
  std::this_thread::sleep_for(1500ms);
  CAF_CHECK_EQUAL(fake.auth_failures(), 1); // no reconnect loop
  CAF_CHECK_EQUAL(fake.live_connections(), 0);
  CAF_CHECK(ping_through_sandbox());
  CAF_REQUIRE(daemon->send_line("/status", deadline_in(1s)));
  auto line = daemon->read_line_until(stream::out,
                                      contains("platforms/onebot:qq parked"),
                                      deadline_in(5s));
  CAF_REQUIRE(line);
  CAF_CHECK(line->find("access token rejected") != std::string::npos);
  CAF_CHECK(!stderr_has("wrong-token"));
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(a swallowed action does not block the next reply) {
  CAF_REQUIRE(start());
  auto connections = fake.connection_count();
  fake.swallow("send_private_msg", 1);
  fake.push_private_message(user, "/ping");
  CAF_REQUIRE(
    wait([&] { return fake.action_count("send_private_msg") == 1; }, 5s));
  // The next reply goes out while the first one still waits.
  auto t0 = steady_clock::now();
  CAF_CHECK(private_ping("/ping", 900ms));
  CAF_MESSAGE("second reply answered after " << ms_since(t0) << " ms");
  CAF_CHECK(wait([&] { return stderr_has("onebot action_timeout"); }, 5s));
  CAF_CHECK_EQUAL(stderr_count("onebot action_timeout"), 1u);
  CAF_CHECK_EQUAL(fake.connection_count(), connections);
  // A failed action is logged, and nothing else happens.
  fake.fail_action("send_group_msg", 100);
  fake.push_group_message(group, user, "/ping");
  CAF_CHECK(wait([&] { return stderr_has("onebot action_failed"); }, 5s));
  CAF_CHECK(group_ping());
  CAF_CHECK_EQUAL(fake.connection_count(), connections);
  check_no_violations();
}

CAF_TEST(sigterm exits cleanly within the deadline) {
  CAF_REQUIRE(start());
  CAF_REQUIRE(private_ping());
  fake.swallow("", -1); // an action in flight must not hold the exit
  fake.push_private_message(user, "/ping");
  CAF_REQUIRE(
    wait([&] { return fake.action_count("send_private_msg") == 2; }, 5s));
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(stop(), 0);
  CAF_CHECK_LESS(ms_since(t0), 5000);
}

CAF_TEST(sigterm while the implementation is unreachable exits cleanly) {
  fake.refuse_for(60s);
  CAF_REQUIRE(launch("test-token", ""));
  CAF_CHECK(wait([&] { return stderr_has("onebot disconnected"); }, 5s));
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(stop(), 0);
  CAF_CHECK_LESS(ms_since(t0), 5000);
}

CAF_TEST(reverse mode serves the implementation that dials in) {
  CAF_REQUIRE(start_reverse());
  CAF_CHECK(group_ping());
  CAF_CHECK(private_ping());
  CAF_CHECK_EQUAL(fake.action_count("send_group_msg"), 1);
  for (auto& a : fake.actions())
    CAF_CHECK(a.reverse);
  CAF_CHECK_EQUAL(fake.auth_failures(), 0);
  CAF_CHECK(!stderr_has("test-token"));
  check_no_violations();
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(stop(), 0);
  CAF_CHECK_LESS(ms_since(t0), 5000);
}

CAF_TEST(reverse mode refuses wrong credentials and stays healthy) {
  CAF_REQUIRE(launch("wrong-token", reverse_settings));
  auto port = listening_port();
  CAF_REQUIRE_NOT_EQUAL(port, 0);
  // A token tetherd does not know: 403; none at all: 401.
  fake.dial(reverse_url(port), onebot_role::universal);
  auto no_token_opts = fake_options();
  no_token_opts.access_token = "";
  fake_onebot no_token{no_token_opts};
  no_token.dial(reverse_url(port), onebot_role::universal);
  CAF_CHECK(wait([&] { return fake.dial_attempts() >= 3
                              && no_token.dial_attempts() >= 3; },
                 10s));
  CAF_CHECK(stderr_has("onebot handshake_rejected"));
  CAF_CHECK(stderr_has("status=403"));
  CAF_CHECK(stderr_has("status=401"));
  CAF_CHECK(!stderr_has("onebot connected"));
  CAF_CHECK_EQUAL(fake.live_connections(), 0);
  fake.push_private_message(user, "/ping");
  std::this_thread::sleep_for(300ms);
  CAF_CHECK_EQUAL(fake.actions().size(), 0u);
  CAF_CHECK(ping_through_sandbox());
  // Refused peers never cost the node its place: it keeps listening.
  CAF_CHECK(!stderr_has("park path=platforms/onebot:qq"));
  CAF_CHECK(!stderr_has("wrong-token"));
  CAF_CHECK(!stderr_has("test-token"));
  no_token.stop_dialing();
  fake.stop_dialing();
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(reverse mode serves again after the implementation redials) {
  CAF_REQUIRE(start_reverse());
  CAF_REQUIRE(private_ping());
  auto attempts = fake.dial_attempts();
  fake.drop();
  CAF_CHECK(wait([&] { return stderr_has("onebot disconnected"); }, 5s));
  CAF_CHECK(wait([&] { return fake.dial_attempts() > attempts
                              && fake.live_connections() == 1
                              && stderr_count("onebot connected") >= 2; },
                 5s));
  CAF_CHECK(private_ping());
  CAF_CHECK(group_ping());
  check_no_violations();
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
