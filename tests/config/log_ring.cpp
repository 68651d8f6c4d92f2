#define CAF_SUITE config.log_ring

#include "caf/test/unit_test.hpp"

#include "config/log_ring.hpp"
#include "config/logging.hpp"

using namespace tether::logging;

using strings = std::vector<std::string>;

CAF_TEST(the ring keeps the last lines up to its capacity) {
  log_ring ring{3};
  CAF_CHECK_EQUAL(ring.tail(10), strings{});
  ring.push("a");
  ring.push("b");
  CAF_CHECK_EQUAL(ring.tail(10), (strings{"a", "b"}));
  ring.push("c");
  ring.push("d");
  CAF_CHECK_EQUAL(ring.tail(10), (strings{"b", "c", "d"}));
  CAF_CHECK_EQUAL(ring.tail(2), (strings{"c", "d"}));
  CAF_CHECK_EQUAL(ring.tail(0), strings{});
}

CAF_TEST(long lines are cut) {
  log_ring ring{2};
  ring.push(std::string(log_ring::max_line_size + 100, 'x'));
  auto xs = ring.tail(1);
  CAF_REQUIRE_EQUAL(xs.size(), 1u);
  CAF_CHECK_EQUAL(xs[0].size(), log_ring::max_line_size + 6);
  CAF_CHECK(xs[0].find(" [cut]") != std::string::npos);
}

CAF_TEST(followers get new lines until they decline) {
  log_ring ring{2};
  ring.push("old");
  strings got;
  auto id = ring.follow([&](const std::string& x) {
    got.push_back(x);
    return got.size() < 2;
  });
  CAF_CHECK(id != 0u);
  ring.push("one");
  ring.push("two");
  ring.push("three");
  CAF_CHECK_EQUAL(got, (strings{"one", "two"}));
  CAF_CHECK_EQUAL(ring.followers(), 0u);
  strings other;
  auto id2 = ring.follow([&](const std::string& x) {
    other.push_back(x);
    return true;
  });
  ring.push("four");
  ring.unfollow(id2);
  ring.push("five");
  CAF_CHECK_EQUAL(other, (strings{"four"}));
}

CAF_TEST(logged lines reach the process ring redacted) {
  add_secret("ring-s3cret-value");
  log(spdlog::level::warn, "test", "ring_check",
      {{"token", "ring-s3cret-value"}});
  auto xs = recent_lines().tail(1);
  CAF_REQUIRE_EQUAL(xs.size(), 1u);
  CAF_CHECK(xs[0].find("test ring_check token=<redacted>")
            != std::string::npos);
  CAF_CHECK(xs[0].find("ring-s3cret") == std::string::npos);
}
