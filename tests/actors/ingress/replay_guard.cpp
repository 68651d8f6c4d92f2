#define CAF_SUITE actors.ingress.replay_guard

#include "actors/ingress/replay_guard.hpp"

#include <fstream>
#include <string>

#include "caf/test/unit_test.hpp"
#include "support/temp_dir.hpp"

using tether::ingress::replay_guard;
using namespace std::chrono_literals;

CAF_TEST(timestamps outside the window are not fresh) {
  replay_guard g{300s, 3600s, {}};
  CAF_CHECK(g.fresh(1000, 1000));
  CAF_CHECK(g.fresh(700, 1000));
  CAF_CHECK(g.fresh(1300, 1000));
  CAF_CHECK(!g.fresh(699, 1000));
  CAF_CHECK(!g.fresh(1301, 1000));
  CAF_CHECK(!g.fresh(0, 1000));
}

CAF_TEST(an id is new once and repeats until its ttl ends) {
  replay_guard g{300s, 3600s, {}};
  CAF_CHECK(g.first_time("wechat:oa:1", 1000));
  CAF_CHECK(!g.first_time("wechat:oa:1", 1001));
  CAF_CHECK(g.first_time("wechat:oa:2", 1001));
  CAF_CHECK(!g.first_time("wechat:oa:1", 4599));
  CAF_CHECK(g.first_time("wechat:oa:1", 4600));
  // "2" (from 1001) is still remembered; the old "1" is gone.
  CAF_CHECK_EQUAL(g.size(), 2u);
  CAF_CHECK(g.first_time("wechat:oa:3", 4601));
  CAF_CHECK_EQUAL(g.size(), 2u);
}

CAF_TEST(ids survive a restart and expired ones are compacted away) {
  tether::test::temp_dir tmp{"tether-guard"};
  auto file = tmp.path() + "/seen.log";
  {
    replay_guard g{300s, 3600s, file};
    CAF_REQUIRE(g.load(1000));
    CAF_CHECK(g.first_time("a", 1000));
    CAF_CHECK(g.first_time("b", 3000));
    CAF_CHECK(g.first_time("with space", 3000));
  }
  {
    std::ofstream torn{file, std::ios::app};
    torn << "12"; // a crash mid-line
  }
  replay_guard g{300s, 3600s, file};
  std::string error;
  CAF_REQUIRE(g.load(4700, &error));
  CAF_CHECK(!g.first_time("b", 4700));
  CAF_CHECK(!g.first_time("with_space", 4700));
  CAF_CHECK(g.first_time("a", 4700)); // expired at 4600
  std::ifstream in{file};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  CAF_CHECK_EQUAL(text, "3000 b\n3000 with_space\n4700 a\n");
}

CAF_TEST(an unwritable file leaves a working in-memory guard) {
  tether::test::temp_dir tmp{"tether-guard"};
  // A regular file where the directory should be.
  auto blocker = tmp.path() + "/not-a-dir";
  std::ofstream{blocker} << "x";
  replay_guard g{300s, 3600s, blocker + "/seen.log"};
  std::string error;
  CAF_CHECK(!g.load(1000, &error));
  CAF_CHECK(!error.empty());
  CAF_CHECK(g.first_time("x", 1000));
  CAF_CHECK(!g.first_time("x", 1001));
}
