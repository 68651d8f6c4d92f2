// The real tetherd against the fake mirai-api-http (tests/fakes/mirai): the
// ways the WebSocket adapter fails, and that the daemon keeps answering
// through each of them instead of hanging. The fake runs in this process;
// tetherd is a child process.

#define CAF_SUITE e2e.mirai

#include "caf/test/unit_test.hpp"

#include <csignal>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "fakes/mirai/fake_mirai.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using json = nlohmann::json;
using tether::fakes::fake_mirai;
using tether::fakes::mirai_chain;
using tether::fakes::mirai_options;
using tether::test::contains;
using tether::test::deadline_in;
using tether::test::process;
using tether::test::steady_clock;

namespace {

using stream = process::stream;

constexpr int64_t group = 987654;
constexpr int64_t user = 42;
constexpr auto good_key = "test-verify-key";

struct fixture {
  fake_mirai fake{mirai_options{}};
  tether::test::temp_dir tmp{"tether-mirai"};
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

  std::string config() {
    auto path = dir + "/tether.yaml";
    std::ofstream out{path};
    // No admin console: suites run in parallel and would share its port.
    out << "admin:\n  enabled: false\n"
           "daemon:\n"
           "  log_level: info\n"
           "  shutdown_timeout: 5s\n"
           "supervision:\n"
           "  defaults:\n"
           "    max_restarts: 20\n"
           "    within: 1m\n"
           "    backoff: {initial: 100ms, multiplier: 2, max: 1s, jitter: 0}\n"
           "platforms:\n"
           "  - kind: sandbox\n"
           "    name: console\n"
           "  - kind: mirai\n"
           "    name: qq\n"
           "    settings:\n"
           "      url: ws://127.0.0.1:"
        << fake.port()
        << "\n"
           "      verify_key: ${TETHER_TEST_MIRAI_KEY}\n"
           "      qq: 10001\n"
           "      command_timeout: 1s\n"
           "      ping_interval: 500ms\n"
           "      ping_timeout: 1s\n"
           "      idle_probe: 2s\n"
           "      connect_timeout: 2s\n"
           "handlers:\n"
           "  - kind: commands\n"
           "routes:\n"
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n";
    return path;
  }

  // Starts tetherd; with `wait_ready`, until the mirai session is up.
  bool start(const std::string& key = good_key, bool wait_ready = true) {
    process::options opts;
    opts.args = {TETHERD_PATH, "--config", config()};
    opts.env = {{"TETHER_TEST_MIRAI_KEY", key},
                {"NOTIFY_SOCKET", std::nullopt},
                {"WATCHDOG_USEC", std::nullopt}};
    opts.cwd = dir;
    daemon = std::make_unique<process>(opts);
    if (!daemon->started())
      return false;
    if (!wait_ready)
      return true;
    if (wait([&] { return readies() >= 1 && fake.session_count() >= 1; },
             10s))
      return true;
    CAF_MESSAGE("tetherd did not come up:\n" << daemon->stderr_text());
    return false;
  }

  size_t count(const std::string& what) {
    auto& text = daemon->stderr_text();
    size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos;
         pos = text.find(what, pos + 1))
      ++n;
    return n;
  }

  size_t readies() {
    return count("mirai ready");
  }

  bool stderr_has(const std::string& what) {
    return count(what) > 0;
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

  // sendGroupMessage commands to `group` whose text is `text`.
  size_t group_sends(const std::string& text, bool answered_only = false) {
    size_t n = 0;
    for (auto& c : fake.commands()) {
      if (c.command != "sendGroupMessage" || (answered_only && !c.answered))
        continue;
      auto content = json::parse(c.content, nullptr, false);
      if (content.is_discarded()
          || content.value("target", int64_t{0}) != group)
        continue;
      auto& chain = content["messageChain"];
      if (chain.is_array() && !chain.empty()
          && chain[0].value("text", "") == text)
        ++n;
    }
    return n;
  }

  // Says "/ping" in the group and waits for "pong" to be sent there.
  bool ping_through_mirai(steady_clock::duration timeout = 5s) {
    auto before = group_sends("pong");
    fake.push_group_message(group, user, mirai_chain{}.plain("/ping"));
    return wait([&] { return group_sends("pong") > before; }, timeout);
  }

  bool ping_through_sandbox() {
    if (!daemon->send_line("/ping", deadline_in(1s)))
      return false;
    auto line = daemon->read_line_until(stream::out, contains("pong"),
                                        deadline_in(5s));
    return line.has_value();
  }

  void check_no_violations() {
    auto vs = fake.violations();
    for (auto& v : vs)
      CAF_MESSAGE("violation: " << v);
    CAF_CHECK(vs.empty());
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

int64_t elapsed_ms(steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           steady_clock::now() - t0)
    .count();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(mirai_e2e, fixture)

CAF_TEST(a group ping gets a pong sent to the same group) {
  CAF_REQUIRE(start());
  CAF_CHECK(ping_through_mirai());
  CAF_CHECK(wait([&] { return group_sends("pong", true) >= 1; }, 2s));
  CAF_CHECK(ping_through_sandbox());
  CAF_CHECK_EQUAL(fake.session_count(), 1);
  check_no_violations();
  CAF_CHECK_EQUAL(stop(), 0);
  // The connect URL (its query holds the key) is never logged.
  CAF_CHECK(!stderr_has("verifyKey"));
  CAF_CHECK(!stderr_has(good_key));
}

CAF_TEST(a dropped connection reconnects and still answers) {
  CAF_REQUIRE(start());
  CAF_REQUIRE(ping_through_mirai());
  auto t0 = steady_clock::now();
  fake.drop();
  CAF_CHECK(wait([&] { return fake.session_count() >= 2 && readies() >= 2; },
                 5s));
  CAF_MESSAGE("reconnected after a drop in " << elapsed_ms(t0) << " ms");
  CAF_CHECK(stderr_has("mirai closed"));
  CAF_CHECK(ping_through_mirai());
  check_no_violations();
}

CAF_TEST(a half open connection is found within the ping timeout) {
  CAF_REQUIRE(start());
  CAF_REQUIRE(ping_through_mirai());
  auto t0 = steady_clock::now();
  fake.half_open();
  // ping_interval 500ms + ping_timeout 1s, then a 100ms backoff.
  CAF_CHECK(wait([&] { return fake.session_count() >= 2 && readies() >= 2; },
                 5s));
  auto ms = elapsed_ms(t0);
  CAF_MESSAGE("half-open detected and recovered in " << ms << " ms");
  CAF_CHECK_LESS_OR_EQUAL(ms, 3500);
  CAF_CHECK(stderr_has("timed out (ping)"));
  CAF_CHECK(ping_through_mirai());
  check_no_violations();
}

CAF_TEST(a wrong verify key parks the platform and the rest serves) {
  CAF_REQUIRE(start("wrong-key-31337", false));
  CAF_CHECK(wait([&] { return stderr_has("park path=platforms/mirai:qq"); },
                 5s));
  auto connections = fake.connection_count();
  CAF_CHECK_GREATER_OR_EQUAL(connections, 1);
  std::this_thread::sleep_for(2s);
  wait([] { return false; }, 10ms); // drain stderr
  CAF_CHECK_EQUAL(fake.connection_count(), connections); // no loop
  CAF_CHECK_EQUAL(fake.session_count(), 0);
  CAF_CHECK(ping_through_sandbox());
  CAF_REQUIRE(daemon->send_line("/status", deadline_in(1s)));
  auto line = daemon->read_line_until(stream::out,
                                      contains("platforms/mirai:qq parked"),
                                      deadline_in(5s));
  CAF_REQUIRE(line);
  CAF_CHECK(line->find("verify_key") != std::string::npos);
  CAF_CHECK(daemon->stderr_text().find("wrong-key-31337") == std::string::npos);
  CAF_CHECK(daemon->stdout_text().find("wrong-key-31337") == std::string::npos);
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(a swallowed command does not block the next reply) {
  CAF_REQUIRE(start());
  fake.swallow("sendGroupMessage", 1);
  CAF_CHECK(ping_through_mirai()); // sent, never answered
  auto t0 = steady_clock::now();
  CAF_CHECK(ping_through_mirai(900ms)); // well before the first one's deadline
  CAF_CHECK(wait([&] { return group_sends("pong", true) >= 1; }, 900ms));
  CAF_MESSAGE("next reply answered after " << elapsed_ms(t0) << " ms");
  CAF_CHECK(wait([&] { return stderr_has("command_timeout"); }, 3s));
  // The connection stayed up through it.
  CAF_CHECK_EQUAL(fake.session_count(), 1);
  CAF_CHECK(ping_through_mirai());
  check_no_violations();
}

CAF_TEST(an idle connection is probed with about) {
  CAF_REQUIRE(start());
  CAF_CHECK(wait([&] { return fake.command_count("about") >= 1; }, 5s));
  CAF_CHECK_EQUAL(fake.session_count(), 1);
  // A server that stops answering commands (but pongs) is left behind.
  fake.swallow("about", 1);
  CAF_CHECK(wait([&] { return stderr_has("no answer to about within 1s"); },
                 6s));
  CAF_CHECK(wait([&] { return fake.session_count() >= 2; }, 5s));
  CAF_CHECK(ping_through_mirai());
}

CAF_TEST(sigterm exits 0 in time even with a half open connection) {
  CAF_REQUIRE(start());
  fake.swallow("sendGroupMessage", 1);
  fake.push_group_message(group, user, mirai_chain{}.plain("/ping"));
  CAF_CHECK(wait([&] { return group_sends("pong") >= 1; }, 5s));
  fake.half_open();
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(stop(), 0);
  auto ms = elapsed_ms(t0);
  CAF_MESSAGE("stopped in " << ms << " ms");
  CAF_CHECK_LESS_OR_EQUAL(ms, 5000);
}

CAF_TEST_FIXTURE_SCOPE_END()
