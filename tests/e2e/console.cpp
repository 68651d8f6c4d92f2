// End-to-end test of the admin console's web page in a real browser: the
// real tetherd with the sandbox platform and a mirai platform whose server
// does not exist (it restarts over and over), and a headless Chromium
// driven over the DevTools protocol. The page must show the live tree,
// restart a node from its button, talk to the sandbox through the chat
// panel and reject a bad policy with the server's error. A screenshot of the
// page is saved in the build directory.
//
// Chromium is a test dependency (`make test` installs it); without it this
// suite fails and says so. Every wait is bounded.

#define CAF_SUITE e2e.console

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include <unistd.h>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"
#include "support/cdp.hpp"
#include "support/process.hpp"
#include "support/raw_clients.hpp"
#include "support/temp_dir.hpp"
#include "support/tetherd.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tether::test::headless_browser;
using tether::test::steady_clock;
namespace raw = tether::test::raw;
namespace http = raw::http;

#define E2E_PRINT(msg) CAF_TEST_PRINT_INFO(msg)

namespace {

const char* const sandbox = "platforms/sandbox:console";
const char* const broken = "platforms/mirai:broken";

/// A port nobody listens on (bound once, then released).
uint16_t unused_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acc{
    io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return acc.local_endpoint().port();
}

// A JavaScript string literal for `x` (paths contain no quotes, but be
// exact anyway).
std::string js(const std::string& x) {
  return json(x).dump();
}

std::string row(const std::string& path) {
  return "document.querySelector('li[data-path=' + " + js("\"" + path + "\"")
         + " + ']')";
}

struct fixture {
  tether::test::temp_dir dir{"tether-console"};
  tether::test::tetherd daemon;
  uint16_t port = unused_port();
  std::string file = dir.path() + "/tether.yaml";
  // Declared last: the browser goes first, before its profile directory.
  headless_browser browser;

  ~fixture() {
    browser.close();
    if (daemon.running())
      daemon.stop();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port) + "/";
  }

  bool start(const std::string& token = {}) {
    std::ofstream out{file};
    out << "daemon:\n"
           "  log_level: info\n"
           "  shutdown_timeout: 3s\n"
           "  data_dir: ./var\n"
           "  actor_threads: 2\n"
           "admin:\n"
           "  listen: 127.0.0.1:"
        << port << "\n";
    if (!token.empty())
      out << "  token: ${TETHER_E2E_CONSOLE_TOKEN}\n";
    out << "supervision:\n"
           "  defaults:\n"
           "    max_restarts: 10000\n"
           "    within: 1m\n"
           "    backoff: {initial: 200ms, multiplier: 2, max: 400ms, "
           "jitter: 0}\n"
           "platforms:\n"
           "  - kind: sandbox\n"
           "    name: console\n"
           "    settings:\n"
           "      reply_prefix: \"\"\n"
           "  - kind: mirai\n"
           "    name: broken\n"
           "    settings:\n"
           "      url: ws://127.0.0.1:"
        << unused_port()
        << "\n"
           "      verify_key: broken-key-1234\n"
           "      qq: 10001\n"
           "      connect_timeout: 1s\n"
           "handlers:\n"
           "  - kind: commands\n"
           "    settings:\n"
           "      prefix: \"/\"\n"
           "routes:\n"
           "  - match: {platform: sandbox}\n"
           "    handler: commands\n";
    out.close();
    tether::test::tetherd::env_map env;
    if (!token.empty())
      env["TETHER_E2E_CONSOLE_TOKEN"] = token;
    if (!daemon.launch(file, dir.path(), env))
      return false;
    auto ok = daemon.wait([&] { return daemon.stderr_has("admin listening"); },
                          10s);
    if (!ok)
      E2E_PRINT("tetherd stderr:\n" << daemon.stderr_text());
    // While the browser works, tetherd's log must keep flowing out of its
    // pipe.
    browser.idle = [this] { drain(); };
    return ok;
  }

  void drain() {
    daemon.proc().read_line_until(
      tether::test::process::stream::err,
      [](const std::string&) { return false; }, steady_clock::now());
  }

  std::optional<json> node(const std::string& path) {
    auto res = raw::http_call(port, http::verb::get, "/api/tree", {}, {},
                              2000ms);
    if (!res.ok || res.status() != 200)
      return std::nullopt;
    std::optional<json> found;
    std::function<void(const json&)> walk = [&](const json& x) {
      if (x.value("path", "") == path)
        found = x;
      for (auto& c : x["children"])
        walk(c);
    };
    walk(res.body["tree"]);
    return found;
  }

  int restarts_total(const std::string& path) {
    auto n = node(path);
    return n ? (*n)["restarts_total"].get<int>() : -1;
  }

  /// The page's `data-restarts` of a node's row, or -1.
  int page_restarts(const std::string& path) {
    auto v = browser.eval("(() => { const r = " + row(path)
                          + "; return r ? Number(r.dataset.restarts) : -1; "
                            "})()");
    return v && v->is_number() ? v->get<int>() : -1;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(console_tests, fixture)

CAF_TEST(the web console shows the tree acts on nodes and chats) {
  auto chromium = tether::test::find_chromium();
  if (chromium.empty())
    CAF_FAIL("chromium is not installed: this browser test needs it "
             "(`make test` installs it; or apt-get install chromium, or set "
             "TETHER_CHROMIUM to a Chromium binary)");
  CAF_REQUIRE(start());
  if (!browser.launch(chromium, dir.path() + "/chromium", 1400, 1200))
    CAF_FAIL("cannot drive " << chromium << ": " << browser.error());
  CAF_REQUIRE(browser.navigate(url()));
  CAF_CHECK_EQUAL(browser.eval("document.title").value_or(json{}),
                  "tether console");
  // The live tree: the sandbox is running, the broken platform cycles.
  auto sandbox_running = row(sandbox) + "?.dataset.state === 'running'";
  if (!browser.wait_true(sandbox_running, 10s))
    CAF_FAIL("the page never showed " << sandbox << " running: "
                                      << browser.error());
  CAF_CHECK(browser.wait_true(row(broken) + " !== null", 5s));
  auto first = page_restarts(broken);
  CAF_CHECK(first >= 0);
  CAF_CHECK(browser.wait_true("Number(" + row(broken)
                                + "?.dataset.restarts) >= "
                                + std::to_string(first + 2),
                              10s));
  E2E_PRINT("the page saw " << broken << " restart from " << first << " to "
                            << page_restarts(broken) << " times");
  // The restart button of the sandbox's row.
  auto before = restarts_total(sandbox);
  CAF_REQUIRE(before >= 0);
  auto click = browser.eval(
    "(() => { const b = " + row(sandbox)
    + ".querySelector(':scope > .row button[data-action=\"restart\"]'); "
      "if (!b) return false; b.click(); return true; })()");
  CAF_REQUIRE_EQUAL(click.value_or(json{}), true);
  CAF_CHECK(daemon.wait([&] { return restarts_total(sandbox) > before; },
                        5s));
  CAF_CHECK(browser.wait_true(sandbox_running + " && Number(" + row(sandbox)
                                + ".dataset.restarts) > "
                                + std::to_string(before),
                              5s));
  // The chat panel: `/ping` through the admin API, `pong` back in the page.
  CAF_REQUIRE(browser.wait_true(
    "!document.getElementById('chat-input').disabled", 5s));
  auto sent = browser.eval(
    "(() => { document.getElementById('chat-input').value = '/ping'; "
    "document.querySelector('#chat-form button[type=submit]').click(); "
    "return true; })()");
  CAF_REQUIRE_EQUAL(sent.value_or(json{}), true);
  auto pong = "[...document.querySelectorAll('#chat-log li.from-bot .text')]"
              ".some(x => x.textContent === 'pong')";
  if (!browser.wait_true(pong, 10s))
    CAF_FAIL("no pong in the chat panel; it shows: "
             << browser.eval("document.getElementById('chat-log').innerText")
                  .value_or(json{})
                  .dump()
             << "; status: "
             << browser.eval("document.getElementById('chat-status')"
                             ".textContent")
                  .value_or(json{})
                  .dump());
  CAF_CHECK(browser.wait_true(
    "[...document.querySelectorAll('#chat-log li.from-user .text')]"
    ".some(x => x.textContent === '/ping')",
    2s));
  // The policy editor: a bad value is refused with the server's error.
  auto opened = browser.eval(
    "(() => { const b = " + row(broken)
    + ".querySelector(':scope > .row button[data-action=\"policy\"]'); "
      "if (!b) return false; b.click(); return true; })()");
  CAF_REQUIRE_EQUAL(opened.value_or(json{}), true);
  CAF_CHECK(browser.wait_true(
    "document.querySelector('#policy-form [name=max_restarts]').value "
    "=== '10000'",
    5s));
  browser.eval("(() => { document.querySelector('#policy-form "
               "[name=\"backoff.jitter\"]').value = '3'; "
               "document.querySelector('#policy-form button[type=submit]')"
               ".click(); })()");
  CAF_CHECK(browser.wait_true(
    "document.getElementById('policy-errors').textContent"
    ".includes('backoff.jitter: must be between 0 and 1')",
    5s));
  // Events and log lines arrived over their streams.
  CAF_CHECK(browser.wait_true(
    "document.querySelectorAll('#events li').length > 0", 5s));
  CAF_CHECK(browser.wait_true(
    "document.getElementById('logs').textContent.includes('admin listening')",
    5s));
  CAF_CHECK(browser.wait_true(
    "document.getElementById('link').textContent === 'live'", 5s));
  std::string shot = TETHER_BINARY_DIR "/console-screenshot.png";
  CAF_CHECK(browser.screenshot(shot));
  E2E_PRINT("console screenshot: " << shot);
  // The page lives within its own Content-Security-Policy and throws
  // nothing.
  browser.eval("1"); // collects pending events
  for (auto& e : browser.page_errors())
    E2E_PRINT("page error: " << e);
  for (auto& e : browser.page_errors()) {
    CAF_CHECK(e.find("Content Security Policy") == std::string::npos);
    CAF_CHECK(e.find("Uncaught") == std::string::npos);
  }
  // Every process of the browser is gone once it is closed.
  CAF_CHECK(browser.close());
}

CAF_TEST(the web console asks for the token once and then works) {
  auto chromium = tether::test::find_chromium();
  if (chromium.empty())
    CAF_FAIL("chromium is not installed (`make test` installs it; or "
             "apt-get install chromium, or set TETHER_CHROMIUM)");
  const std::string token = "console-e2e-token-" + std::to_string(::getpid());
  CAF_REQUIRE(start(token));
  if (!browser.launch(chromium, dir.path() + "/chromium"))
    CAF_FAIL("cannot drive " << chromium << ": " << browser.error());
  // The page loads without the token; its API calls are refused.
  CAF_REQUIRE(browser.navigate(url()));
  CAF_CHECK(browser.wait_true(
    "!document.getElementById('token-dialog').hidden", 5s));
  CAF_CHECK(browser.wait_true(row(sandbox) + " === null", 1s));
  browser.eval("(() => { document.getElementById('token-input').value = "
               + js(token)
               + "; document.querySelector('#token-form button[type=submit]')"
                 ".click(); })()");
  CAF_CHECK(browser.wait_true(row(sandbox) + "?.dataset.state === 'running'",
                              10s));
  CAF_CHECK(browser.wait_true(
    "document.getElementById('token-dialog').hidden", 2s));
  CAF_CHECK(browser.wait_true(
    "sessionStorage.getItem('tether.admin.token') === " + js(token), 2s));
  CAF_CHECK(browser.wait_true(
    "document.getElementById('link').textContent === 'live'", 5s));
  // The chat works with the token too.
  CAF_REQUIRE(browser.wait_true(
    "!document.getElementById('chat-input').disabled", 5s));
  browser.eval("(() => { document.getElementById('chat-input').value = "
               "'/ping'; document.querySelector('#chat-form "
               "button[type=submit]').click(); })()");
  CAF_CHECK(browser.wait_true(
    "[...document.querySelectorAll('#chat-log li.from-bot .text')]"
    ".some(x => x.textContent === 'pong')",
    10s));
  // Never in the page's address or the log.
  CAF_CHECK(browser.eval("location.href").value_or(json{}).dump().find(token)
            == std::string::npos);
  CAF_CHECK(!daemon.stderr_has(token));
  CAF_CHECK(browser.close());
}

CAF_TEST_FIXTURE_SCOPE_END()
