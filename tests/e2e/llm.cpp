#define CAF_SUITE e2e.llm

// The real tetherd with the sandbox platform routed to an llm handler that
// talks to tests/fakes/openai: answers, history, slow answers, retries and
// the failures that must end in error_reply while the daemon keeps
// serving. The fake runs in this process; tetherd is a child process.

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "caf/test/unit_test.hpp"
#include "fakes/openai/fake_openai.hpp"
#include "support/temp_dir.hpp"
#include "support/tetherd.hpp"

using namespace std::chrono_literals;

using tether::fakes::fake_openai;
using tether::test::contains;
using tether::test::deadline_in;
using tether::test::process;
using tether::test::steady_clock;

namespace {

using stream = process::stream;

constexpr auto good_key = "sk-e2e-good-key-0123456789";
constexpr auto error_reply = "Sorry, I could not answer that right now.";

tether::fakes::openai_options fake_options() {
  tether::fakes::openai_options opts;
  opts.api_key = good_key;
  return opts;
}

struct fixture {
  fake_openai fake{fake_options()};
  tether::test::temp_dir tmp{"tether-llm"};
  std::string dir = tmp.path();
  tether::test::tetherd daemon;
  // Settings of the llm handler that tests change before start().
  std::string request_timeout = "5s";
  std::string retries = "2";
  std::string retry_backoff = "100ms";

  ~fixture() {
    auto t = caf::test::engine::current_test();
    if (t != nullptr && t->bad() > 0 && daemon.running()) {
      CAF_TEST_PRINT_INFO("stderr of tetherd:\n" << daemon.stderr_text());
      CAF_TEST_PRINT_INFO("stdout of tetherd:\n"
                          << daemon.proc().stdout_text());
      for (auto& v : fake.violations())
        CAF_TEST_PRINT_INFO("fake: " << v);
    }
    daemon.reset(); // before its directory goes away
  }

  std::string config() {
    auto path = dir + "/tether.yaml";
    std::ofstream out{path};
    out << "daemon:\n"
           "  log_level: info\n"
           "  shutdown_timeout: 5s\n"
           "  data_dir: "
        << dir
        << "/var\n"
           "admin:\n"
           "  enabled: false\n"
           "platforms:\n"
           "  - kind: sandbox\n"
           "    name: console\n"
           "    settings:\n"
           "      reply_prefix: \"\"\n"
           "handlers:\n"
           "  - kind: commands\n"
           "  - kind: llm\n"
           "    timeout: 10s\n"
           "    settings:\n"
           "      base_url: "
        << fake.base_url()
        << "\n"
           "      model: fake-model\n"
           "      api_key: ${TETHER_TEST_OPENAI_KEY}\n"
           "      system_prompt: Be brief.\n"
           "      request_timeout: "
        << request_timeout
        << "\n"
           "      retries: "
        << retries
        << "\n"
           "      retry_backoff: "
        << retry_backoff
        << "\n"
           "routes:\n"
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n"
           "  - match: {platform: sandbox}\n"
           "    handler: llm\n";
    return path;
  }

  bool start(const std::string& key = good_key) {
    if (!daemon.launch(config(), dir, {{"TETHER_TEST_OPENAI_KEY", key}}))
      return false;
    if (daemon.proc().read_line_until(stream::err, contains("daemon ready"),
                                      deadline_in(10s)))
      return true;
    CAF_MESSAGE("tetherd did not come up:\n" << daemon.stderr_text());
    return false;
  }

  /// Sends `line` on the sandbox and returns the next reply line, or
  /// `<no answer>` after `timeout`.
  std::string ask(const std::string& line,
                  steady_clock::duration timeout = 8s) {
    if (!daemon.proc().send_line(line, deadline_in(1s)))
      return "<stdin closed>";
    std::optional<std::string> answer;
    daemon.wait(
      [&] {
        answer = daemon.proc().read_line(stream::out, steady_clock::now());
        return answer.has_value();
      },
      timeout);
    return answer ? *answer : "<no answer>";
  }

  bool stderr_has(const std::string& what) {
    return daemon.stderr_has(what);
  }

  // Drains stderr until `what` shows up (log lines may trail the reply).
  bool wait_log(const std::string& what) {
    return daemon.wait(
      [&] {
        return stderr_has(what);
      },
      3s);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(llm_tests, fixture)

CAF_TEST(a message gets the model answer) {
  CAF_REQUIRE(start());
  CAF_CHECK_EQUAL(ask("hello there"), "echo: hello there [2 messages]");
  auto reqs = fake.requests();
  CAF_REQUIRE_EQUAL(reqs.size(), 1u);
  CAF_CHECK_EQUAL(reqs[0].target, "/v1/chat/completions");
  CAF_CHECK_EQUAL(reqs[0].authorization, std::string{"Bearer "} + good_key);
  CAF_CHECK_EQUAL(reqs[0].model, "fake-model");
  CAF_CHECK_EQUAL(reqs[0].last_name, "operator");
  CAF_CHECK(fake.violations().empty());
  // Commands still go to the commands handler.
  CAF_CHECK_EQUAL(ask("/ping"), "pong");
  CAF_CHECK_EQUAL(fake.request_count(), 1u);
  CAF_CHECK(daemon.stop() == 0);
}

CAF_TEST(the next message carries the previous turn) {
  CAF_REQUIRE(start());
  CAF_CHECK_EQUAL(ask("one"), "echo: one [2 messages]");
  CAF_CHECK_EQUAL(ask("two"), "echo: two [4 messages]");
  CAF_CHECK_EQUAL(ask("three"), "echo: three [6 messages]");
  auto reqs = fake.requests();
  CAF_REQUIRE_EQUAL(reqs.size(), 3u);
  CAF_CHECK(reqs[2].body.find(
              R"({"role":"assistant","content":"echo: two [4 messages]"})")
            != std::string::npos);
}

CAF_TEST(a slow answer within the deadline arrives) {
  request_timeout = "3s";
  CAF_REQUIRE(start());
  fake.slow(1500ms);
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(ask("slowly"), "echo: slowly [2 messages]");
  CAF_CHECK(steady_clock::now() - t0 >= 1500ms);
  CAF_CHECK_EQUAL(fake.request_count(), 1u);
}

CAF_TEST(a 429 is retried after its retry after) {
  CAF_REQUIRE(start());
  fake.rate_limit(1, "2");
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(ask("busy?"), "echo: busy? [2 messages]");
  // Retry-After (2 s) wins over retry_backoff (100 ms).
  CAF_CHECK(steady_clock::now() - t0 >= 2s);
  auto reqs = fake.requests();
  CAF_REQUIRE_EQUAL(reqs.size(), 2u);
  CAF_CHECK_EQUAL(reqs[0].status, 429);
  CAF_CHECK_EQUAL(reqs[1].status, 200);
  CAF_CHECK(wait_log("llm retry"));
  CAF_CHECK(stderr_has("status=429"));
  CAF_CHECK(stderr_has("delay=2000ms"));
}

CAF_TEST(three server errors end in the error reply and a log line) {
  CAF_REQUIRE(start());
  fake.server_error(3);
  CAF_CHECK_EQUAL(ask("fail please"), error_reply);
  CAF_CHECK_EQUAL(fake.request_count(), 3u);
  CAF_CHECK(wait_log("llm call_failed"));
  CAF_CHECK(stderr_has("status=500"));
  CAF_CHECK(stderr_has("attempts=3"));
  // The next message works again.
  CAF_CHECK_EQUAL(ask("again"), "echo: again [2 messages]");
}

CAF_TEST(a malformed answer ends in the error reply) {
  CAF_REQUIRE(start());
  fake.malformed(1);
  CAF_CHECK_EQUAL(ask("garbage?"), error_reply);
  CAF_CHECK_EQUAL(fake.request_count(), 1u);
  CAF_CHECK(wait_log("malformed response"));
}

CAF_TEST(a hanging server ends in the error reply and the daemon serves on) {
  request_timeout = "1s";
  retries = "0";
  CAF_REQUIRE(start());
  fake.hang(1);
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(ask("anyone?"), error_reply);
  auto took = steady_clock::now() - t0;
  CAF_CHECK(took >= 1s);
  CAF_CHECK(took < 5s);
  CAF_CHECK(wait_log("timeout after 1000ms"));
  CAF_CHECK(daemon.ping_through_sandbox());
  CAF_CHECK_EQUAL(ask("back?"), "echo: back? [2 messages]");
}

CAF_TEST(a wrong key ends in the error reply and never reaches the log) {
  const std::string wrong = "sk-e2e-wrong-key-9876543210";
  CAF_REQUIRE(start(wrong));
  CAF_CHECK_EQUAL(ask("let me in"), error_reply);
  CAF_CHECK_EQUAL(fake.request_count(), 1u);
  CAF_CHECK_EQUAL(fake.requests().at(0).status, 401);
  CAF_CHECK(wait_log("llm call_failed"));
  CAF_CHECK(stderr_has("status=401"));
  CAF_CHECK(stderr_has("invalid_api_key"));
  // The fake quotes the key it got; the log shows it redacted.
  CAF_CHECK(stderr_has("Incorrect API key provided: <redacted>"));
  CAF_CHECK(daemon.stop() == 0);
  CAF_CHECK(!stderr_has(wrong));
  CAF_CHECK(daemon.proc().stdout_text().find(wrong) == std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
