#define CAF_SUITE config.handlers

#include "config/config.hpp"

#include <cstdlib>

#include "caf/test/unit_test.hpp"
#include "config/logging.hpp"

using namespace tether::config;
using namespace std::chrono_literals;

namespace {

load_result load(const std::string& text) {
  return load_string(text, "h.yaml");
}

std::string errors_of(const load_result& r) {
  std::string out;
  for (auto& e : r.errors)
    out += e.to_string() + "\n";
  return out;
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST(a forward handler has defaults) {
  auto r = load(R"(
handlers:
  - kind: forward
    settings: {url: "https://bot.example/hook"}
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& h = r.config->handlers.at(0);
  CAF_CHECK_EQUAL(h.name, "forward");
  auto& s = std::get<forward_settings>(h.settings);
  CAF_CHECK_EQUAL(s.url, "https://bot.example/hook");
  CAF_CHECK(s.signing_secret.empty());
  // Equal to the handler's default timeout is fine when not written down:
  // the handler fits its attempts into the timeout anyway.
  CAF_CHECK(s.request_timeout == 10s);
  CAF_CHECK_EQUAL(s.retries, 1u);
  CAF_CHECK(s.retry_backoff == 200ms);
  CAF_CHECK_EQUAL(s.concurrency, 8u);
  CAF_CHECK_EQUAL(s.max_queue, 256u);
}

CAF_TEST(forward keys are read and the secret comes from the environment) {
  ::setenv("TETHER_TEST_FORWARD_KEY", "s3cr3t-forward-key", 1);
  auto r = load(R"(
handlers:
  - kind: forward
    name: hook
    timeout: 30s
    settings:
      url: http://127.0.0.1:9000/in
      secret: ${TETHER_TEST_FORWARD_KEY}
      request_timeout: 5s
      retries: 3
      retry_backoff: 1s
      concurrency: 2
      max_queue: 0
      ca_file: /etc/ca.pem
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& s = std::get<forward_settings>(r.config->handlers.at(0).settings);
  CAF_CHECK_EQUAL(s.signing_secret.reveal(), "s3cr3t-forward-key");
  CAF_CHECK(s.request_timeout == 5s);
  CAF_CHECK_EQUAL(s.retries, 3u);
  CAF_CHECK(s.retry_backoff == 1s);
  CAF_CHECK_EQUAL(s.concurrency, 2u);
  CAF_CHECK_EQUAL(s.max_queue, 0u);
  CAF_CHECK_EQUAL(s.ca_file, "/etc/ca.pem");
  CAF_CHECK_EQUAL(tether::logging::redact("key=s3cr3t-forward-key"),
                  "key=<redacted>");
}

CAF_TEST(bad forward settings name file line and key) {
  auto r = load(R"(
handlers:
  - kind: forward
    timeout: 2s
    settings:
      url: ftp://x
      request_timeout: 2s
      concurrency: 0
      colour: blue
  - kind: forward
    name: other
)");
  CAF_REQUIRE(!r);
  auto text = errors_of(r);
  CAF_CHECK(has(text, "h.yaml:6:12: handlers[0].settings.url: expected a "
                      "URL starting with https:// or http://"));
  CAF_CHECK(has(text, "h.yaml:7:24: handlers[0].settings.request_timeout: "
                      "must be below the handler's timeout (2s)"));
  CAF_CHECK(has(text, "handlers[0].settings.concurrency"));
  CAF_CHECK(has(text, "unknown key `colour`"));
  CAF_CHECK(has(text, "h.yaml:10:5: handlers[1].settings: missing required "
                      "key `settings`"));
}

CAF_TEST(a plugin command is a list or a string split at spaces) {
  auto r = load(R"(
handlers:
  - kind: plugin
    name: a
    settings:
      command: [python3, "my plugin.py"]
      args: [--fast]
  - kind: plugin
    name: b
    settings: {command: "./plugin  --x y"}
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& a = std::get<plugin_settings>(r.config->handlers.at(0).settings);
  CAF_CHECK_EQUAL(a.command,
                  (std::vector<std::string>{"python3", "my plugin.py"}));
  CAF_CHECK_EQUAL(a.args, std::vector<std::string>{"--fast"});
  auto& b = std::get<plugin_settings>(r.config->handlers.at(1).settings);
  CAF_CHECK_EQUAL(b.command,
                  (std::vector<std::string>{"./plugin", "--x", "y"}));
  CAF_CHECK(b.hello_timeout == 5s);
  CAF_CHECK(b.call_timeout == 10s);
  CAF_CHECK_EQUAL(b.max_timeouts, 3u);
  CAF_CHECK_EQUAL(b.max_line, 1048576u);
  CAF_CHECK(b.stop_timeout == 2s);
  CAF_CHECK(b.env.empty());
}

CAF_TEST(plugin keys are read and env values from the environment are secret) {
  ::setenv("TETHER_TEST_PLUGIN_TOKEN", "plugin-token-0815", 1);
  auto r = load(R"(
handlers:
  - kind: plugin
    settings:
      command: [/opt/p]
      env: {MODE: fast, TOKEN: "${TETHER_TEST_PLUGIN_TOKEN}"}
      working_dir: /srv/p
      hello_timeout: 1s
      call_timeout: 3s
      max_timeouts: 5
      max_line: 4096
      stop_timeout: 500ms
)");
  if (!r)
    CAF_FAIL(errors_of(r));
  auto& s = std::get<plugin_settings>(r.config->handlers.at(0).settings);
  CAF_CHECK_EQUAL(s.env.at("MODE"), "fast");
  CAF_CHECK_EQUAL(s.env.at("TOKEN"), "plugin-token-0815");
  CAF_CHECK_EQUAL(s.working_dir, "/srv/p");
  CAF_CHECK(s.hello_timeout == 1s);
  CAF_CHECK(s.call_timeout == 3s);
  CAF_CHECK_EQUAL(s.max_timeouts, 5u);
  CAF_CHECK_EQUAL(s.max_line, 4096u);
  CAF_CHECK(s.stop_timeout == 500ms);
  CAF_CHECK_EQUAL(tether::logging::redact("t=plugin-token-0815"),
                  "t=<redacted>");
  CAF_CHECK_EQUAL(tether::logging::redact("mode=fast"), "mode=fast");
}

CAF_TEST(bad plugin settings are reported) {
  auto r = load(R"(
handlers:
  - kind: plugin
    settings:
      command: []
      env: [A]
      max_line: 10
      hello_timeout: 0
)");
  CAF_REQUIRE(!r);
  auto text = errors_of(r);
  CAF_CHECK(has(text, "handlers[0].settings.command: must name a program"));
  CAF_CHECK(has(text, "handlers[0].settings.env: expected a map of variable "
                      "names to values"));
  CAF_CHECK(has(text, "handlers[0].settings.max_line"));
  CAF_CHECK(has(text, "handlers[0].settings.hello_timeout"));
  r = load("handlers:\n  - kind: plugin\n    settings: {}\n");
  CAF_REQUIRE(!r);
  CAF_CHECK(has(errors_of(r), "missing required key `command`"));
}
