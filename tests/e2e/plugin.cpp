// The real tetherd with `plugin` handlers: the example plugin
// (examples/plugins/echo_plugin.py) and small misbehaving plugins written
// into a temp dir by each test. Lines typed on the sandbox platform reach
// the plugin; its replies come back on stdout. Plugins that crash, hang or
// print garbage are restarted or tolerated, and never leave zombies.

#define CAF_SUITE e2e.plugin

#include "caf/test/unit_test.hpp"

#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <thread>

#include "support/temp_dir.hpp"
#include "support/tetherd.hpp"

using namespace std::chrono_literals;
using tether::test::contains;
using tether::test::deadline_in;
using tether::test::process;
using tether::test::steady_clock;

namespace {

using stream = process::stream;

constexpr auto silence = 700ms;

std::string python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3"
                                                     : "python3";
}

/// Children of `pid` by state: `Z` for zombies, `S`/`R` for live ones.
std::vector<std::pair<int, char>> children_of(int pid) {
  std::vector<std::pair<int, char>> out;
  auto dir = ::opendir("/proc");
  if (dir == nullptr)
    return out;
  while (auto entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])))
      continue;
    std::ifstream in{"/proc/" + name + "/stat"};
    std::string stat;
    std::getline(in, stat);
    // pid (comm) state ppid ...; comm may hold spaces and parentheses.
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 >= stat.size())
      continue;
    char state = stat[close + 2];
    auto ppid = std::atoi(stat.c_str() + close + 4);
    if (ppid == pid)
      out.emplace_back(std::atoi(name.c_str()), state);
  }
  ::closedir(dir);
  return out;
}

size_t zombies_of(int pid) {
  size_t n = 0;
  for (auto& [child, state] : children_of(pid))
    if (state == 'Z')
      ++n;
  return n;
}

struct fixture {
  tether::test::temp_dir tmp{"tether-plugin"};
  tether::test::tetherd daemon;

  ~fixture() {
    auto t = caf::test::engine::current_test();
    if (t != nullptr && t->bad() > 0 && daemon.running())
      CAF_TEST_PRINT_INFO("stderr of tetherd:\n" << daemon.stderr_text());
    daemon.reset();
  }

  /// Writes an executable script into the temp dir; returns its path.
  std::string script(const std::string& name, const std::string& text) {
    auto path = tmp.path() + "/" + name;
    {
      std::ofstream out{path};
      out << text;
    }
    ::chmod(path.c_str(), 0755);
    return path;
  }

  /// `command` is a YAML flow list; `extra_settings` are more lines of
  /// `settings:` (hello_timeout and call_timeout are set here unless
  /// they name them).
  std::string config(const std::string& command,
                     const std::string& extra_settings = {}) {
    std::string timeouts;
    if (extra_settings.find("hello_timeout") == std::string::npos)
      timeouts += "      hello_timeout: 2s\n";
    if (extra_settings.find("call_timeout") == std::string::npos)
      timeouts += "      call_timeout: 1s\n";
    auto path = tmp.path() + "/tether.yaml";
    std::ofstream out{path};
    out << "daemon:\n"
           "  log_level: debug\n"
           "  shutdown_timeout: 5s\n"
           "admin:\n"
           "  enabled: false\n"
           "supervision:\n"
           "  defaults:\n"
           "    max_restarts: 50\n"
           "    within: 1m\n"
           "    backoff: {initial: 100ms, multiplier: 1, max: 100ms, "
           "jitter: 0}\n"
           "platforms:\n"
           "  - kind: sandbox\n"
           "    name: console\n"
           "handlers:\n"
           "  - kind: commands\n"
           "  - kind: plugin\n"
           "    name: plug\n"
           "    timeout: 2s\n"
           "    settings:\n"
           "      command: "
        << command
        << "\n" << timeouts
        << "      stop_timeout: 300ms\n"
        << extra_settings
        << "routes:\n"
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n"
           "  - handler: plug\n";
    return path;
  }

  bool start(const std::string& command,
             const std::string& extra_settings = {}) {
    if (!daemon.launch(config(command, extra_settings), tmp.path()))
      return false;
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

  size_t count(const std::string& what) {
    auto text = daemon.stderr_text();
    size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos;
         pos = text.find(what, pos + 1))
      ++n;
    return n;
  }

  bool wait_count(const std::string& what, size_t n,
                  steady_clock::duration timeout = 5s) {
    return daemon.wait([&] { return count(what) >= n; }, timeout);
  }

  int pid() {
    return daemon.proc().pid();
  }
};

// A shell plugin: hello, then for each message the reply that `answer`
// (shell code with $id and $line) prints.
std::string shell_plugin(const std::string& before_hello,
                         const std::string& on_message) {
  return "#!/bin/sh\n"
         "read hello\n"
         + before_hello
         + "echo '{\"type\":\"hello\",\"name\":\"shplug\",\"version\":1}'\n"
           "while read line; do\n"
           "  id=$(printf '%s' \"$line\" | sed -n "
           "'s/^{\"type\":\"message\",\"id\":\"\\([^\"]*\\)\".*/\\1/p')\n"
         + on_message + "done\n";
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(plugin_tests, fixture)

CAF_TEST(the example plugin answers echo and time and logs) {
  auto example = std::string{TETHER_SOURCE_DIR}
                 + "/examples/plugins/echo_plugin.py";
  CAF_REQUIRE(start("[" + python() + ", " + example + "]"));
  CAF_REQUIRE(say("!echo hello plugin"));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "hello plugin");
  CAF_REQUIRE(say("!time"));
  auto time = reply().value_or("<none>");
  CAF_CHECK(time.find(" UTC") != std::string::npos);
  // No reply for other text.
  CAF_REQUIRE(say("just chatting"));
  CAF_CHECK(!reply(silence));
  CAF_CHECK(daemon.stderr_has("plugin ready"));
  CAF_CHECK(daemon.stderr_has("plugin=echo_plugin"));
  // Its log message, and its stderr line at warn.
  CAF_CHECK(daemon.stderr_has("serving handler plug"));
  CAF_CHECK(daemon.stderr_has("plugin stderr"));
  CAF_CHECK(daemon.stderr_has("echo_plugin started"));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(several replies to one message and calls matched by id) {
  // Waits for two messages, then answers the second before the first, the
  // first with two texts: calls are in flight together and matched by id.
  auto extract = std::string{"sed -n "
                             "'s/^{\"type\":\"message\",\"id\":\"\\([^\"]*\\)\".*/\\1/p'"};
  auto path = script(
    "multi.sh",
    "#!/bin/sh\n"
    "read hello\n"
    "echo '{\"type\":\"hello\",\"name\":\"multi\",\"version\":1}'\n"
    "while read l1 && read l2; do\n"
    "  a=$(printf '%s' \"$l1\" | " + extract + ")\n"
    "  b=$(printf '%s' \"$l2\" | " + extract + ")\n"
    "  echo \"{\\\"type\\\":\\\"reply\\\",\\\"id\\\":\\\"$b\\\","
    "\\\"texts\\\":[\\\"r$b\\\"]}\"\n"
    "  echo \"{\\\"type\\\":\\\"reply\\\",\\\"id\\\":\\\"$a\\\","
    "\\\"texts\\\":[\\\"r$a\\\",\\\"s$a\\\"]}\"\n"
    "done\n");
  CAF_REQUIRE(start("[/bin/sh, " + path + "]"));
  CAF_REQUIRE(say("x"));
  CAF_REQUIRE(say("y"));
  // The router keeps the room's order: x's replies first, though the
  // plugin answered y first.
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "r1");
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "s1");
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "r2");
}

CAF_TEST(a crashing plugin is restarted with its exit status named) {
  // Exits with 3 on its first message.
  auto path = script("crash.sh", shell_plugin("", "  exit 3\n"));
  CAF_REQUIRE(start("[/bin/sh, " + path + "]"));
  CAF_REQUIRE(say("boom"));
  CAF_CHECK(wait_count("supervisor restart path=handlers/plug", 1));
  CAF_CHECK(daemon.stderr_has("plugin process ended: exited with status 3"));
  CAF_CHECK(daemon.stderr_has("restarts_total=1"));
  CAF_CHECK(wait_count("plugin ready", 2));
  CAF_REQUIRE(say("boom again"));
  CAF_CHECK(wait_count("supervisor restart path=handlers/plug", 2));
  CAF_CHECK(daemon.stderr_has("restarts_total=2"));
  CAF_CHECK(daemon.ping_through_sandbox());
  CAF_CHECK(daemon.wait([&] { return zombies_of(pid()) == 0; }, 2s));
}

CAF_TEST(a plugin that never says hello is killed and restarted) {
  // Ignores SIGTERM too: it must get SIGKILL after stop_timeout.
  auto path = script("mute.sh", "#!/bin/sh\ntrap '' TERM\n"
                                "while :; do sleep 1; done\n");
  CAF_REQUIRE(daemon.launch(config("[/bin/sh, " + path + "]",
                                   "      hello_timeout: 300ms\n"),
                            tmp.path()));
  CAF_CHECK(wait_count("supervisor restart path=handlers/plug", 3));
  CAF_CHECK(daemon.stderr_has("plugin hello timeout: no hello within 300ms"));
  CAF_CHECK(daemon.ping_through_sandbox());
  // Each incarnation's process was killed and reaped: no zombies, no
  // pile of old ones.
  CAF_CHECK(daemon.wait(
    [&] {
      // The next incarnation may start while the last one waits out
      // its stop_timeout.
      auto kids = children_of(pid());
      return zombies_of(pid()) == 0 && kids.size() <= 2;
    },
    2s));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(a plugin that stops answering fails calls then is restarted) {
  // Says hello, then reads and ignores everything.
  auto path = script("deaf.sh", shell_plugin("", "  :\n"));
  CAF_REQUIRE(start("[/bin/sh, " + path + "]",
                    "      call_timeout: 300ms\n      max_timeouts: 2\n"));
  CAF_REQUIRE(say("one"));
  CAF_CHECK(wait_count("plugin call_timeout", 1));
  CAF_CHECK(daemon.stderr_has("plugin call timeout: no reply within 300ms"));
  CAF_REQUIRE(say("two"));
  CAF_CHECK(wait_count("supervisor restart path=handlers/plug", 1));
  CAF_CHECK(daemon.stderr_has(
    "plugin unresponsive: 2 calls in a row got no reply within 300ms"));
  CAF_CHECK(!reply(silence));
  CAF_CHECK(daemon.ping_through_sandbox());
  CAF_CHECK(daemon.wait([&] { return zombies_of(pid()) == 0; }, 2s));
}

CAF_TEST(garbage on stdout and lines on stderr are logged and survived) {
  auto path = script(
    "noisy.sh",
    shell_plugin("echo 'this is not json'\n"
                 "echo 'warming up' >&2\n",
                 "  echo '{\"type\":\"nonsense\"}'\n"
                 "  echo \"oops on stderr\" >&2\n"
                 "  echo \"{\\\"type\\\":\\\"reply\\\",\\\"id\\\":\\\"$id\\\","
                 "\\\"texts\\\":[\\\"still here\\\"]}\"\n"));
  CAF_REQUIRE(start("[/bin/sh, " + path + "]"));
  CAF_REQUIRE(say("hi"));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "still here");
  CAF_CHECK(daemon.stderr_has("plugin bad_line"));
  CAF_CHECK(daemon.stderr_has("not JSON"));
  CAF_CHECK(daemon.stderr_has("this is not json"));
  CAF_CHECK(daemon.stderr_has("warming up"));
  CAF_CHECK(daemon.stderr_has("oops on stderr"));
  CAF_CHECK(!daemon.stderr_has("supervisor restart path=handlers/plug"));
  CAF_REQUIRE(say("again"));
  CAF_CHECK_EQUAL(reply().value_or("<none>"), "still here");
}

CAF_TEST(a missing program is restarted with the reason) {
  CAF_REQUIRE(daemon.launch(config("[" + tmp.path() + "/missing-plugin]"),
                            tmp.path()));
  CAF_CHECK(wait_count("supervisor restart path=handlers/plug", 1));
  CAF_CHECK(daemon.stderr_has("exec failed: No such file or directory"));
  CAF_CHECK(daemon.ping_through_sandbox());
}

CAF_TEST(stopping the daemon stops the plugin) {
  auto path = script("stay.sh", shell_plugin("", "  :\n"));
  CAF_REQUIRE(start("[/bin/sh, " + path + "]"));
  CAF_CHECK(daemon.wait([&] { return count("plugin ready") >= 1; }, 3s));
  auto kids = children_of(pid());
  CAF_REQUIRE_EQUAL(kids.size(), 1u);
  auto plugin_pid = kids[0].first;
  CAF_CHECK_EQUAL(daemon.stop(), 0);
  CAF_CHECK(daemon.wait(
    [&] {
      return !std::filesystem::exists("/proc/" + std::to_string(plugin_pid));
    },
    2s));
}

CAF_TEST_FIXTURE_SCOPE_END()
