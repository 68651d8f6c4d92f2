#define CAF_SUITE config.diff

#include "config/diff.hpp"

#include "caf/test/unit_test.hpp"

using namespace tether::config;

namespace {

tether_config load(const std::string& yaml) {
  auto result = load_string(yaml, "diff.yaml");
  for (auto& err : result.errors)
    CAF_MESSAGE(err.to_string());
  CAF_REQUIRE(result);
  return *result.config;
}

const char* base = R"(
platforms:
  - kind: sandbox
    name: console
handlers:
  - kind: commands
  - kind: commands
    name: other
routes:
  - handler: commands
)";

using ids = std::vector<std::string>;

} // namespace

CAF_TEST(an identical file changes nothing) {
  auto d = diff(load(base), load(base), {"core/router"});
  CAF_CHECK(d.empty());
  CAF_CHECK_EQUAL(d.summary(), "no changes");
}

CAF_TEST(entries are added removed and changed by id) {
  auto after = load(R"(
platforms:
  - kind: sandbox
    name: console
    settings: {user: alice}
handlers:
  - kind: commands
  - kind: commands
    name: third
routes:
  - handler: commands
)");
  auto d = diff(load(base), after, {});
  CAF_CHECK_EQUAL(d.platforms.changed, ids{"sandbox:console"});
  CAF_CHECK(d.platforms.added.empty());
  CAF_CHECK_EQUAL(d.handlers.added, ids{"third"});
  CAF_CHECK_EQUAL(d.handlers.removed, ids{"other"});
  CAF_CHECK(!d.routes_changed);
  CAF_CHECK_EQUAL(d.summary(),
                  "platforms ~sandbox:console; handlers +third -other");
}

CAF_TEST(a policy change alone updates the policy without a restart) {
  auto after = load(std::string{base} + R"(
supervision:
  overrides:
    - match: "handlers/other"
      max_restarts: 9
    - match: "core/*"
      cooldown: 1m
)");
  auto d = diff(load(base), after, {"core", "core/router"});
  CAF_CHECK(d.handlers.empty());
  CAF_CHECK_EQUAL(d.policy_changed, (ids{"handlers/other", "core/router"}));
}

CAF_TEST(an inline restart block restarts its entry) {
  auto after = load(R"(
platforms:
  - kind: sandbox
    name: console
    restart: {max_restarts: 1}
handlers:
  - kind: commands
  - kind: commands
    name: other
routes:
  - handler: commands
)");
  auto d = diff(load(base), after, {});
  CAF_CHECK_EQUAL(d.platforms.changed, ids{"sandbox:console"});
}

CAF_TEST(routes and restart only keys are reported) {
  auto after = load(R"(
daemon: {io_threads: 2}
platforms:
  - kind: sandbox
    name: console
handlers:
  - kind: commands
  - kind: commands
    name: other
routes:
  - handler: other
)");
  auto d = diff(load(base), after, {});
  CAF_CHECK(d.routes_changed);
  CAF_CHECK_EQUAL(d.needs_restart, ids{"daemon.io_threads"});
  CAF_CHECK_EQUAL(d.summary(), "routes; needs restart: daemon.io_threads");
}
