#define CAF_SUITE config.store

#include "caf/test/unit_test.hpp"
#include "config/config.hpp"
#include "config/diff.hpp"

using namespace tether::config;
using namespace std::chrono_literals;

namespace {

load_result load(const std::string& text) {
  return load_string(text, "s.yaml");
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

CAF_TEST(the store has defaults under data_dir) {
  auto r = load("daemon:\n  data_dir: /srv/tether\n");
  CAF_REQUIRE(r);
  auto& s = r.config->store;
  CAF_CHECK_EQUAL(s.path, "/srv/tether/tether.db");
  CAF_CHECK_EQUAL(s.outbox_max_rows, 100000u);
  CAF_CHECK(s.keep_sent == 24h);
  CAF_CHECK(s.seen_ttl == 24h);
  CAF_CHECK_EQUAL(s.seen_max, 1000000u);
  CAF_CHECK(s.op_timeout == 2s);
  CAF_CHECK_EQUAL(s.max_attempts, 10u);
  auto empty = load("");
  CAF_REQUIRE(empty);
  CAF_CHECK_EQUAL(empty.config->store.path, "./var/tether.db");
}

CAF_TEST(store keys are read) {
  auto r = load(R"(
store:
  path: /tmp/x.db
  outbox_max_rows: 500
  keep_sent: 1h
  seen_ttl: 30m
  seen_max: 2000
  op_timeout: 500ms
  max_attempts: 4
)");
  CAF_REQUIRE_EQUAL(errors_of(r), "");
  auto& s = r.config->store;
  CAF_CHECK_EQUAL(s.path, "/tmp/x.db");
  CAF_CHECK_EQUAL(s.outbox_max_rows, 500u);
  CAF_CHECK(s.keep_sent == 1h);
  CAF_CHECK(s.seen_ttl == 30min);
  CAF_CHECK_EQUAL(s.seen_max, 2000u);
  CAF_CHECK(s.op_timeout == 500ms);
  CAF_CHECK_EQUAL(s.max_attempts, 4u);
}

CAF_TEST(bad store keys are errors with file and line) {
  auto r = load(R"(store:
  pth: /tmp/x.db
  outbox_max_rows: 5
  keep_sent: soon
  seen_ttl: 0
  op_timeout: 1h
  max_attempts: 0
  path: ""
)");
  CAF_CHECK(!r);
  auto text = errors_of(r);
  CAF_MESSAGE(text);
  CAF_CHECK(has(text, "s.yaml:2:3: store.pth:"));
  CAF_CHECK(has(text, "`path`"));
  CAF_CHECK(has(text, "s.yaml:3:20: store.outbox_max_rows:"));
  CAF_CHECK(has(text, "s.yaml:4:14: store.keep_sent:"));
  CAF_CHECK(has(text, "s.yaml:5:13: store.seen_ttl:"));
  CAF_CHECK(has(text, "s.yaml:6:15: store.op_timeout: must be between 10ms "
                      "and 10m"));
  CAF_CHECK(has(text, "s.yaml:7:17: store.max_attempts:"));
  CAF_CHECK(has(text, "s.yaml:8:9: store.path:"));
}

CAF_TEST(the store section must be a map) {
  auto r = load("store: 3\n");
  CAF_CHECK(!r);
  CAF_CHECK(has(errors_of(r), "s.yaml:1:8: store:"));
}

CAF_TEST(changing the store needs a restart) {
  auto a = load("store:\n  seen_max: 2000\n");
  auto b = load("store:\n  seen_max: 3000\n");
  CAF_REQUIRE(a && b);
  auto d = diff(*a.config, *b.config, {});
  CAF_REQUIRE_EQUAL(d.needs_restart.size(), 1u);
  CAF_CHECK_EQUAL(d.needs_restart[0], "store");
  CAF_CHECK(diff(*a.config, *a.config, {}).needs_restart.empty());
}
