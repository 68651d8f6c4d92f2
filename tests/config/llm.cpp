#define CAF_SUITE config.llm

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "caf/test/unit_test.hpp"
#include "config/config.hpp"
#include "config/logging.hpp"

using namespace tether::config;
using namespace std::chrono_literals;

namespace {

load_result load(const std::string& text) {
  return load_string(text, "l.yaml");
}

std::string errors_of(const load_result& r) {
  std::string out;
  for (auto& e : r.errors)
    out += e.to_string() + "\n";
  return out;
}

template<class Rep, class Period>
int64_t ns(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<duration>(d).count();
}

// The shipped config with the two keys docs/llm.md names set.
std::string dist_with_llm() {
  std::ifstream in{TETHER_SOURCE_DIR "/dist/tether.yaml"};
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("      base_url: \"\"", 0) == 0)
      line = "      base_url: https://api.openai.com/v1";
    else if (line.rfind("      model: \"\"", 0) == 0)
      line = "      model: gpt-4o-mini";
    out += line + "\n";
  }
  return out;
}

std::string dist_as_shipped() {
  std::ifstream in{TETHER_SOURCE_DIR "/dist/tether.yaml"};
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

} // namespace

CAF_TEST(an llm handler needs base_url and model and has defaults) {
  auto r = load(R"(
handlers:
  - kind: llm
    settings:
      base_url: https://api.openai.com/v1/
      model: gpt-4o-mini
)");
  if (!r) CAF_FAIL(errors_of(r));
  auto& h = r.config->handlers.at(0);
  CAF_CHECK_EQUAL(h.name, "llm");
  CAF_CHECK_EQUAL(ns(h.timeout), ns(60s));
  auto& s = std::get<llm_settings>(h.settings);
  CAF_CHECK_EQUAL(s.base_url, "https://api.openai.com/v1");
  CAF_CHECK_EQUAL(s.model, "gpt-4o-mini");
  CAF_CHECK(s.api_key.empty());
  CAF_CHECK_EQUAL(s.system_prompt, "");
  CAF_CHECK(!s.temperature);
  CAF_CHECK(!s.max_tokens);
  CAF_CHECK_EQUAL(s.history_turns, 10u);
  CAF_CHECK_EQUAL(s.history_chars, 8000u);
  CAF_CHECK_EQUAL(ns(s.request_timeout), ns(30s));
  CAF_CHECK_EQUAL(s.retries, 2);
  CAF_CHECK_EQUAL(ns(s.retry_backoff), ns(1s));
  CAF_CHECK_EQUAL(s.concurrency, 4u);
  CAF_CHECK_EQUAL(s.queue_limit, 100u);
  CAF_CHECK_EQUAL(s.error_reply, "Sorry, I could not answer that right now.");
  CAF_CHECK(!s.trigger_all);
}

CAF_TEST(every llm setting is read and the key is redacted) {
  setenv("TETHER_TEST_LLM_KEY", "sk-test-llm-0123456789", 1);
  auto r = load(R"(
handlers:
  - kind: llm
    name: gpt
    timeout: 20s
    settings:
      base_url: http://127.0.0.1:11434/v1
      model: llama3.2
      api_key: ${TETHER_TEST_LLM_KEY}
      system_prompt: "You are terse."
      temperature: 0.2
      max_tokens: 300
      history_turns: 0
      history_chars: 100
      request_timeout: 5s
      retries: 0
      retry_backoff: 250ms
      concurrency: 1
      queue_limit: 0
      error_reply: ""
      busy_reply: busy
      trigger: all
      ca_file: /etc/ca.pem
)");
  unsetenv("TETHER_TEST_LLM_KEY");
  if (!r) CAF_FAIL(errors_of(r));
  auto& h = r.config->handlers.at(0);
  CAF_CHECK_EQUAL(ns(h.timeout), ns(20s));
  auto& s = std::get<llm_settings>(h.settings);
  CAF_CHECK_EQUAL(s.base_url, "http://127.0.0.1:11434/v1");
  CAF_CHECK_EQUAL(s.api_key.reveal(), "sk-test-llm-0123456789");
  CAF_CHECK_EQUAL(tether::logging::redact("key sk-test-llm-0123456789"),
                  "key <redacted>");
  CAF_CHECK_EQUAL(s.system_prompt, "You are terse.");
  CAF_CHECK_EQUAL(*s.temperature, 0.2);
  CAF_CHECK_EQUAL(*s.max_tokens, 300);
  CAF_CHECK_EQUAL(s.history_turns, 0u);
  CAF_CHECK_EQUAL(s.history_chars, 100u);
  CAF_CHECK_EQUAL(ns(s.request_timeout), ns(5s));
  CAF_CHECK_EQUAL(s.retries, 0);
  CAF_CHECK_EQUAL(ns(s.retry_backoff), ns(250ms));
  CAF_CHECK_EQUAL(s.concurrency, 1u);
  CAF_CHECK_EQUAL(s.queue_limit, 0u);
  CAF_CHECK_EQUAL(s.error_reply, "");
  CAF_CHECK_EQUAL(s.busy_reply, "busy");
  CAF_CHECK(s.trigger_all);
  CAF_CHECK_EQUAL(s.ca_file, "/etc/ca.pem");
}

CAF_TEST(bad llm values are errors with their position) {
  auto r = load(R"(handlers:
  - kind: llm
    settings:
      base_url: api.openai.com/v1
      model: ""
      temperature: 2.5
      max_tokens: 0
      retries: -1
      concurrency: 0
      trigger: always
      request_timeout: 1m
      colour: blue
)");
  CAF_REQUIRE(!r);
  auto text = errors_of(r);
  CAF_MESSAGE(text);
  auto has = [&](const std::string& x) {
    auto found = text.find(x) != std::string::npos;
    if (!found) CAF_MESSAGE("missing: " << x);
    return found;
  };
  CAF_CHECK(has("l.yaml:4:17: handlers[0].settings.base_url: expected a URL "
                "such as https://api.openai.com/v1"));
  // base_url is invalid here, so an empty model is not reported on top.
  CAF_CHECK(has("l.yaml:6:20: handlers[0].settings.temperature: must be "
                "between 0 and 2, got 2.5"));
  CAF_CHECK(has("l.yaml:7:19: handlers[0].settings.max_tokens: must be >= 1"));
  CAF_CHECK(has("l.yaml:8:16: handlers[0].settings.retries: must be >= 0"));
  CAF_CHECK(has("l.yaml:9:20: handlers[0].settings.concurrency: must be >= 1"));
  CAF_CHECK(has("l.yaml:10:16: handlers[0].settings.trigger: unknown trigger "
                "`always`"));
  CAF_CHECK(has("l.yaml:11:24: handlers[0].settings.request_timeout: "
                "request_timeout (60s) must be shorter than the handler's "
                "timeout (60s)"));
  CAF_CHECK(has("handlers[0].settings.colour"));
  CAF_CHECK_EQUAL(r.errors.size(), 8u);
}

CAF_TEST(base_url must be https except on loopback) {
  auto one = [](const std::string& url) {
    auto r = load("handlers:\n  - kind: llm\n    settings: {model: m, "
                  "base_url: \""
                  + url + "\"}\n");
    return r ? std::string{} : r.errors.at(0).message;
  };
  CAF_CHECK_EQUAL(one("https://api.example.com/v1"), "");
  CAF_CHECK_EQUAL(one("HTTPS://api.example.com:8443/openai/v1"), "");
  CAF_CHECK_EQUAL(one("http://127.0.0.1:8080/v1"), "");
  CAF_CHECK_EQUAL(one("http://localhost:11434/v1"), "");
  CAF_CHECK_EQUAL(one("http://[::1]:8000/v1"), "");
  CAF_CHECK_EQUAL(one("http://10.0.0.5:8000/v1"),
                  "plain http:// is only allowed for a loopback host "
                  "(127.0.0.1, localhost, [::1]); use https://");
  CAF_CHECK_EQUAL(one("ftp://x/v1"),
                  "expected an https:// URL (http:// only for a loopback "
                  "host), got scheme `ftp`");
  CAF_CHECK_EQUAL(one("https:///v1"), "has no host");
  CAF_CHECK_EQUAL(one("https://x/v1?key=1"),
                  "must not have a query or fragment; `/chat/completions` "
                  "is appended to it");
  CAF_CHECK_EQUAL(one("https://user:pw@x/v1"),
                  "must not contain credentials; set `api_key` instead");
}

CAF_TEST(the default request timeout does not clash with a short timeout) {
  auto r = load("handlers:\n  - kind: llm\n    timeout: 5s\n"
                "    settings: {model: m, base_url: \"https://x/v1\"}\n");
  if (!r) CAF_FAIL(errors_of(r));
  auto& s = std::get<llm_settings>(r.config->handlers.at(0).settings);
  CAF_CHECK_EQUAL(ns(s.request_timeout), ns(30s));
}

CAF_TEST(missing keys and settings) {
  auto r = load("handlers:\n  - kind: llm\n    settings: {model: m}\n");
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(r.errors.at(0).to_string(),
                  "l.yaml:3:15: handlers[0].settings.base_url: missing "
                  "required key `base_url`");
  r = load("handlers:\n  - kind: llm\n");
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(r.errors.at(0).key_path, "handlers[0].settings");
}

CAF_TEST(the shipped llm is off until base_url and model are set) {
  unsetenv("OPENAI_API_KEY");
  auto r = load(dist_as_shipped());
  if (!r) CAF_FAIL(errors_of(r));
  auto& s = std::get<llm_settings>(r.config->handlers.at(1).settings);
  CAF_CHECK(s.base_url.empty());
  CAF_CHECK(s.model.empty());
  CAF_CHECK(s.api_key.empty());
  // One without the other is an error naming the key.
  r = load(R"(
handlers:
  - kind: llm
    settings: {base_url: "https://api.openai.com/v1", model: ""}
)");
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(r.errors.at(0).key_path, "handlers[0].settings.model");
}

CAF_TEST(the shipped config works once base_url and model are set) {
  setenv("OPENAI_API_KEY", "sk-test-dist-0123456789", 1);
  auto r = load(dist_with_llm());
  unsetenv("OPENAI_API_KEY");
  if (!r) CAF_FAIL(errors_of(r) + dist_with_llm());
  auto& cfg = *r.config;
  CAF_REQUIRE_EQUAL(cfg.handlers.size(), 2u);
  CAF_CHECK_EQUAL(cfg.handlers[1].kind, "llm");
  auto& s = std::get<llm_settings>(cfg.handlers[1].settings);
  CAF_CHECK_EQUAL(s.base_url, "https://api.openai.com/v1");
  CAF_CHECK_EQUAL(s.api_key.reveal(), "sk-test-dist-0123456789");
  // Commands first, then everything else to the llm.
  CAF_REQUIRE_EQUAL(cfg.routes.size(), 2u);
  CAF_CHECK(cfg.routes[0].match.prefix == std::string{"/"});
  CAF_CHECK_EQUAL(cfg.routes[0].handlers.at(0), "commands");
  CAF_CHECK_EQUAL(cfg.routes[1].handlers.at(0), "llm");
}
