#define CAF_SUITE actors.metrics.exposition

#include "actors/metrics/exposition.hpp"

#include <string>

#include "actors/metrics/names.hpp"
#include "actors/metrics/registry.hpp"
#include "caf/test/unit_test.hpp"
#include "supervision/snapshot.hpp"

using namespace tether;
using namespace tether::metrics;

namespace {

// Everything after the always-present folded-series header.
const char* folded_header
  = "# HELP tether_metrics_series_folded_total Series lookups that got the "
    "shared `other` series because the family had reached its series "
    "limit.\n"
    "# TYPE tether_metrics_series_folded_total counter\n";

} // namespace

CAF_TEST(a small registry renders exactly) {
  registry reg;
  auto& req = reg.counter_family("tether_webhook_requests_total",
                                 "Webhook requests.", {"platform", "status"});
  req.with({"qq", "2xx"}).inc(3);
  req.with({"feishu", "4xx"}).inc();
  reg.gauge_family("tether_outbox_depth", "Replies waiting.", {}).get().set(7);
  auto& conn = reg.gauge_family("tether_gateway_connections", "Up.",
                                {"platform", "bot"});
  conn.with({"discord", "main"}).set(2);
  auto expected = std::string{
    "# HELP tether_gateway_connections Up.\n"
    "# TYPE tether_gateway_connections gauge\n"
    "tether_gateway_connections{platform=\"discord\",bot=\"main\"} 2\n"
    "# HELP tether_outbox_depth Replies waiting.\n"
    "# TYPE tether_outbox_depth gauge\n"
    "tether_outbox_depth 7\n"
    "# HELP tether_webhook_requests_total Webhook requests.\n"
    "# TYPE tether_webhook_requests_total counter\n"
    "tether_webhook_requests_total{platform=\"feishu\",status=\"4xx\"} 1\n"
    "tether_webhook_requests_total{platform=\"qq\",status=\"2xx\"} 3\n"}
                  + folded_header;
  CAF_CHECK_EQUAL(render(reg), expected);
}

CAF_TEST(label values and help texts are escaped) {
  registry reg;
  reg.counter_family("t_total", "a \\ b\nc \"q\"", {"reason"})
    .with({"back\\slash \"quoted\"\nnewline"})
    .inc();
  auto expected = std::string{
    "# HELP t_total a \\\\ b\\nc \"q\"\n"
    "# TYPE t_total counter\n"
    "t_total{reason=\"back\\\\slash \\\"quoted\\\"\\nnewline\"} 1\n"}
                  + folded_header;
  CAF_CHECK_EQUAL(render(reg), expected);
}

CAF_TEST(histograms render cumulative buckets sum and count) {
  registry reg;
  auto& h = reg.histogram_family("t_seconds", "Time.", {"platform"},
                                 {0.005, 0.25, 1, 2.5});
  auto& qq = h.with({"qq"});
  qq.observe(0.001);
  qq.observe(0.2);
  qq.observe(0.25);
  qq.observe(4);
  auto expected = std::string{
    "# HELP t_seconds Time.\n"
    "# TYPE t_seconds histogram\n"
    "t_seconds_bucket{platform=\"qq\",le=\"0.005\"} 1\n"
    "t_seconds_bucket{platform=\"qq\",le=\"0.25\"} 3\n"
    "t_seconds_bucket{platform=\"qq\",le=\"1\"} 3\n"
    "t_seconds_bucket{platform=\"qq\",le=\"2.5\"} 3\n"
    "t_seconds_bucket{platform=\"qq\",le=\"+Inf\"} 4\n"
    "t_seconds_sum{platform=\"qq\"} 4.451\n"
    "t_seconds_count{platform=\"qq\"} 4\n"}
                  + folded_header;
  CAF_CHECK_EQUAL(render(reg), expected);
}

CAF_TEST(a histogram without labels puts le alone) {
  registry reg;
  reg.histogram_family("t_seconds", "Time.", {}, {1}).get().observe(0.5);
  auto text = render(reg);
  CAF_CHECK(text.find("t_seconds_bucket{le=\"1\"} 1\n") != std::string::npos);
  CAF_CHECK(text.find("t_seconds_bucket{le=\"+Inf\"} 1\n")
            != std::string::npos);
  CAF_CHECK(text.find("t_seconds_sum 0.5\n") != std::string::npos);
  CAF_CHECK(text.find("t_seconds_count 1\n") != std::string::npos);
}

CAF_TEST(folded series are reported per family) {
  registry reg;
  auto& fam = reg.counter_family("t_total", "h", {"bot"}, 1);
  fam.with({"a"}).inc();
  fam.with({"b"}).inc();
  fam.with({"c"}).inc();
  auto text = render(reg);
  CAF_CHECK(text.find("t_total{bot=\"a\"} 1\n") != std::string::npos);
  CAF_CHECK(text.find("t_total{bot=\"other\"} 2\n") != std::string::npos);
  CAF_CHECK(text.find("t_total{bot=\"b\"}") == std::string::npos);
  CAF_CHECK(text.find("tether_metrics_series_folded_total{family=\"t_total\"} "
                      "2\n")
            != std::string::npos);
}

CAF_TEST(values print as prometheus reads them) {
  CAF_CHECK_EQUAL(format_value(0), "0");
  CAF_CHECK_EQUAL(format_value(42), "42");
  CAF_CHECK_EQUAL(format_value(-3), "-3");
  CAF_CHECK_EQUAL(format_value(0.005), "0.005");
  CAF_CHECK_EQUAL(format_value(2.5), "2.5");
  CAF_CHECK_EQUAL(format_value(0.1 + 0.2), "0.30000000000000004");
  CAF_CHECK_EQUAL(format_value(1e20), "1e+20");
  CAF_CHECK_EQUAL(format_value(1.0 / 0.0), "+Inf");
  CAF_CHECK_EQUAL(format_value(-1.0 / 0.0), "-Inf");
  CAF_CHECK_EQUAL(format_value(std::nan("")), "NaN");
}

CAF_TEST(the supervision tree becomes restarts and states) {
  supervision::node_snapshot root;
  root.path = "root";
  root.state = supervision::node_state::running;
  supervision::node_snapshot child;
  child.path = "root/discord:main";
  child.state = supervision::node_state::backoff;
  child.restarts_total = 3;
  root.children.push_back(child);
  registry reg;
  auto expected = std::string{folded_header}
                  + "# HELP tether_restarts_total Restarts of a supervision "
                    "tree node since the daemon started.\n"
                    "# TYPE tether_restarts_total counter\n"
                    "tether_restarts_total{path=\"root\"} 0\n"
                    "tether_restarts_total{path=\"root/discord:main\"} 3\n"
                    "# HELP tether_node_state 1 for the state a supervision "
                    "tree node is in, 0 for the others.\n"
                    "# TYPE tether_node_state gauge\n"
                    "tether_node_state{path=\"root\",state=\"starting\"} 0\n"
                    "tether_node_state{path=\"root\",state=\"running\"} 1\n"
                    "tether_node_state{path=\"root\",state=\"backoff\"} 0\n"
                    "tether_node_state{path=\"root\",state=\"parked\"} 0\n"
                    "tether_node_state{path=\"root\",state=\"stopped\"} 0\n"
                    "tether_node_state{path=\"root/discord:main\",state="
                    "\"starting\"} 0\n"
                    "tether_node_state{path=\"root/discord:main\",state="
                    "\"running\"} 0\n"
                    "tether_node_state{path=\"root/discord:main\",state="
                    "\"backoff\"} 1\n"
                    "tether_node_state{path=\"root/discord:main\",state="
                    "\"parked\"} 0\n"
                    "tether_node_state{path=\"root/discord:main\",state="
                    "\"stopped\"} 0\n";
  CAF_CHECK_EQUAL(render(reg, &root), expected);
}

CAF_TEST(the daemon rendering lists every declared family) {
  auto text = render_metrics(nullptr);
  for (auto name : {"tether_webhook_requests_total",
                    "tether_message_latency_seconds", "tether_outbox_depth",
                    "tether_router_dropped_total"})
    CAF_CHECK(text.find(std::string{"# TYPE "} + name + " ")
              != std::string::npos);
  CAF_CHECK(text.find("tether_node_state") == std::string::npos);
}
