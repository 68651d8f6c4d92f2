#define CAF_SUITE actors.llm

#include "actors/handlers/llm.hpp"

#include <mutex>
#include <optional>

#include "actors/handlers/llm_type_ids.hpp"
#include "actors/type_ids.hpp"
#include "caf/test/dsl.hpp"
#include "config/logging.hpp"
#include "protocols/net/http_client.hpp"

using namespace tether;
using namespace std::chrono_literals;

namespace {

constexpr auto key = "sk-actor-test-0123456789";

// Records requests; the test completes them by calling their handler,
// which sends the result to the actor like the real client would.
class fake_http : public net::http_client {
public:
  struct call {
    net::http_request req;
    handler done;
  };

  void request(net::http_request req, handler done) override {
    calls.push_back({std::move(req), std::move(done)});
  }

  void shutdown() override {
    shut_down = true;
  }

  std::vector<call> calls;
  bool shut_down = false;
};

std::string completion(const std::string& content) {
  return R"({"choices":[{"index":0,"message":{"role":"assistant","content":")"
         + content + R"("},"finish_reason":"stop"}]})";
}

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<fake_http> http = std::make_shared<fake_http>();
  caf::actor llm;
  std::mutex log_mtx;
  std::vector<std::string> log_lines;

  fixture() {
    logging::set_capture([this](const std::string& line) {
      std::lock_guard<std::mutex> guard{log_mtx};
      log_lines.push_back(line);
    });
  }

  ~fixture() {
    logging::set_capture(nullptr);
    if (llm) {
      caf::anon_send_exit(llm, caf::exit_reason::kill);
      sched.run();
    }
  }

  // Spawns the handler with `settings` (YAML lines under `settings:`).
  void start(const std::string& settings, const std::string& timeout = "40s") {
    setenv("TETHER_TEST_LLM_ACTOR_KEY", key, 1);
    auto r
      = config::load_string("handlers:\n  - kind: llm\n    timeout: " + timeout
                            + "\n    settings:\n"
                              "      base_url: http://127.0.0.1:9/v1\n"
                              "      model: m\n"
                              "      api_key: "
                              "${TETHER_TEST_LLM_ACTOR_KEY}\n"
                            + settings);
    unsetenv("TETHER_TEST_LLM_ACTOR_KEY");
    for (auto& e : r.errors)
      CAF_MESSAGE(e.to_string());
    CAF_REQUIRE(r);
    llm = spawn_llm(sys, r.config->handlers.at(0), http, "handlers/llm");
    sched.run();
  }

  void send(const std::string& text, const std::string& room = "r1",
            bool mentions = true, const std::string& type = "message") {
    inbound_message msg;
    msg.type = type;
    msg.platform = "sandbox";
    msg.bot = "console";
    msg.id = "m-" + text;
    msg.sender = {"u1", "alice"};
    msg.text = text;
    msg.context.room_id = room;
    msg.mentions_bot = mentions;
    self->send(llm, handle_atom::value, msg);
    sched.run();
  }

  // The next handler_result that reached the test as `[a|b]`, or
  // `<none>`.
  std::string reply() {
    std::string result = "<none>";
    self->receive(
      [&](handler_result& x) {
        result = "[";
        for (auto& t : x.texts)
          result += (result.size() > 1 ? "|" : "") + t;
        result += "]";
      },
      caf::after(0s) >> [] {});
    return result;
  }

  void respond(size_t i, int status, std::string body,
               net::header_list headers = {}, std::string error = {}) {
    CAF_REQUIRE(i < http->calls.size());
    net::http_response resp;
    resp.status = status;
    resp.body = std::move(body);
    resp.headers = std::move(headers);
    resp.error = std::move(error);
    http->calls[i].done(std::move(resp));
    sched.run();
  }

  // Fires the timers due within `d` and runs what they sent.
  void wait(caf::timespan d) {
    advance_time(d);
    sched.run();
  }

  std::string logs() {
    std::lock_guard<std::mutex> guard{log_mtx};
    std::string out;
    for (auto& line : log_lines)
      out += line + "\n";
    return out;
  }

  bool logged(const std::string& what) {
    return logs().find(what) != std::string::npos;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(llm_tests, fixture)

CAF_TEST(a message becomes one request and the answer one reply) {
  start("      system_prompt: S\n      temperature: 0.5\n");
  send("hello");
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  auto& req = http->calls[0].req;
  CAF_CHECK_EQUAL(req.method, "POST");
  CAF_CHECK_EQUAL(req.url, "http://127.0.0.1:9/v1/chat/completions");
  CAF_CHECK(std::find(req.headers.begin(), req.headers.end(),
                      std::make_pair(std::string{"Authorization"},
                                     "Bearer " + std::string{key}))
            != req.headers.end());
  CAF_CHECK_EQUAL(req.body,
                  R"({"model":"m","messages":[)"
                  R"({"role":"system","content":"S"},)"
                  R"({"role":"user","content":"hello","name":"alice"}],)"
                  R"("temperature":0.5})");
  CAF_CHECK_EQUAL(req.timeout.count(), 30000);
  CAF_CHECK_EQUAL(reply(), "<none>");
  respond(0, 200, completion("hi alice"));
  CAF_CHECK_EQUAL(reply(), "[hi alice]");
}

CAF_TEST(the next message of a room carries the previous exchange) {
  start("");
  send("hello");
  respond(0, 200, completion("hi"));
  CAF_CHECK_EQUAL(reply(), "[hi]");
  send("again");
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  CAF_CHECK_EQUAL(http->calls[1].req.body,
                  R"({"model":"m","messages":[)"
                  R"({"role":"user","content":"hello","name":"alice"},)"
                  R"({"role":"assistant","content":"hi"},)"
                  R"({"role":"user","content":"again","name":"alice"}]})");
  // Another room has its own history.
  send("elsewhere", "r2");
  CAF_REQUIRE_EQUAL(http->calls.size(), 3u);
  CAF_CHECK_EQUAL(http->calls[2].req.body,
                  R"({"model":"m","messages":[)"
                  R"({"role":"user","content":"elsewhere","name":"alice"}]})");
}

CAF_TEST(a second message of a room waits for the first) {
  start("");
  send("one");
  send("two");
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  respond(0, 200, completion("1"));
  CAF_CHECK_EQUAL(reply(), "[1]");
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  CAF_CHECK(
    http->calls[1].req.body.find(R"({"role":"assistant","content":"1"})")
    != std::string::npos);
  respond(1, 200, completion("2"));
  CAF_CHECK_EQUAL(reply(), "[2]");
}

CAF_TEST(only mentions trigger unless trigger is all) {
  start("");
  send("not for me", "r1", false);
  CAF_CHECK_EQUAL(reply(), "[]");
  send("   ");
  CAF_CHECK_EQUAL(reply(), "[]");
  send("edited", "r1", true, "message_update");
  CAF_CHECK_EQUAL(reply(), "[]");
  CAF_CHECK_EQUAL(http->calls.size(), 0u);
}

CAF_TEST(trigger all answers messages without a mention) {
  start("      trigger: all\n");
  send("anyone?", "r1", false);
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
}

CAF_TEST(calls beyond concurrency wait and start when a slot frees) {
  start("      concurrency: 2\n");
  send("a", "r1");
  send("b", "r2");
  send("c", "r3");
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  respond(1, 200, completion("B"));
  CAF_CHECK_EQUAL(reply(), "[B]");
  CAF_REQUIRE_EQUAL(http->calls.size(), 3u);
  CAF_CHECK(http->calls[2].req.body.find(R"("content":"c")")
            != std::string::npos);
}

CAF_TEST(a full queue answers busy at once and logs it) {
  start("      concurrency: 1\n      queue_limit: 1\n      busy_reply: busy\n");
  send("a", "r1");
  send("b", "r2");
  send("c", "r3");
  CAF_CHECK_EQUAL(reply(), "[busy]");
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
  CAF_CHECK(logged("llm busy path=handlers/llm id=m-c waiting=1 running=1"));
}

CAF_TEST(server errors are retried with doubling backoff then fail) {
  start("      error_reply: sorry\n");
  send("q");
  respond(0, 500, R"({"error":{"message":"boom","type":"server_error"}})");
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
  wait(999ms);
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
  wait(1ms);
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  respond(1, 503, "");
  wait(1999ms);
  CAF_CHECK_EQUAL(http->calls.size(), 2u);
  wait(1ms);
  CAF_REQUIRE_EQUAL(http->calls.size(), 3u);
  CAF_CHECK_EQUAL(reply(), "<none>");
  respond(2, 500, R"({"error":{"message":"boom","type":"server_error"}})");
  CAF_CHECK_EQUAL(reply(), "[sorry]");
  CAF_CHECK(logged("llm retry path=handlers/llm id=m-q status=500"));
  CAF_CHECK(logged("status=500 error=\"HTTP 500: boom (type server_error); "
                   "no retries left\" attempts=3"));
  wait(10s);
  CAF_CHECK_EQUAL(http->calls.size(), 3u);
}

CAF_TEST(a 429 waits for its retry after) {
  start("");
  send("q");
  respond(0, 429, "{}", {{"retry-after", "3"}});
  wait(2999ms);
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
  wait(1ms);
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  respond(1, 200, completion("ok"));
  CAF_CHECK_EQUAL(reply(), "[ok]");
}

CAF_TEST(attempts are cut to the budget) {
  start("", "10s");
  send("q");
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  CAF_CHECK_EQUAL(http->calls[0].req.timeout.count(), 9000);
  respond(0, 503, "");
  wait(1s);
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  CAF_CHECK_EQUAL(http->calls[1].req.timeout.count(), 8000);
}

CAF_TEST(a retry that would not fit the budget fails at once) {
  start("      request_timeout: 2s\n", "5s");
  send("q");
  respond(0, 429, "{}", {{"retry-after", "10"}});
  CAF_CHECK_EQUAL(reply(), "[Sorry, I could not answer that right now.]");
  CAF_CHECK(logged("no time left for a retry in 10000ms"));
}

CAF_TEST(transport failures are retried) {
  start("      retries: 1\n");
  send("q");
  respond(0, 0, "", {}, "timeout after 19000ms");
  wait(1s);
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  respond(1, 0, "", {}, "connect: Connection refused");
  CAF_CHECK_EQUAL(reply(), "[Sorry, I could not answer that right now.]");
  CAF_CHECK(logged("status=0 error=\"connect: Connection refused; no "
                   "retries left\" attempts=2"));
}

CAF_TEST(client errors fail at once and the key never reaches the log) {
  start("");
  send("q");
  respond(0, 401,
          std::string{R"({"error":{"message":"Incorrect API key provided: )"}
            + key + R"(.","type":"invalid_request_error",)"
            + R"("code":"invalid_api_key"}})");
  CAF_CHECK_EQUAL(reply(), "[Sorry, I could not answer that right now.]");
  wait(5s);
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
  CAF_CHECK(logged("status=401"));
  CAF_CHECK(logged("invalid_api_key"));
  CAF_CHECK(logged("Incorrect API key provided: <redacted>."));
  CAF_CHECK(!logged(key));
}

CAF_TEST(a malformed answer is an error without retry) {
  start("");
  send("q");
  respond(0, 200, R"({"choices":[{"message":)");
  CAF_CHECK_EQUAL(reply(), "[Sorry, I could not answer that right now.]");
  CAF_CHECK(logged("malformed response: malformed JSON"));
  wait(5s);
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
}

CAF_TEST(an empty answer sends nothing and is not remembered) {
  start("");
  send("q");
  respond(0, 200, completion("  \\n"));
  CAF_CHECK_EQUAL(reply(), "[]");
  send("q2");
  CAF_REQUIRE_EQUAL(http->calls.size(), 2u);
  CAF_CHECK_EQUAL(http->calls[1].req.body,
                  R"({"model":"m","messages":[)"
                  R"({"role":"user","content":"q2","name":"alice"}]})");
}

CAF_TEST(a message waiting past its budget gets the error reply) {
  start("      concurrency: 1\n      request_timeout: 3s\n", "5s");
  send("a", "r1");
  send("b", "r2");
  CAF_REQUIRE_EQUAL(http->calls.size(), 1u);
  CAF_CHECK_EQUAL(http->calls[0].req.timeout.count(), 3000);
  wait(3999ms);
  CAF_CHECK_EQUAL(reply(), "<none>");
  wait(1ms);
  CAF_CHECK_EQUAL(reply(), "[Sorry, I could not answer that right now.]");
  CAF_CHECK(logged("waited 4000ms in the queue"));
  // The running call ends by its own deadline (the client's timeout).
  respond(0, 0, "", {}, "timeout after 3000ms");
  CAF_CHECK_EQUAL(reply(), "[Sorry, I could not answer that right now.]");
  CAF_CHECK_EQUAL(http->calls.size(), 1u);
}

CAF_TEST(the http client is shut down with the actor) {
  start("");
  CAF_CHECK(!http->shut_down);
  caf::anon_send_exit(llm, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK(http->shut_down);
  llm = nullptr;
}

CAF_TEST(the budget leaves a margin to the handler timeout) {
  CAF_CHECK(llm_budget(60s) == 59s);
  CAF_CHECK(llm_budget(3s) == 2s);
  CAF_CHECK(llm_budget(2s) == 1s);
  CAF_CHECK(llm_budget(1s) == 500ms);
}

CAF_TEST_FIXTURE_SCOPE_END()
