#define CAF_SUITE actors.store.detached

#include <chrono>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/store/store.hpp"
#include "actors/store/type_ids.hpp"
#include "caf/test/unit_test.hpp"
#include "supervision/reason.hpp"
#include "support/temp_dir.hpp"

using namespace tether;
using namespace tether::store;
using namespace std::chrono_literals;

// The store as the daemon runs it: spawned detached through its child
// spec, on a real actor system. Every wait is bounded by a request
// timeout or a receive timeout.

namespace {

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

struct fixture {
  tether::test::temp_dir dir{"tether-store"};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  boost::asio::io_context io;

  runtime_ptr make_runtime(const std::string& yaml) {
    auto loaded = config::load_string(yaml);
    CAF_REQUIRE(loaded);
    return std::make_shared<runtime>(
      sys, io, std::make_shared<const config::tether_config>(*loaded.config));
  }

  /// Runs `spec.start` inside a parent actor, as a supervisor would.
  caf::actor start(supervision::child_spec spec, const std::string& path) {
    auto me = caf::actor_cast<caf::actor>(self);
    sys.spawn(
      [spec, path, me](caf::event_based_actor* parent, int) {
        supervision::child_context ctx;
        ctx.parent = parent;
        ctx.path = path;
        parent->send(me, spec.start(ctx));
      },
      0);
    caf::actor result;
    self->receive(
      [&](caf::actor& hdl) {
        result = hdl;
      },
      caf::after(5s) >> [] {});
    CAF_REQUIRE(result);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(detached_tests, fixture)

CAF_TEST(the child spec starts a registered store under data_dir) {
  auto rt = make_runtime("daemon:\n  data_dir: " + dir.path() + "/var\n");
  auto store = start(store_spec(rt), "core/store");
  CAF_CHECK(rt->directory().get("core/store") == store);
  outbox_entry x;
  x.platform = "sandbox";
  x.bot = "console";
  x.text = "hello";
  uint64_t id = 0;
  self->request(store, 5s, store_put_atom::value, x)
    .receive(
      [&](uint64_t y) {
        id = y;
      },
      [&](caf::error& err) {
        CAF_FAIL("put failed: " << supervision::describe(err));
      });
  CAF_CHECK(id > 0u);
  std::vector<outbox_entry> rows;
  self->request(store, 5s, store_pending_atom::value)
    .receive(
      [&](std::vector<outbox_entry>& xs) {
        rows = std::move(xs);
      },
      [&](caf::error& err) {
        CAF_FAIL("pending failed: " << supervision::describe(err));
      });
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].text, "hello");
  CAF_CHECK(rows[0].created_ms > 0);
  store_stats st;
  self->request(store, 5s, store_stats_atom::value)
    .receive(
      [&](store_stats& y) {
        st = y;
      },
      [&](caf::error& err) {
        CAF_FAIL("stats failed: " << supervision::describe(err));
      });
  CAF_CHECK_EQUAL(st.pending, 1u);
  CAF_CHECK(std::filesystem::exists(dir.path() + "/var/tether.db"));
  self->monitor(store);
  self->send_exit(store, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive(
    [&](caf::down_msg&) {
      down = true;
    },
    caf::after(5s) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST(a bad path makes the detached store exit fatally) {
  auto blocker = dir.path() + "/file";
  std::ofstream{blocker} << "x";
  auto rt = make_runtime("store:\n  path: " + blocker + "/tether.db\n");
  auto store = start(store_spec(rt), "core/store");
  self->monitor(store);
  caf::error reason;
  bool got = false;
  self->receive(
    [&](caf::down_msg& msg) {
      reason = msg.reason;
      got = true;
    },
    caf::after(5s) >> [] {});
  CAF_REQUIRE(got);
  CAF_CHECK(supervision::is_fatal(reason));
  CAF_CHECK(has(supervision::describe(reason), blocker + "/tether.db"));
}

CAF_TEST_FIXTURE_SCOPE_END()
