// The real tetherd with a `forward` handler against a loopback receiver
// (tests/support/forward_receiver.hpp) that verifies every signature: lines
// typed on the sandbox platform are POSTed, and what the receiver answers
// comes back on stdout, or nothing does, while /ping keeps working.

#define CAF_SUITE e2e.forward

#include "caf/test/unit_test.hpp"

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/forward_receiver.hpp"
#include "support/temp_dir.hpp"
#include "support/tetherd.hpp"

using namespace std::chrono_literals;
using tether::test::contains;
using tether::test::deadline_in;
using tether::test::forward_receiver;
using tether::test::process;
using tether::test::steady_clock;

namespace {

using stream = process::stream;
using mode = forward_receiver::mode;

constexpr auto secret = "fwd-test-secret-4711";

/// How long we wait to be sure that something does *not* happen.
constexpr auto silence = 700ms;

struct fixture {
  forward_receiver receiver{secret};
  tether::test::temp_dir tmp{"tether-forward"};
  tether::test::tetherd daemon;

  ~fixture() {
    auto t = caf::test::engine::current_test();
    if (t != nullptr && t->bad() > 0 && daemon.running())
      CAF_TEST_PRINT_INFO("stderr of tetherd:\n" << daemon.stderr_text());
    daemon.reset();
  }

  std::string config(const std::string& extra_settings) {
    auto path = tmp.path() + "/tether.yaml";
    std::ofstream out{path};
    out << "daemon:\n"
           "  log_level: info\n"
           "  shutdown_timeout: 5s\n"
           "admin:\n"
           "  enabled: false\n"
           "platforms:\n"
           "  - kind: sandbox\n"
           "    name: console\n"
           "handlers:\n"
           "  - kind: commands\n"
           "  - kind: forward\n"
           "    name: hook\n"
           "    timeout: 1500ms\n"
           "    settings:\n"
           "      url: "
        << receiver.url()
        << "\n"
           "      secret: ${TETHER_TEST_FWD_SECRET}\n"
           "      request_timeout: 500ms\n"
           "      retry_backoff: 50ms\n"
        << extra_settings
        << "routes:\n"
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n"
           "  - handler: hook\n";
    return path;
  }

  bool start(const std::string& extra_settings = {}) {
    if (!daemon.launch(config(extra_settings), tmp.path(),
                       {{"TETHER_TEST_FWD_SECRET", std::string{secret}}}))
      return false;
    // The first /ping may race the tree's start; a few tries.
    for (int i = 0; i < 5; ++i)
      if (daemon.ping_through_sandbox())
        return true;
    return false;
  }

  bool say(const std::string& line) {
    return daemon.proc().send_line(line, deadline_in(1s));
  }

  std::optional<std::string> reply(std::chrono::milliseconds timeout = 3s) {
    return daemon.proc().read_line(stream::out, deadline_in(timeout));
  }

  bool wait_log(const std::string& what, steady_clock::duration timeout = 3s) {
    return daemon.wait([&] { return daemon.stderr_has(what); }, timeout);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(forward_tests, fixture)

CAF_TEST(a json reply comes back and the receiver verified the signature) {
  CAF_REQUIRE(start());
  receiver.set_mode(mode::json_reply);
  CAF_REQUIRE(say("hello there"));
  auto line = reply();
  CAF_REQUIRE(line);
  CAF_CHECK_EQUAL(*line, "echo: hello there");
  CAF_CHECK_EQUAL(receiver.verified(), 1u);
  CAF_CHECK_EQUAL(receiver.rejected(), 0u);
  // The body is the message JSON of docs/handlers.md.
  auto bodies = receiver.bodies();
  CAF_REQUIRE_EQUAL(bodies.size(), 1u);
  auto doc = nlohmann::json::parse(bodies[0], nullptr, false);
  CAF_REQUIRE(doc.is_object());
  CAF_CHECK_EQUAL(doc["platform"].get<std::string>(), "sandbox");
  CAF_CHECK_EQUAL(doc["bot"].get<std::string>(), "console");
  CAF_CHECK_EQUAL(doc["content"]["text"].get<std::string>(), "hello there");
  CAF_CHECK_EQUAL(doc["context"]["room_id"].get<std::string>(), "console");
  // The secret never shows in the logs.
  CAF_CHECK(!daemon.stderr_has(secret));
}

CAF_TEST(several replies and text replies come back in order) {
  CAF_REQUIRE(start());
  receiver.set_mode(mode::json_replies);
  CAF_REQUIRE(say("a"));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "one: a");
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "two: a");
  receiver.set_mode(mode::text_reply);
  CAF_REQUIRE(say("b"));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "text: b");
}

CAF_TEST(a 204 answer means no reply) {
  CAF_REQUIRE(start());
  receiver.set_mode(mode::no_content);
  CAF_REQUIRE(say("quiet please"));
  CAF_CHECK(daemon.wait([&] { return receiver.requests() == 1; }, 3s));
  CAF_CHECK(!reply(silence));
  CAF_CHECK(daemon.ping_through_sandbox());
  CAF_CHECK_EQUAL(receiver.verified(), 1u);
}

CAF_TEST(a 500 is retried and the retry answer is delivered) {
  CAF_REQUIRE(start());
  receiver.set_mode(mode::fail_then_ok);
  CAF_REQUIRE(say("second time lucky"));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "echo: second time lucky");
  CAF_CHECK_EQUAL(receiver.requests(), 2u);
  CAF_CHECK_EQUAL(receiver.verified(), 2u);
  CAF_CHECK(wait_log("forward retry"));
  // The same bytes were sent twice.
  auto bodies = receiver.bodies();
  CAF_REQUIRE_EQUAL(bodies.size(), 2u);
  CAF_CHECK_EQUAL(bodies[0], bodies[1]);
}

CAF_TEST(retries end and the failure is logged) {
  CAF_REQUIRE(start("      retries: 2\n"));
  receiver.set_mode(mode::always_500);
  CAF_REQUIRE(say("never"));
  CAF_CHECK(wait_log("forward request_failed"));
  CAF_CHECK_EQUAL(receiver.requests(), 3u);
  CAF_CHECK(!reply(silence));
  CAF_CHECK(daemon.ping_through_sandbox());
}

CAF_TEST(a hanging receiver times out and the daemon answers on) {
  CAF_REQUIRE(start());
  receiver.set_mode(mode::hang);
  auto t0 = steady_clock::now();
  CAF_REQUIRE(say("anyone?"));
  CAF_CHECK(wait_log("forward request_failed", 4s));
  // request_timeout 500ms, one retry, all within the handler's 1.5s.
  CAF_CHECK_LESS(steady_clock::now() - t0, 2500ms);
  CAF_CHECK(daemon.stderr_has("timeout"));
  CAF_CHECK(daemon.ping_through_sandbox());
  CAF_CHECK(!daemon.stderr_has("handler_failed"));
  // Back to normal once the receiver answers again.
  receiver.set_mode(mode::json_reply);
  CAF_REQUIRE(say("back"));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "echo: back");
}

CAF_TEST(garbage and refusals are logged without a reply) {
  CAF_REQUIRE(start());
  receiver.set_mode(mode::garbage);
  CAF_REQUIRE(say("g"));
  CAF_CHECK(wait_log("forward bad_answer"));
  CAF_CHECK(daemon.stderr_has("invalid JSON"));
  receiver.set_mode(mode::forbidden);
  CAF_REQUIRE(say("f"));
  CAF_CHECK(wait_log("forward rejected"));
  CAF_CHECK(daemon.stderr_has("status=403"));
  CAF_CHECK(daemon.stderr_has("forbidden here"));
  CAF_CHECK(!reply(silence));
  CAF_CHECK(daemon.ping_through_sandbox());
}

CAF_TEST(messages beyond concurrency and queue are dropped not stalled) {
  CAF_REQUIRE(start("      concurrency: 1\n      max_queue: 1\n"
                    "      retries: 0\n"));
  receiver.set_mode(mode::hang);
  for (auto text : {"one", "two", "three", "four"})
    CAF_REQUIRE(say(text));
  CAF_CHECK(wait_log("forward queue_full"));
  // One in flight, one waiting; the others were dropped at once.
  CAF_CHECK(daemon.wait([&] { return receiver.requests() >= 1; }, 2s));
  receiver.set_mode(mode::json_reply);
  // The waiting one goes out after the first times out.
  CAF_CHECK(daemon.wait([&] { return receiver.requests() == 2; }, 3s));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "echo: two");
  // Still serving; replies in the room keep the order of the messages.
  CAF_CHECK(daemon.ping_through_sandbox());
}

CAF_TEST_FIXTURE_SCOPE_END()
