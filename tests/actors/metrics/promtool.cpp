#define CAF_SUITE actors.metrics.promtool

// Prometheus' own linter reads what we render: `promtool check metrics`
// (Debian package `prometheus`). Skipped, with a message, without it.

#include <string>

#include <unistd.h>

#include "actors/metrics/exposition.hpp"
#include "actors/metrics/names.hpp"
#include "actors/metrics/registry.hpp"
#include "caf/test/unit_test.hpp"
#include "supervision/snapshot.hpp"
#include "support/process.hpp"

using namespace tether;
using namespace std::chrono_literals;

namespace {

std::string find_promtool() {
  for (auto dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    auto path = std::string{dir} + "/promtool";
    if (::access(path.c_str(), X_OK) == 0)
      return path;
  }
  return {};
}

struct check_result {
  int exit_code = -1;
  std::string output;
};

check_result promtool_check(const std::string& promtool,
                            const std::string& text) {
  test::process proc{{{promtool, "check", "metrics"}, {}, {}}};
  CAF_REQUIRE(proc.started());
  // Drops the last newline; send_line puts it back.
  CAF_REQUIRE(proc.send_line(text.substr(0, text.size() - 1),
                             test::deadline_in(10s)));
  proc.close_stdin();
  auto code = proc.wait_exit(test::deadline_in(30s));
  CAF_REQUIRE(code);
  return {*code, proc.stdout_text() + proc.stderr_text()};
}

// Every family of names.hpp with a series in it, the folded counter and a
// small tree: what a busy daemon serves.
std::string busy_daemon_text() {
  metrics::declare_all();
  metrics::webhook_requests().with({"qq", "2xx"}).inc();
  metrics::webhook_request_duration().with({"qq"}).observe(0.003);
  metrics::webhook_errors().with({"qq", "signature"}).inc();
  metrics::gateway_connections().with({"discord", "main"}).set(0);
  metrics::gateway_events().with({"discord", "main"}).inc();
  metrics::heartbeat_rtt().with({"discord", "main"}).observe(0.04);
  metrics::gateway_reconnects().with({"discord", "main"}).inc(0);
  metrics::rest_rate_limited().with({"discord"}).inc(0);
  metrics::messages_processed().with({"discord", "main"}).inc();
  metrics::message_latency().with({"discord"}).observe(0.12);
  metrics::outbox_depth().get().set(0);
  metrics::replies().with({"discord", "ok"}).inc();
  metrics::handler_calls().with({"commands", "ok"}).inc();
  metrics::handler_duration().with({"commands"}).observe(0.0001);
  metrics::router_dropped().with({"no_route"}).inc(0);
  supervision::node_snapshot root;
  root.path = "root";
  supervision::node_snapshot child;
  child.path = "root/platforms/mirai:\"q\\\"";
  child.state = supervision::node_state::parked;
  root.children.push_back(child);
  return metrics::render_metrics(&root);
}

} // namespace

CAF_TEST(promtool accepts the daemon rendering) {
  auto promtool = find_promtool();
  if (promtool.empty()) {
    CAF_MESSAGE("promtool not installed (Debian package prometheus): skipped");
    return;
  }
  auto result = promtool_check(promtool, busy_daemon_text());
  CAF_MESSAGE("promtool: " << result.output);
  CAF_CHECK_EQUAL(result.exit_code, 0);
  CAF_CHECK_EQUAL(result.output, "");
}

CAF_TEST(promtool rejects what it should so the check can fail) {
  auto promtool = find_promtool();
  if (promtool.empty()) {
    CAF_MESSAGE("promtool not installed (Debian package prometheus): skipped");
    return;
  }
  auto result = promtool_check(promtool,
                               "# TYPE broken counter\nbroken{a=\"x} 1\n");
  CAF_CHECK_NOT_EQUAL(result.exit_code, 0);
}
