#define CAF_SUITE config.policy
#include "supervision/policy.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "config/config.hpp"

using namespace tether;
using namespace tether::config;
using namespace std::chrono_literals;

namespace {

tether_config load(const std::string& text) {
  auto res = load_string(text, "t.yaml");
  for (auto& x : res.errors)
    CAF_MESSAGE(x.to_string());
  CAF_REQUIRE(res);
  return std::move(*res.config);
}

const char* layered = R"(supervision:
  defaults:
    max_restarts: 4
    within: 30s
  overrides:
    - match: "platforms/*"
      max_restarts: 8
      cooldown: 1m
    - match: "platforms/sandbox:*"
      max_restarts: 9
    - match: "**/shards/*"
      on_exhausted: park
platforms:
  - kind: sandbox
    name: console
    restart: {within: 2m}
handlers:
  - kind: commands
    restart: {shutdown: brutal_kill, max_restarts: 1}
)";

} // namespace

// -- globs --------------------------------------------------------------------

CAF_TEST(literal globs match the whole path) {
  CAF_CHECK(path_matches("platforms", "platforms"));
  CAF_CHECK(path_matches("", ""));
  CAF_CHECK(!path_matches("platforms", "platforms/x"));
  CAF_CHECK(!path_matches("platforms/x", "platforms"));
  CAF_CHECK(!path_matches("", "a"));
  CAF_CHECK(!path_matches("handlers", "platforms"));
}

CAF_TEST(a single star stays within one segment) {
  CAF_CHECK(path_matches("platforms/*", "platforms/sandbox:console"));
  CAF_CHECK(path_matches("platforms/*", "platforms/"));
  CAF_CHECK(!path_matches("platforms/*", "platforms/a/b"));
  CAF_CHECK(path_matches("platforms/discord:*/shards/*",
                         "platforms/discord:main/shards/3"));
  CAF_CHECK(!path_matches("platforms/discord:*/shards/*",
                          "platforms/qq:main/shards/3"));
  CAF_CHECK(!path_matches("platforms/discord:*/shards/*",
                          "platforms/discord:a/b/shards/3"));
  CAF_CHECK(path_matches("*:console", "sandbox:console"));
  CAF_CHECK(path_matches("a*b*c", "a-b-c"));
  CAF_CHECK(path_matches("a*b*c", "abc"));
  CAF_CHECK(!path_matches("a*b*c", "a-b-c-d"));
  CAF_CHECK(!path_matches("*", "a/b"));
  CAF_CHECK(path_matches("*", ""));
}

CAF_TEST(a double star crosses segments) {
  CAF_CHECK(path_matches("**", "platforms/discord:main/shards/3"));
  CAF_CHECK(path_matches("**", ""));
  CAF_CHECK(path_matches("platforms/**", "platforms/a/b/c"));
  CAF_CHECK(!path_matches("platforms/**", "handlers/a"));
  CAF_CHECK(path_matches("**/shards/*", "platforms/discord:main/shards/3"));
  CAF_CHECK(!path_matches("**/shards/*", "platforms/discord:main/shards"));
  CAF_CHECK(path_matches("platforms/**/3", "platforms/d:m/shards/3"));
  CAF_CHECK(!path_matches("platforms/**/3", "platforms/d:m/shards/4"));
}

// -- patches ------------------------------------------------------------------

CAF_TEST(a patch sets only its fields) {
  supervision::restart_policy x;
  policy_patch p;
  p.max_restarts = 2;
  p.backoff_jitter = 0.0;
  p.shutdown = std::optional<duration>{}; // brutal_kill
  p.apply_to(x);
  supervision::restart_policy expected;
  expected.max_restarts = 2;
  expected.backoff.jitter = 0.0;
  expected.shutdown = std::nullopt;
  CAF_CHECK(x == expected);
  CAF_CHECK_EQUAL(supervision::to_string(x), supervision::to_string(expected));
  policy_patch{}.apply_to(x);
  CAF_CHECK(x == expected);
}

CAF_TEST(a full patch sets every field) {
  policy_patch p;
  p.max_restarts = 1;
  p.within = 2s;
  p.backoff_initial = 3s;
  p.backoff_multiplier = 4.0;
  p.backoff_max = 5s;
  p.backoff_jitter = 0.5;
  p.backoff_reset_after = 6s;
  p.on_exhausted = supervision::exhausted_action::park;
  p.cooldown = 7s;
  p.shutdown = std::optional<duration>{8s};
  supervision::restart_policy x;
  p.apply_to(x);
  CAF_CHECK_EQUAL(supervision::to_string(x),
                  "max_restarts=1 within=2s backoff=3s*4..5s jitter=0.5 "
                  "reset_after=6s on_exhausted=park cooldown=7s shutdown=8s");
}

// -- resolution ---------------------------------------------------------------

CAF_TEST(paths without overrides get the defaults) {
  auto cfg = load(layered);
  auto p = cfg.policy_for("routes");
  CAF_CHECK_EQUAL(p.max_restarts, 4u);
  CAF_CHECK(p.within == 30s);
  CAF_CHECK(p.on_exhausted == supervision::exhausted_action::escalate);
  CAF_CHECK(p.cooldown == 5min);
  CAF_CHECK(p.shutdown == std::optional<duration>{5s});
}

CAF_TEST(later overrides win per key) {
  auto cfg = load(layered);
  // Both platform overrides match: max_restarts from the second, cooldown
  // from the first.
  auto p = cfg.policy_for("platforms/sandbox:other");
  CAF_CHECK_EQUAL(p.max_restarts, 9u);
  CAF_CHECK(p.cooldown == 1min);
  CAF_CHECK(p.within == 30s);
  CAF_CHECK(p.on_exhausted == supervision::exhausted_action::escalate);
  auto q = cfg.policy_for("platforms/discord:main");
  CAF_CHECK_EQUAL(q.max_restarts, 8u);
  CAF_CHECK(q.cooldown == 1min);
}

CAF_TEST(the inline restart block wins over overrides) {
  auto cfg = load(layered);
  auto p = cfg.policy_for("platforms/sandbox:console");
  CAF_CHECK_EQUAL(p.max_restarts, 9u);
  CAF_CHECK(p.within == 2min);
  CAF_CHECK(p.cooldown == 1min);
  // ... also below the entry's node.
  auto s = cfg.policy_for("platforms/sandbox:console/shards/0");
  CAF_CHECK(s.within == 2min);
  CAF_CHECK_EQUAL(s.max_restarts, 4u); // `platforms/*` stops at one segment
  CAF_CHECK(s.on_exhausted == supervision::exhausted_action::park);
  // A name that merely starts like the entry's is another node.
  auto t = cfg.policy_for("platforms/sandbox:console2");
  CAF_CHECK(t.within == 30s);
  CAF_CHECK_EQUAL(t.max_restarts, 9u);
}

CAF_TEST(handler entries patch their own node) {
  auto cfg = load(layered);
  auto p = cfg.policy_for("handlers/commands");
  CAF_CHECK_EQUAL(p.max_restarts, 1u);
  CAF_CHECK(!p.shutdown.has_value());
  CAF_CHECK(p.within == 30s);
  auto q = cfg.policy_for("handlers/commands/worker");
  CAF_CHECK_EQUAL(q.max_restarts, 1u);
  auto r = cfg.policy_for("handlers/other");
  CAF_CHECK_EQUAL(r.max_restarts, 4u);
  CAF_CHECK(r.shutdown == std::optional<duration>{5s});
}

CAF_TEST(resolution never yields max below initial) {
  // Each override is fine alone; a deep path that matches both is clamped.
  auto cfg = load(R"(supervision:
  overrides:
    - match: "**/a"
      backoff: {max: 1s, initial: 1s}
    - match: "x/**"
      backoff: {initial: 20s}
)");
  auto p = cfg.policy_for("x/a");
  CAF_CHECK(p.backoff.initial == 20s);
  CAF_CHECK(p.backoff.max == 20s);
  auto q = cfg.policy_for("y/a");
  CAF_CHECK(q.backoff.initial == 1s);
  CAF_CHECK(q.backoff.max == 1s);
}
