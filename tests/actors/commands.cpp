#define CAF_SUITE actors.commands

#include "caf/test/dsl.hpp"

#include <boost/asio/io_context.hpp>

#include "actors/handlers/commands.hpp"
#include "actors/type_ids.hpp"
#include "support/start_child.hpp"
#include "supervision/supervisor.hpp"

using namespace tether;
using namespace tether::supervision;
using namespace std::chrono_literals;

namespace {

node_snapshot node(std::string path, node_state st, uint64_t restarts = 0,
                   std::string reason = {}) {
  node_snapshot x;
  x.path = std::move(path);
  x.state = st;
  x.restarts_total = restarts;
  x.last_exit_reason = std::move(reason);
  return x;
}

struct fixture : test_coordinator_fixture<> {
  boost::asio::io_context io;
  runtime_ptr rt;
  caf::actor handler;

  fixture() {
    auto cfg = config::load_string(R"(
handlers:
  - kind: commands
    settings: {prefix: "!"}
)");
    CAF_REQUIRE(cfg);
    rt = std::make_shared<runtime>(
      sys, io, std::make_shared<const config::tether_config>(*cfg.config));
    handler = tether::test::start_child(
      *this, commands_spec(rt, rt->config()->handlers[0]),
      "handlers/commands");
  }

  ~fixture() {
    caf::anon_send_exit(handler, caf::exit_reason::kill);
    sched.run();
  }

  std::vector<std::string> ask(const std::string& text) {
    inbound_message msg;
    msg.text = text;
    self->send(handler, handle_atom::value, msg);
    sched.run();
    std::vector<std::string> result;
    bool got = false;
    self->receive(
      [&](handler_result& x) {
        result = x.texts;
        got = true;
      },
      caf::after(0s) >> [] {});
    CAF_REQUIRE(got);
    return result;
  }
};

using texts = std::vector<std::string>;

} // namespace

CAF_TEST(status lists counts by state and every node that is not running) {
  auto tree = node("", node_state::running);
  tree.children.push_back(node("core", node_state::running));
  tree.children.push_back(node("platforms", node_state::running, 2));
  tree.children[1].children.push_back(
    node("platforms/discord:main", node_state::parked, 7, "fatal: bad token"));
  tree.children[1].children.push_back(
    node("platforms/sandbox:console", node_state::backoff, 1));
  CAF_CHECK_EQUAL(render_status(tree, std::chrono::seconds{3725}),
                  "uptime 1h2m\n"
                  "nodes: 2 running, 0 starting, 1 backoff, 1 parked, "
                  "0 stopped\n"
                  "restarts: 10\n"
                  "not running:\n"
                  "  platforms/discord:main parked: fatal: bad token\n"
                  "  platforms/sandbox:console backoff");
}

CAF_TEST(uptime is rendered in its two largest units) {
  CAF_CHECK_EQUAL(render_uptime(std::chrono::seconds{12}), "12s");
  CAF_CHECK_EQUAL(render_uptime(std::chrono::seconds{250}), "4m10s");
  CAF_CHECK_EQUAL(render_uptime(std::chrono::seconds{90061}), "1d1h");
}

CAF_TEST_FIXTURE_SCOPE(commands_tests, fixture)

CAF_TEST(ping help and unknown commands answer with the configured prefix) {
  CAF_CHECK_EQUAL(ask("!ping"), texts{"pong"});
  CAF_CHECK_EQUAL(ask("!ping extra words"), texts{"pong"});
  CAF_CHECK_EQUAL(ask("/ping"), texts{});
  CAF_CHECK_EQUAL(ask("hello"), texts{});
  auto help = ask("!help");
  CAF_REQUIRE_EQUAL(help.size(), 1u);
  CAF_CHECK(help[0].find("!status") != std::string::npos);
  auto unknown = ask("!frobnicate");
  CAF_REQUIRE_EQUAL(unknown.size(), 1u);
  CAF_CHECK_EQUAL(unknown[0].rfind("unknown command !frobnicate", 0), 0u);
}

CAF_TEST(status asks the root supervisor for its tree) {
  CAF_CHECK_EQUAL(ask("!status"),
                  texts{"status unavailable: the tree is down"});
  auto root = spawn_supervisor(sys, supervisor_flags{}, {});
  rt->directory().put("root", root);
  sched.run();
  auto answer = ask("!status");
  CAF_REQUIRE_EQUAL(answer.size(), 1u);
  CAF_CHECK_EQUAL(answer[0].rfind("uptime ", 0), 0u);
  CAF_CHECK(answer[0].find("nodes: 0 running") != std::string::npos);
  caf::anon_send_exit(root, caf::exit_reason::kill);
}

CAF_TEST_FIXTURE_SCOPE_END()
