#define CAF_SUITE config.loader
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"
#include "config/config.hpp"

using namespace tether;
using namespace tether::config;
using namespace std::chrono_literals;

namespace {

/// All errors of loading `text` as `t.yaml`, rendered.
std::vector<std::string> errors_of(const std::string& text) {
  std::vector<std::string> result;
  for (auto& x : load_string(text, "t.yaml").errors)
    result.push_back(x.to_string());
  return result;
}

using strings = std::vector<std::string>;

} // namespace

// -- valid files --------------------------------------------------------------

CAF_TEST(an empty file yields all defaults) {
  for (auto text : {"", "# nothing here\n", "---\n", "daemon:\n"}) {
    auto res = load_string(text, "t.yaml");
    CAF_REQUIRE(res);
    CAF_CHECK(res.errors.empty());
    auto& cfg = *res.config;
    CAF_CHECK_EQUAL(cfg.file, "t.yaml");
    CAF_CHECK_EQUAL(cfg.daemon.log_level, "info");
    CAF_CHECK(cfg.daemon.log_fmt == log_format::text);
    CAF_CHECK_EQUAL(cfg.daemon.data_dir, "./var");
    CAF_CHECK(cfg.daemon.shutdown_timeout == 10s);
    CAF_CHECK_EQUAL(cfg.daemon.io_threads, 1);
    CAF_CHECK_EQUAL(cfg.daemon.actor_threads, 0);
    CAF_CHECK(cfg.daemon.watchdog_timeout == 2s);
    CAF_CHECK_EQUAL(cfg.admin.enabled, true);
    CAF_CHECK_EQUAL(cfg.admin.listen, "127.0.0.1:7070");
    CAF_CHECK(cfg.admin.token.empty());
    CAF_CHECK(cfg.supervision.defaults == supervision::restart_policy{});
    CAF_CHECK(cfg.supervision.overrides.empty());
    CAF_CHECK(cfg.platforms.empty());
    CAF_CHECK(cfg.handlers.empty());
    CAF_CHECK(cfg.routes.empty());
    CAF_CHECK_EQUAL(cfg.routes_fingerprint, "[]");
  }
}

CAF_TEST(a complete file sets every field) {
  setenv("TETHER_TEST_DATA", "/srv/tether", 1);
  setenv("TETHER_TEST_TOKEN", "tok-0123456789", 1);
  auto res = load_string(R"yaml(daemon:
  log_level: debug
  log_format: json
  data_dir: ${TETHER_TEST_DATA}/var
  shutdown_timeout: 1m30s
  io_threads: 3
  actor_threads: 4
  watchdog_timeout: 750ms
admin:
  enabled: false
  listen: "[::1]:9090"
  token: ${TETHER_TEST_TOKEN}
supervision:
  defaults:
    max_restarts: 7
    within: 2m
    backoff: {initial: 100ms, multiplier: 1.5, max: 10s, jitter: 0,
              reset_after: 5m}
    on_exhausted: park
    cooldown: 1h
    shutdown: brutal_kill
  overrides:
    - match: "platforms/**"
      max_restarts: 10
platforms:
  - kind: sandbox
    name: console
    settings: {user: alice, reply_prefix: ""}
    restart: {max_restarts: 3, shutdown: 1s}
handlers:
  - kind: commands
    timeout: 3s
    settings: {prefix: "!"}
  - kind: commands
    name: admin-commands
routes:
  - match: {platform: sandbox, bot: console, room: lobby, sender: bob,
            prefix: "!", regex: "^!(ping|help)", mentions_bot: true}
    handlers: [commands, admin-commands]
    final: false
  - handler: commands
)yaml",
                         "t.yaml");
  for (auto& x : res.errors)
    CAF_MESSAGE(x.to_string());
  CAF_REQUIRE(res);
  auto& cfg = *res.config;
  CAF_CHECK_EQUAL(cfg.daemon.log_level, "debug");
  CAF_CHECK(cfg.daemon.log_fmt == log_format::json);
  CAF_CHECK_EQUAL(cfg.daemon.data_dir, "/srv/tether/var");
  CAF_CHECK(cfg.daemon.shutdown_timeout == 90s);
  CAF_CHECK_EQUAL(cfg.daemon.io_threads, 3);
  CAF_CHECK_EQUAL(cfg.daemon.actor_threads, 4);
  CAF_CHECK(cfg.daemon.watchdog_timeout == 750ms);
  CAF_CHECK_EQUAL(cfg.admin.enabled, false);
  CAF_CHECK_EQUAL(cfg.admin.listen, "[::1]:9090");
  CAF_CHECK_EQUAL(cfg.admin.token.reveal(), "tok-0123456789");
  auto& d = cfg.supervision.defaults;
  CAF_CHECK_EQUAL(d.max_restarts, 7u);
  CAF_CHECK(d.within == 2min);
  CAF_CHECK(d.backoff.initial == 100ms);
  CAF_CHECK_EQUAL(d.backoff.multiplier, 1.5);
  CAF_CHECK(d.backoff.max == 10s);
  CAF_CHECK_EQUAL(d.backoff.jitter, 0.0);
  CAF_CHECK(d.backoff.reset_after == 5min);
  CAF_CHECK(d.on_exhausted == supervision::exhausted_action::park);
  CAF_CHECK(d.cooldown == 1h);
  CAF_CHECK(!d.shutdown.has_value());
  CAF_REQUIRE_EQUAL(cfg.supervision.overrides.size(), 1u);
  CAF_CHECK_EQUAL(cfg.supervision.overrides[0].match, "platforms/**");
  CAF_CHECK_EQUAL(cfg.supervision.overrides[0].pos.line, 23);
  CAF_CHECK_EQUAL(cfg.supervision.overrides[0].pos.column, 7);
  CAF_CHECK(cfg.supervision.overrides[0].patch.max_restarts == 10u);
  CAF_REQUIRE_EQUAL(cfg.platforms.size(), 1u);
  auto& p = cfg.platforms[0];
  CAF_CHECK_EQUAL(p.id(), "sandbox:console");
  CAF_CHECK_EQUAL(p.pos.line, 26);
  CAF_CHECK_EQUAL(std::get<sandbox_settings>(p.settings).user, "alice");
  CAF_CHECK_EQUAL(std::get<sandbox_settings>(p.settings).reply_prefix, "");
  CAF_CHECK(p.restart.max_restarts == 3u);
  CAF_CHECK(p.restart.shutdown == std::optional<duration>{1s});
  CAF_CHECK(!p.restart.within.has_value());
  CAF_REQUIRE_EQUAL(cfg.handlers.size(), 2u);
  CAF_CHECK_EQUAL(cfg.handlers[0].name, "commands");
  CAF_CHECK(cfg.handlers[0].timeout == 3s);
  CAF_CHECK_EQUAL(std::get<commands_settings>(cfg.handlers[0].settings).prefix,
                  "!");
  CAF_CHECK_EQUAL(cfg.handlers[1].name, "admin-commands");
  CAF_CHECK(cfg.handlers[1].timeout == 10s);
  CAF_CHECK_EQUAL(std::get<commands_settings>(cfg.handlers[1].settings).prefix,
                  "/");
  CAF_REQUIRE_EQUAL(cfg.routes.size(), 2u);
  auto& r0 = cfg.routes[0];
  CAF_CHECK(r0.match.platform == std::string{"sandbox"});
  CAF_CHECK(r0.match.bot == std::string{"console"});
  CAF_CHECK(r0.match.room == std::string{"lobby"});
  CAF_CHECK(r0.match.sender == std::string{"bob"});
  CAF_CHECK(r0.match.prefix == std::string{"!"});
  CAF_CHECK(r0.match.regex == std::string{"^!(ping|help)"});
  CAF_CHECK(r0.match.mentions_bot == true);
  CAF_CHECK_EQUAL(r0.handlers, strings({"commands", "admin-commands"}));
  CAF_CHECK_EQUAL(r0.final, false);
  auto& r1 = cfg.routes[1];
  CAF_CHECK(!r1.match.platform && !r1.match.regex && !r1.match.mentions_bot);
  CAF_CHECK_EQUAL(r1.handlers, strings({"commands"}));
  CAF_CHECK_EQUAL(r1.final, true);
  CAF_CHECK_EQUAL(r1.pos.line, 41);
  unsetenv("TETHER_TEST_DATA");
  unsetenv("TETHER_TEST_TOKEN");
}

CAF_TEST(the shipped config is valid) {
  auto res = load_file(TETHER_SOURCE_DIR "/dist/tether.yaml");
  for (auto& x : res.errors)
    CAF_MESSAGE(x.to_string());
  CAF_REQUIRE(res);
  auto& cfg = *res.config;
  CAF_CHECK(cfg.admin.token.empty());
  CAF_REQUIRE_EQUAL(cfg.platforms.size(), 1u);
  CAF_CHECK_EQUAL(cfg.platforms[0].id(), "sandbox:console");
  CAF_REQUIRE_EQUAL(cfg.handlers.size(), 2u);
  CAF_CHECK_EQUAL(cfg.handlers[0].name, "commands");
  CAF_CHECK_EQUAL(cfg.handlers[1].name, "llm"); // off: base_url and model ""
  CAF_REQUIRE_EQUAL(cfg.routes.size(), 2u);
  CAF_CHECK(cfg.routes[0].match.platform == std::string{"sandbox"});
  CAF_CHECK_EQUAL(cfg.routes[0].handlers, strings({"commands"}));
  CAF_CHECK_EQUAL(cfg.routes[1].handlers, strings({"llm"}));
  CAF_CHECK(cfg.supervision.defaults == supervision::restart_policy{});
}

CAF_TEST(scalars of every type accept their spellings) {
  auto res = load_string(R"(daemon: {shutdown_timeout: 0s, io_threads: "2"}
admin: {enabled: off}
supervision:
  defaults: {backoff: {initial: 0, max: 0, multiplier: 1, jitter: 1}}
routes:
  - {handler: commands, final: no, match: {mentions_bot: Yes}}
handlers:
  - {kind: commands}
)");
  for (auto& x : res.errors)
    CAF_MESSAGE(x.to_string());
  // shutdown_timeout must be > 0; everything else is fine.
  CAF_CHECK_EQUAL(res.errors.size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"(daemon: {shutdown_timeout: 0s})"),
                  strings({"t.yaml:1:28: daemon.shutdown_timeout: must be "
                           "greater than 0"}));
  res = load_string(R"(daemon: {io_threads: "2"}
admin: {enabled: off}
supervision:
  defaults: {backoff: {initial: 0, max: 0, multiplier: 1, jitter: 1}}
routes:
  - {handler: commands, final: no, match: {mentions_bot: Yes}}
handlers:
  - {kind: commands}
)");
  CAF_REQUIRE(res);
  auto& cfg = *res.config;
  CAF_CHECK_EQUAL(cfg.daemon.io_threads, 2);
  CAF_CHECK_EQUAL(cfg.admin.enabled, false);
  CAF_CHECK(cfg.supervision.defaults.backoff.initial == 0s);
  CAF_CHECK_EQUAL(cfg.supervision.defaults.backoff.jitter, 1.0);
  CAF_CHECK_EQUAL(cfg.routes[0].final, false);
  CAF_CHECK(cfg.routes[0].match.mentions_bot == true);
}

// -- error reporting
// ----------------------------------------------------------

CAF_TEST(a YAML syntax error names its position) {
  CAF_CHECK_EQUAL(errors_of(R"(daemon:
  log_level: [info
admin: {}
)"),
                  strings({"t.yaml:3:6: YAML syntax error: end of sequence "
                           "flow not found"}));
  CAF_CHECK_EQUAL(errors_of("daemon:\n  io_threads: 1\n    x: 2\n"),
                  strings({"t.yaml:3:6: YAML syntax error: illegal map "
                           "value"}));
}

CAF_TEST(unknown keys suggest the closest known key) {
  CAF_CHECK_EQUAL(errors_of(R"(daemon:
  log_levle: info
deamon: {}
)"),
                  strings({"t.yaml:2:3: daemon.log_levle: unknown key "
                           "`log_levle`; did you mean `log_level`?",
                           "t.yaml:3:1: deamon: unknown key `deamon`; did you "
                           "mean `daemon`?"}));
}

CAF_TEST(unknown keys without a close match list the known keys) {
  CAF_CHECK_EQUAL(errors_of(R"(admin:
  password: x
)"),
                  strings({"t.yaml:2:3: admin.password: unknown key "
                           "`password`; expected one of: enabled, listen, "
                           "token"}));
}

CAF_TEST(key paths name list indices) {
  CAF_CHECK_EQUAL(errors_of(R"(platforms:
  - kind: sandbox
    name: a
    settings:
      usr: operator
supervision:
  overrides:
    - match: "x"
    - match: "y"
      backoff: {initial: 5}
)"),
                  strings({"t.yaml:5:7: platforms[0].settings.usr: unknown "
                           "key `usr`; did you mean `user`?",
                           "t.yaml:10:26: supervision.overrides[1].backoff."
                           "initial: invalid duration `5`: expected a number "
                           "with a unit, e.g. 100us, 250ms, 30s, 5m, 1h or "
                           "1h30m (units h, m, s, ms, us, ns), or 0"}));
}

CAF_TEST(wrong types are errors) {
  CAF_CHECK_EQUAL(errors_of(R"(daemon:
  data_dir: {a: b}
  log_level: [info]
  io_threads: abc
admin: yes
platforms: {kind: sandbox}
)"),
                  strings({
                    "t.yaml:2:13: daemon.data_dir: expected a string, got a "
                    "map",
                    "t.yaml:3:14: daemon.log_level: expected a string, got a "
                    "list",
                    "t.yaml:4:15: daemon.io_threads: expected an integer, got "
                    "`abc`",
                    "t.yaml:5:8: admin: expected a map, got a value",
                    "t.yaml:6:12: platforms: expected a list, got a map",
                  }));
}

CAF_TEST(a missing value is an error) {
  CAF_CHECK_EQUAL(errors_of(R"(daemon:
  data_dir:
  log_format:
)"),
                  strings({"t.yaml:2:3: daemon.data_dir: expected a string, "
                           "got nothing",
                           "t.yaml:3:3: daemon.log_format: expected a string, "
                           "got nothing"}));
}

CAF_TEST(numbers out of range are errors) {
  CAF_CHECK_EQUAL(errors_of(R"(daemon: {io_threads: 0, actor_threads: -1}
supervision:
  defaults:
    max_restarts: -1
    backoff: {multiplier: 0.5, jitter: 1.5}
  overrides:
    - {match: a, backoff: {jitter: -0.1, multiplier: x}}
    - {match: b, max_restarts: 2.5}
)"),
                  strings({
                    "t.yaml:1:22: daemon.io_threads: must be >= 1, got 0",
                    "t.yaml:1:40: daemon.actor_threads: must be >= 0, got -1",
                    "t.yaml:4:19: supervision.defaults.max_restarts: must be "
                    ">= 0, got -1",
                    "t.yaml:5:27: supervision.defaults.backoff.multiplier: "
                    "must be >= 1, got 0.5",
                    "t.yaml:5:40: supervision.defaults.backoff.jitter: must "
                    "be between 0 and 1, got 1.5",
                    "t.yaml:7:36: supervision.overrides[0].backoff.jitter: "
                    "must be between 0 and 1, got -0.1",
                    "t.yaml:7:54: supervision.overrides[0].backoff."
                    "multiplier: expected a number, got `x`",
                    "t.yaml:8:32: supervision.overrides[1].max_restarts: "
                    "expected an integer, got `2.5`",
                  }));
}

CAF_TEST(bad durations say which formats work) {
  auto formats = std::string{": expected a number with a unit, e.g. 100us, "
                             "250ms, 30s, 5m, 1h or 1h30m (units h, m, s, ms, "
                             "us, ns), or 0"};
  CAF_CHECK_EQUAL(errors_of(R"(daemon:
  shutdown_timeout: 30
  watchdog_timeout: 5 min
supervision:
  defaults: {within: 0, cooldown: 1.5s, shutdown: soon}
)"),
                  strings({
                    "t.yaml:2:21: daemon.shutdown_timeout: invalid duration "
                    "`30`"
                      + formats,
                    "t.yaml:3:21: daemon.watchdog_timeout: invalid duration "
                    "`5 min`"
                      + formats,
                    "t.yaml:5:22: supervision.defaults.within: must be "
                    "greater than 0",
                    "t.yaml:5:35: supervision.defaults.cooldown: invalid "
                    "duration `1.5s`"
                      + formats,
                    "t.yaml:5:51: supervision.defaults.shutdown: invalid "
                    "shutdown `soon`: expected a duration such as 5s, or "
                    "brutal_kill",
                  }));
}

CAF_TEST(unknown enum values suggest the closest one) {
  CAF_CHECK_EQUAL(errors_of(R"(daemon:
  log_level: inof
  log_format: xml
supervision:
  defaults: {on_exhausted: parked}
)"),
                  strings({
                    "t.yaml:2:14: daemon.log_level: unknown value `inof`; did "
                    "you mean `info`?",
                    "t.yaml:3:15: daemon.log_format: unknown value `xml`; "
                    "expected one of: text, json",
                    "t.yaml:5:28: supervision.defaults.on_exhausted: unknown "
                    "value `parked`; did you mean `park`?",
                  }));
}

CAF_TEST(all errors of a file are reported in file order) {
  auto errs = errors_of(R"(routes:
  - handler: nope
platforms:
  - kind: sandbox
daemon:
  io_threads: x
)");
  CAF_CHECK_EQUAL(errs,
                  strings({
                    "t.yaml:2:14: routes[0].handler: unknown handler `nope`; "
                    "no handlers are configured",
                    "t.yaml:4:5: platforms[0].name: missing required key "
                    "`name`",
                    "t.yaml:6:15: daemon.io_threads: expected an integer, got "
                    "`x`",
                  }));
}

CAF_TEST(duplicate keys are errors) {
  CAF_CHECK_EQUAL(errors_of(R"(daemon:
  io_threads: 2
  io_threads: 3
)"),
                  strings({"t.yaml:3:3: daemon.io_threads: duplicate key "
                           "`io_threads`; first defined at line 2"}));
}

CAF_TEST(the top level must be a single map) {
  CAF_CHECK_EQUAL(errors_of("- a\n- b\n"),
                  strings({"t.yaml:1:1: expected a map, got a list"}));
  CAF_CHECK_EQUAL(errors_of("daemon: {}\n---\nadmin: {}\n"),
                  strings({"t.yaml:3:1: a second YAML document; the file must "
                           "hold exactly one"}));
}

CAF_TEST(an unreadable file is an error) {
  CAF_CHECK_EQUAL(
    load_file("/nonexistent/tether.yaml").errors.at(0).to_string(),
    "/nonexistent/tether.yaml: cannot open file: No such file "
    "or directory");
  CAF_CHECK_EQUAL(load_file("/").errors.at(0).to_string(),
                  "/: cannot read file: is a directory");
}

CAF_TEST(aliases that expand without bound are rejected) {
  auto errs = errors_of(R"(platforms:
  - &p {kind: sandbox, name: a, x: *p, y: *p}
)");
  CAF_REQUIRE_EQUAL(errs.size(), 3u);
  CAF_CHECK_EQUAL(errs[0], "t.yaml:2:5: platforms[0]: too large: aliases "
                           "expand it beyond 64 levels or 100000 values");
}

// -- environment and secrets
// --------------------------------------------------

CAF_TEST(env references are replaced anywhere in a value) {
  setenv("TETHER_TEST_A", "alpha", 1);
  setenv("TETHER_TEST_B", "beta", 1);
  auto res = load_string(R"(daemon:
  data_dir: "/x/${TETHER_TEST_A}-${TETHER_TEST_B}/y"
  log_level: "${TETHER_TEST_LEVEL_UNSET_X}"
platforms:
  - kind: sandbox
    name: console
    settings: {reply_prefix: "$${TETHER_TEST_A}"}
)",
                         "t.yaml");
  CAF_CHECK_EQUAL(res.errors.size(), 1u);
  setenv("TETHER_TEST_LEVEL_UNSET_X", "warn", 1);
  res = load_string(R"(daemon:
  data_dir: "/x/${TETHER_TEST_A}-${TETHER_TEST_B}/y"
  log_level: "${TETHER_TEST_LEVEL_UNSET_X}"
platforms:
  - kind: sandbox
    name: console
    settings: {reply_prefix: "$${TETHER_TEST_A}"}
)",
                    "t.yaml");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res.config->daemon.data_dir, "/x/alpha-beta/y");
  CAF_CHECK_EQUAL(res.config->daemon.log_level, "warn");
  CAF_CHECK_EQUAL(
    std::get<sandbox_settings>(res.config->platforms[0].settings).reply_prefix,
    "${TETHER_TEST_A}");
  unsetenv("TETHER_TEST_A");
  unsetenv("TETHER_TEST_B");
  unsetenv("TETHER_TEST_LEVEL_UNSET_X");
}

CAF_TEST(an unset env variable is an error naming it) {
  unsetenv("TETHER_TEST_UNSET");
  CAF_CHECK_EQUAL(errors_of(R"(admin:
  token: ${TETHER_TEST_UNSET}
daemon:
  data_dir: /a/${TETHER_TEST_UNSET}/${1X}/${OPEN
)"),
                  strings({
                    "t.yaml:2:10: admin.token: environment variable "
                    "`TETHER_TEST_UNSET` is not set",
                    "t.yaml:4:13: daemon.data_dir: environment variable "
                    "`TETHER_TEST_UNSET` is not set",
                    "t.yaml:4:13: daemon.data_dir: invalid environment "
                    "variable name `1X` in `${...}`",
                    "t.yaml:4:13: daemon.data_dir: unterminated `${` "
                    "(expected `${NAME}`; write `$${` for a literal `${`)",
                  }));
}

CAF_TEST(errors about a secret never contain its value) {
  auto errs = errors_of(R"(admin:
  token: [hunter2-not-shown]
)");
  CAF_CHECK_EQUAL(errs, strings({"t.yaml:2:10: admin.token: expected a "
                                 "string, got a list"}));
  errs = errors_of(R"(admin:
  token: "abc${not valid}xyz-not-shown"
)");
  CAF_REQUIRE_EQUAL(errs.size(), 1u);
  CAF_CHECK_EQUAL(errs[0], "t.yaml:2:10: admin.token: invalid environment "
                           "variable name in `${...}`");
  CAF_CHECK_EQUAL(errs[0].find("not"), std::string::npos);
}

CAF_TEST(secrets are loaded into config secrets) {
  setenv("TETHER_TEST_SECRET", "s3cr3t-value-42", 1);
  auto res = load_string("admin:\n  token: ${TETHER_TEST_SECRET}\n");
  CAF_REQUIRE(res);
  CAF_CHECK_EQUAL(res.config->admin.token.reveal(), "s3cr3t-value-42");
  std::ostringstream out;
  out << res.config->admin.token;
  CAF_CHECK_EQUAL(out.str(), "<redacted>");
  unsetenv("TETHER_TEST_SECRET");
}

// -- admin
// --------------------------------------------------------------------

CAF_TEST(the admin address needs a host and a valid port) {
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: "localhost"})"),
                  strings({"t.yaml:1:17: admin.listen: invalid address "
                           "`localhost`: expected host:port, e.g. "
                           "127.0.0.1:7070 or [::1]:7070"}));
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: "0.0.0.0:0"})"),
                  strings({"t.yaml:1:17: admin.listen: port must be 1..65535, "
                           "got 0"}));
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: "0.0.0.0:65536"})"),
                  strings({"t.yaml:1:17: admin.listen: port must be 1..65535, "
                           "got 65536"}));
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: ":80"})").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: "::1:80"})").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: "h:8x"})").size(), 1u);
  CAF_CHECK(errors_of(R"(admin: {listen: "0.0.0.0:65535", token: abcd1234})")
              .empty());
  CAF_CHECK(errors_of(R"(admin: {listen: "[::]:1", token: abcd1234})").empty());
}

CAF_TEST(the admin needs a token beyond loopback) {
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: "0.0.0.0:7070"})"),
                  strings({"t.yaml:1:17: admin.listen: listening on "
                           "`0.0.0.0:7070` (not loopback) needs "
                           "`admin.token`, e.g. `token: "
                           "${TETHER_ADMIN_TOKEN}`"}));
  CAF_CHECK_EQUAL(errors_of(R"(admin: {listen: "[::]:7070"})").size(), 1u);
  CAF_CHECK(errors_of(R"(admin: {listen: "127.0.0.2:7070"})").empty());
  CAF_CHECK(errors_of(R"(admin: {listen: "[::1]:7070"})").empty());
  CAF_CHECK(errors_of(R"(admin: {listen: "localhost:7070"})").empty());
  CAF_CHECK(errors_of(R"(admin: {listen: "0.0.0.0:7070", enabled: false})")
              .empty());
}

// -- platforms and handlers
// ---------------------------------------------------

CAF_TEST(platforms need a known kind and a valid name) {
  CAF_CHECK_EQUAL(errors_of(R"(platforms:
  - kind: sandbx
    name: "a b"
  - name: x
  - kind: telegram
    name: y
)"),
                  strings({
                    "t.yaml:2:11: platforms[0].kind: unknown platform kind "
                    "`sandbx`; did you mean `sandbox`?",
                    "t.yaml:3:11: platforms[0].name: invalid name `a b`: use "
                    "letters, digits, `_`, `.` and `-`",
                    "t.yaml:4:5: platforms[1].kind: missing required key "
                    "`kind`",
                    "t.yaml:5:11: platforms[2].kind: unknown platform kind "
                    "`telegram`; expected one of: sandbox, discord, "
                    "discord_webhook, qq, mirai, onebot, feishu, wecom, wechat, "
                    "discord_interactions",
                  }));
}

CAF_TEST(a duplicate platform names the first definition) {
  CAF_CHECK_EQUAL(errors_of(R"(platforms:
  - kind: sandbox
    name: console
  - kind: sandbox
    name: console
)"),
                  strings({"t.yaml:5:11: platforms[1].name: duplicate "
                           "platform `sandbox:console`; first defined at "
                           "t.yaml:2"}));
}

CAF_TEST(at most one sandbox platform is allowed) {
  CAF_CHECK_EQUAL(errors_of(R"(platforms:
  - kind: sandbox
    name: one
  - kind: sandbox
    name: two
)"),
                  strings({"t.yaml:4:11: platforms[1].kind: only one "
                           "`sandbox` platform is allowed (it reads stdin); "
                           "first defined at t.yaml:2"}));
}

CAF_TEST(handler names default to the kind and must be unique) {
  CAF_CHECK_EQUAL(errors_of(R"(handlers:
  - kind: commands
  - kind: commands
  - kind: commands
    name: commands
  - kind: comands
    timeout: 0
    settings: {prefix: ""}
)"),
                  strings({
                    "t.yaml:3:5: handlers[1].name: duplicate handler "
                    "`commands`; first defined at t.yaml:2 (the name defaults "
                    "to the kind; set `name` to tell them apart)",
                    "t.yaml:5:11: handlers[2].name: duplicate handler "
                    "`commands`; first defined at t.yaml:2",
                    "t.yaml:6:11: handlers[3].kind: unknown handler kind "
                    "`comands`; did you mean `commands`?",
                    "t.yaml:7:14: handlers[3].timeout: must be greater than 0",
                  }));
  CAF_CHECK_EQUAL(errors_of(R"(handlers:
  - kind: commands
    settings: {prefix: "", prefx: "!"}
)"),
                  strings({
                    "t.yaml:3:24: handlers[0].settings.prefix: must not be "
                    "empty",
                    "t.yaml:3:28: handlers[0].settings.prefx: unknown key "
                    "`prefx`; did you mean `prefix`?",
                  }));
}

// -- routes
// -------------------------------------------------------------------

CAF_TEST(routes must name configured handlers) {
  CAF_CHECK_EQUAL(errors_of(R"(handlers:
  - kind: commands
routes:
  - handler: comands
  - handlers: [commands, echo, commands]
  - handlers: []
  - match: {platform: sandbox}
  - handler: commands
    handlers: [commands]
)"),
                  strings({
                    "t.yaml:4:14: routes[0].handler: unknown handler "
                    "`comands`; did you mean `commands`?",
                    "t.yaml:5:26: routes[1].handlers[1]: unknown handler "
                    "`echo`; configured handlers: commands",
                    "t.yaml:5:32: routes[1].handlers[2]: handler `commands` "
                    "is listed twice",
                    "t.yaml:6:15: routes[2].handlers: must name at least one "
                    "handler",
                    "t.yaml:7:5: routes[3].handler: missing required key "
                    "`handler` (or `handlers`, or `relay_to`)",
                    "t.yaml:9:15: routes[4].handlers: set either `handler` or "
                    "`handlers`, not both",
                  }));
}

CAF_TEST(relay targets must be configured platforms) {
  CAF_CHECK_EQUAL(errors_of(R"(platforms:
  - kind: sandbox
    name: console
routes:
  - relay_to: [sandbox:consle, discord, "sandbox:console/", sandbox:console]
    relay_format: ""
)"),
                  strings({
                    "t.yaml:5:16: routes[0].relay_to[0]: no platform "
                    "`sandbox:consle` is configured; did you mean "
                    "`sandbox:console`?",
                    "t.yaml:5:32: routes[0].relay_to[1]: expected `kind:name` "
                    "or `kind:name/room`, got `discord`",
                    "t.yaml:5:41: routes[0].relay_to[2]: empty room in "
                    "`sandbox:console/`",
                    "t.yaml:6:19: routes[0].relay_format: must not be empty",
                  }));
}

CAF_TEST(route matches are checked) {
  CAF_CHECK_EQUAL(errors_of(R"(platforms:
  - {kind: sandbox, name: console}
handlers:
  - kind: commands
routes:
  - match: {regex: "(unclosed", platform: sandbx}
    handler: commands
  - match: {bot: consol, mentions_bot: maybe, room: [a]}
    handler: commands
  - match: {plattform: sandbox}
    handler: commands
)"),
                  strings({
                    "t.yaml:6:20: routes[0].match.regex: invalid regex "
                    "`(unclosed`: Mismatched '(' and ')' in regular "
                    "expression",
                    "t.yaml:6:43: routes[0].match.platform: unknown platform "
                    "kind `sandbx`; did you mean `sandbox`?",
                    "t.yaml:8:18: routes[1].match.bot: no platform named "
                    "`consol` is configured; did you mean `console`?",
                    "t.yaml:8:40: routes[1].match.mentions_bot: expected true "
                    "or false, got `maybe`",
                    "t.yaml:8:53: routes[1].match.room: expected a string, "
                    "got a list",
                    "t.yaml:10:13: routes[2].match.plattform: unknown key "
                    "`plattform`; did you mean `platform`?",
                  }));
}

// -- policies
// -----------------------------------------------------------------

CAF_TEST(policy blocks are parsed into patches) {
  auto res = load_string(R"(supervision:
  overrides:
    - match: "handlers/*"
      within: 10s
      backoff: {initial: 1s, reset_after: 0}
      on_exhausted: park
      cooldown: 30s
      shutdown: brutal_kill
platforms:
  - kind: sandbox
    name: console
    restart: {backoff: {max: 1m, multiplier: 3, jitter: 0.5}}
)");
  CAF_REQUIRE(res);
  auto& o = res.config->supervision.overrides.at(0).patch;
  CAF_CHECK(!o.max_restarts);
  CAF_CHECK(o.within == duration{10s});
  CAF_CHECK(o.backoff_initial == duration{1s});
  CAF_CHECK(o.backoff_reset_after == duration{0});
  CAF_CHECK(!o.backoff_max && !o.backoff_multiplier && !o.backoff_jitter);
  CAF_CHECK(o.on_exhausted == supervision::exhausted_action::park);
  CAF_CHECK(o.cooldown == duration{30s});
  CAF_REQUIRE(o.shutdown.has_value());
  CAF_CHECK(!o.shutdown->has_value());
  auto& p = res.config->platforms.at(0).restart;
  CAF_CHECK(p.backoff_max == duration{1min});
  CAF_CHECK(p.backoff_multiplier == 3.0);
  CAF_CHECK(p.backoff_jitter == 0.5);
  CAF_CHECK(!p.backoff_initial && !p.shutdown && !p.on_exhausted);
}

CAF_TEST(overrides need a relative match) {
  CAF_CHECK_EQUAL(errors_of(R"(supervision:
  overrides:
    - match: "/platforms/*"
    - max_restarts: 1
    - match: ""
    - {match: x, maxrestarts: 1}
)"),
                  strings({
                    "t.yaml:3:14: supervision.overrides[0].match: must not "
                    "start with `/`: node paths are relative, e.g. "
                    "`platforms/sandbox:*`",
                    "t.yaml:4:7: supervision.overrides[1].match: missing "
                    "required key `match`",
                    "t.yaml:5:14: supervision.overrides[2].match: must not be "
                    "empty",
                    "t.yaml:6:18: supervision.overrides[3].maxrestarts: "
                    "unknown key `maxrestarts`; did you mean `max_restarts`?",
                  }));
}

CAF_TEST(backoff max below initial is an error after defaults) {
  // Built-in max is 30s.
  CAF_CHECK_EQUAL(errors_of(R"(supervision:
  defaults:
    backoff: {initial: 1m}
)"),
                  strings({"t.yaml:3:24: supervision.defaults.backoff.initial: "
                           "backoff.max (30s) must be >= backoff.initial (1m); "
                           "max comes from the built-in default"}));
  CAF_CHECK_EQUAL(errors_of(R"(supervision:
  defaults:
    backoff: {initial: 5s}
  overrides:
    - match: "**"
      backoff: {max: 2s}
platforms:
  - kind: sandbox
    name: console
    restart: {backoff: {initial: 10s, max: 1s}}
)"),
                  strings({
                    "t.yaml:6:22: supervision.overrides[0].backoff.max: "
                    "backoff.max (2s) must be >= backoff.initial (5s); "
                    "initial comes from supervision.defaults",
                    "t.yaml:10:44: platforms[0].restart.backoff.max: "
                    "backoff.max (1s) must be >= backoff.initial (10s)",
                  }));
}

CAF_TEST(backoff max below initial is an error when blocks combine) {
  CAF_CHECK_EQUAL(errors_of(R"(supervision:
  overrides:
    - match: "platforms/*"
      backoff: {max: 1s}
platforms:
  - kind: sandbox
    name: console
    restart: {backoff: {initial: 2s}}
handlers:
  - kind: commands
    restart: {backoff: {initial: 2s}}
)"),
                  strings({"t.yaml:6:5: platforms[0]: the resolved policy of "
                           "`platforms/sandbox:console` has backoff.max (1s) < "
                           "backoff.initial (2s); check the overrides matching "
                           "it"}));
  // Fine together: 400ms < 1s.
  CAF_CHECK(errors_of(R"(supervision:
  overrides:
    - match: "platforms/*"
      backoff: {max: 1s}
platforms:
  - kind: sandbox
    name: console
    restart: {backoff: {initial: 400ms}}
)")
              .empty());
}

// -- fingerprints
// -------------------------------------------------------------

namespace {

std::string platform_fingerprint(const std::string& text) {
  auto res = load_string(text);
  if (!res) return "<error>";
  return res.config->platforms.at(0).fingerprint;
}

} // namespace

CAF_TEST(fingerprints change exactly when an entry changes) {
  auto base = platform_fingerprint(R"(platforms:
  - kind: sandbox
    name: console
    settings: {user: a}
)");
  CAF_CHECK_NOT_EQUAL(base, "<error>");
  // Same content, other layout.
  CAF_CHECK_EQUAL(platform_fingerprint(R"(platforms:
  - {name: console,   kind: sandbox,
     settings: {user: "a"}}
)"),
                  base);
  CAF_CHECK_NOT_EQUAL(platform_fingerprint(R"(platforms:
  - kind: sandbox
    name: console
    settings: {user: b}
)"),
                      base);
  CAF_CHECK_NOT_EQUAL(platform_fingerprint(R"(platforms:
  - kind: sandbox
    name: console
    settings: {user: a}
    restart: {max_restarts: 1}
)"),
                      base);
  // Other entries do not matter.
  CAF_CHECK_EQUAL(platform_fingerprint(R"(platforms:
  - kind: sandbox
    name: console
    settings: {user: a}
handlers:
  - kind: commands
)"),
                  base);
}

CAF_TEST(fingerprints follow env values) {
  setenv("TETHER_TEST_USER", "a", 1);
  auto text = std::string{R"(platforms:
  - kind: sandbox
    name: console
    settings: {user: "${TETHER_TEST_USER}"}
)"};
  auto a = platform_fingerprint(text);
  setenv("TETHER_TEST_USER", "b", 1);
  auto b = platform_fingerprint(text);
  CAF_CHECK_NOT_EQUAL(a, "<error>");
  CAF_CHECK_NOT_EQUAL(a, b);
  CAF_CHECK_EQUAL(a, platform_fingerprint(R"(platforms:
  - kind: sandbox
    name: console
    settings: {user: a}
)"));
  unsetenv("TETHER_TEST_USER");
}

CAF_TEST(handler and route fingerprints) {
  auto load = [](const std::string& text) {
    auto res = load_string(text);
    CAF_REQUIRE(res);
    return std::make_pair(res.config->handlers.at(0).fingerprint,
                          res.config->routes_fingerprint);
  };
  auto a = load(R"(handlers:
  - kind: commands
routes:
  - handler: commands
)");
  auto b = load(R"(handlers:
  - kind: commands
    timeout: 5s
routes:
  - handler: commands
    final: false
)");
  auto c = load(R"(handlers: [{kind: commands}]
routes: [{handler: commands}]
)");
  CAF_CHECK_NOT_EQUAL(a.first, b.first);
  CAF_CHECK_NOT_EQUAL(a.second, b.second);
  CAF_CHECK_EQUAL(a.first, c.first);
  CAF_CHECK_EQUAL(a.second, c.second);
  CAF_CHECK_EQUAL(a.second, R"([{"handler":"commands"}])");
}
