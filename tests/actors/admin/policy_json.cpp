#define CAF_SUITE actors.admin.policy_json

#include "caf/test/unit_test.hpp"

#include "actors/admin/json.hpp"
#include "config/policy_input.hpp"

using namespace tether;
using namespace std::chrono_literals;
using supervision::restart_policy;

namespace {

restart_policy sample() {
  restart_policy p;
  p.max_restarts = 7;
  p.within = 2min;
  p.backoff.initial = 250ms;
  p.backoff.multiplier = 1.5;
  p.backoff.max = 20s;
  p.backoff.jitter = 0.1;
  p.backoff.reset_after = 90s;
  p.on_exhausted = supervision::exhausted_action::park;
  p.cooldown = 10min;
  p.shutdown = 3s;
  return p;
}

std::vector<std::string> errors_of(const std::string& body,
                                   const restart_policy& base = {}) {
  std::vector<std::string> out;
  for (auto& e : config::parse_policy_input(body, base, "body").errors)
    out.push_back(e.to_string());
  return out;
}

} // namespace

CAF_TEST(a policy renders as the keys of a restart block) {
  auto x = admin::policy_json(sample());
  CAF_CHECK_EQUAL(x["max_restarts"], 7);
  CAF_CHECK_EQUAL(x["within"], "2m");
  CAF_CHECK_EQUAL(x["backoff"]["initial"], "250ms");
  CAF_CHECK_EQUAL(x["backoff"]["multiplier"], 1.5);
  CAF_CHECK_EQUAL(x["backoff"]["max"], "20s");
  CAF_CHECK_EQUAL(x["backoff"]["reset_after"], "90s");
  CAF_CHECK_EQUAL(x["on_exhausted"], "park");
  CAF_CHECK_EQUAL(x["cooldown"], "10m");
  CAF_CHECK_EQUAL(x["shutdown"], "3s");
  auto brutal = sample();
  brutal.shutdown.reset();
  auto y = admin::policy_json(brutal);
  CAF_CHECK_EQUAL(y["shutdown"], "brutal_kill");
}

CAF_TEST(the json of a policy parses back to the same policy) {
  for (auto p : {sample(), restart_policy{}}) {
    auto text = admin::policy_json(p).dump();
    auto back = config::parse_policy_input(text, restart_policy{}, "body");
    CAF_REQUIRE(back.policy.has_value());
    CAF_CHECK(*back.policy == p);
  }
}

CAF_TEST(keys left out keep the base value) {
  auto r = config::parse_policy_input(R"({"max_restarts": 2,
    "backoff": {"initial": "1s"}})", sample(), "body");
  CAF_REQUIRE(r.policy.has_value());
  auto want = sample();
  want.max_restarts = 2;
  want.backoff.initial = 1s;
  CAF_CHECK(*r.policy == want);
}

CAF_TEST(bad input is rejected with the config messages) {
  CAF_CHECK_EQUAL(errors_of(R"({"max_restart": 2})").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"({"max_restart": 2})").front().rfind(
                    "body:1:2: max_restart: unknown key", 0),
                  0u);
  CAF_CHECK_EQUAL(errors_of(R"({"within": "soon"})").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"({"on_exhausted": "explode"})").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"({"backoff": {"jitter": 2}})").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"({"shutdown": "0s"})").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"([1, 2])").size(), 1u);
  CAF_CHECK_EQUAL(errors_of(R"({"max_restarts": )").size(), 1u);
  CAF_CHECK_EQUAL(errors_of("").size(), 1u);
}

CAF_TEST(backoff max must stay above initial including the base) {
  auto errs = errors_of(R"({"backoff": {"initial": "1m"}})", sample());
  CAF_REQUIRE_EQUAL(errs.size(), 1u);
  CAF_CHECK(errs.front().find("backoff.max (20s) must be >= backoff.initial "
                              "(1m); max comes from the current policy")
            != std::string::npos);
}

CAF_TEST(environment references are not expanded) {
  setenv("TETHER_TEST_POLICY_ENV", "park", 1);
  auto errs = errors_of(R"({"on_exhausted": "${TETHER_TEST_POLICY_ENV}"})");
  unsetenv("TETHER_TEST_POLICY_ENV");
  CAF_REQUIRE_EQUAL(errs.size(), 1u);
  CAF_CHECK(errs.front().find("not expanded") != std::string::npos);
}

CAF_TEST(policy yaml writes every key) {
  auto text = config::policy_yaml(sample());
  CAF_CHECK(text.find("restart:\n  max_restarts: 7\n  within: 2m\n")
            == 0u);
  CAF_CHECK(text.find("    multiplier: 1.5\n") != std::string::npos);
  CAF_CHECK(text.find("  shutdown: 3s\n") != std::string::npos);
}
