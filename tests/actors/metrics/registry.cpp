#define CAF_SUITE actors.metrics.registry

#include "actors/metrics/registry.hpp"

#include <stdexcept>
#include <thread>
#include <vector>

#include "actors/metrics/names.hpp"
#include "caf/test/unit_test.hpp"

using namespace tether::metrics;

namespace {

// CAF 0.17's test DSL has no exception checks.
template <class Exception, class F>
bool throws(F f) {
  try {
    f();
  } catch (const Exception&) {
    return true;
  } catch (...) {
    return false;
  }
  return false;
}

} // namespace

#define CHECK_THROWS_AS(expr, type) CAF_CHECK(throws<type>([&] { expr; }))

CAF_TEST(a label set gets one series and keeps it) {
  registry reg;
  auto& fam = reg.counter_family("t_requests_total", "h", {"platform"});
  auto& a = fam.with({"qq"});
  auto& b = fam.with({"qq"});
  CAF_CHECK_EQUAL(&a, &b);
  CAF_CHECK_NOT_EQUAL(&a, &fam.with({"discord"}));
  a.inc();
  b.inc(4);
  CAF_CHECK_EQUAL(a.value(), 5u);
  CAF_CHECK_EQUAL(fam.size(), 2u);
}

CAF_TEST(registering a name again returns the same family) {
  registry reg;
  auto& x = reg.counter_family("t_total", "h", {"a"});
  CAF_CHECK_EQUAL(&x, &reg.counter_family("t_total", "other help", {"a"}));
  CHECK_THROWS_AS(reg.counter_family("t_total", "h", {"b"}),
                      std::logic_error);
  CHECK_THROWS_AS(reg.gauge_family("t_total", "h", {"a"}),
                      std::logic_error);
}

CAF_TEST(bad names labels and buckets are refused) {
  registry reg;
  CHECK_THROWS_AS(reg.counter_family("9lives", "h", {}),
                      std::invalid_argument);
  CHECK_THROWS_AS(reg.counter_family("a-b", "h", {}),
                      std::invalid_argument);
  CHECK_THROWS_AS(reg.counter_family("ok", "h", {"__x"}),
                      std::invalid_argument);
  CHECK_THROWS_AS(reg.counter_family("ok", "h", {"a:b"}),
                      std::invalid_argument);
  CHECK_THROWS_AS(reg.counter_family("ok", "h", {"a", "a"}),
                      std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram_family("h1", "h", {"le"}),
                      std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram_family("h2", "h", {}, {1, 0.5}),
                      std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram_family("h3", "h", {}, {}),
                      std::invalid_argument);
  auto& fam = reg.counter_family("ok", "h", {"a", "b"});
  CHECK_THROWS_AS(fam.with({"x"}), std::invalid_argument);
  CAF_CHECK_EQUAL(fam.size(), 0u);
}

CAF_TEST(series beyond the cap share the other series and are counted) {
  registry reg;
  auto& fam = reg.counter_family("capped_total", "h", {"bot", "reason"}, 3);
  fam.with({"a", "x"}).inc();
  fam.with({"b", "x"}).inc();
  fam.with({"c", "x"}).inc();
  auto& d = fam.with({"d", "x"});
  auto& e = fam.with({"e", "y"});
  CAF_CHECK_EQUAL(&d, &e);
  // Asking for `other` itself is a plain lookup, not a fold.
  CAF_CHECK_EQUAL(&d, &fam.with({other_label, other_label}));
  d.inc();
  e.inc();
  // Known series still resolve to themselves once the family is full.
  fam.with({"a", "x"}).inc();
  CAF_CHECK_EQUAL(fam.with({"a", "x"}).value(), 2u);
  CAF_CHECK_EQUAL(fam.size(), 4u); // three plus `other`
  CAF_CHECK_EQUAL(fam.folded(), 2u); // d and e
  auto view = fam.view();
  CAF_REQUIRE_EQUAL(view.series.size(), 4u);
  CAF_CHECK_EQUAL(view.series.back().labels,
                  (std::vector<std::string>{"other", "other"}));
  CAF_CHECK_EQUAL(view.series.back().value, 2);
  CAF_CHECK_EQUAL(view.folded, 2u);
}

CAF_TEST(gauges go up and down) {
  registry reg;
  auto& g = reg.gauge_family("g", "h", {}).get();
  g.set(2.5);
  g.add(1);
  g.dec();
  CAF_CHECK_EQUAL(g.value(), 2.5);
  {
    gauge_hold hold;
    hold.acquire(g);
    hold.acquire(g); // held already: no second +1
    CAF_CHECK_EQUAL(g.value(), 3.5);
    gauge_hold moved{std::move(hold)};
    CAF_CHECK(!hold.held());
    CAF_CHECK(moved.held());
    CAF_CHECK_EQUAL(g.value(), 3.5);
  }
  CAF_CHECK_EQUAL(g.value(), 2.5);
  gauge_hold hold;
  hold.acquire(g);
  hold.release();
  hold.release();
  CAF_CHECK_EQUAL(g.value(), 2.5);
}

CAF_TEST(histograms count into the first bucket at or above the value) {
  registry reg;
  auto& h = reg.histogram_family("lat_seconds", "h", {}, {0.1, 0.5, 1}).get();
  for (auto x : {0.05, 0.1, 0.3, 0.5, 0.7, 2.0, 3.0})
    h.observe(x);
  h.observe(std::nan(""));
  CAF_CHECK_EQUAL(h.cumulative(), (std::vector<uint64_t>{2, 4, 5, 7}));
  CAF_CHECK_EQUAL(h.count(), 7u);
  CAF_CHECK_EQUAL(h.sum(), 0.05 + 0.1 + 0.3 + 0.5 + 0.7 + 2.0 + 3.0);
}

CAF_TEST(updates from many threads add up) {
  registry reg;
  auto& c = reg.counter_family("mt_total", "h", {}).get();
  auto& g = reg.gauge_family("mt", "h", {}).get();
  auto& h = reg.histogram_family("mt_seconds", "h", {}).get();
  constexpr int threads = 4;
  constexpr int per_thread = 20000;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        g.add(1);
        h.observe(0.25);
      }
    });
  for (auto& t : ts)
    t.join();
  CAF_CHECK_EQUAL(c.value(), uint64_t{threads * per_thread});
  CAF_CHECK_EQUAL(g.value(), double{threads * per_thread});
  CAF_CHECK_EQUAL(h.count(), uint64_t{threads * per_thread});
  CAF_CHECK_EQUAL(h.sum(), 0.25 * threads * per_thread);
}

CAF_TEST(the declared families have the documented shapes) {
  declare_all();
  auto fams = registry::global().collect();
  auto find = [&](const std::string& name) -> const family_view* {
    for (auto& f : fams)
      if (f.name == name)
        return &f;
    return nullptr;
  };
  using labels = std::vector<std::string>;
  struct expected {
    const char* name;
    metric_type type;
    labels label_names;
  };
  expected all[] = {
    {"tether_webhook_requests_total", metric_type::counter,
     {"platform", "status"}},
    {"tether_webhook_request_duration_seconds", metric_type::histogram,
     {"platform"}},
    {"tether_webhook_errors_total", metric_type::counter,
     {"platform", "reason"}},
    {"tether_gateway_connections", metric_type::gauge, {"platform", "bot"}},
    {"tether_gateway_events_total", metric_type::counter, {"platform", "bot"}},
    {"tether_heartbeat_rtt_seconds", metric_type::histogram,
     {"platform", "bot"}},
    {"tether_gateway_reconnects_total", metric_type::counter,
     {"platform", "bot"}},
    {"tether_rest_rate_limited_total", metric_type::counter, {"platform"}},
    {"tether_messages_processed_total", metric_type::counter,
     {"platform", "bot"}},
    {"tether_message_latency_seconds", metric_type::histogram, {"platform"}},
    {"tether_outbox_depth", metric_type::gauge, {}},
    {"tether_replies_total", metric_type::counter, {"platform", "result"}},
    {"tether_handler_calls_total", metric_type::counter,
     {"handler", "result"}},
    {"tether_handler_duration_seconds", metric_type::histogram, {"handler"}},
    {"tether_router_dropped_total", metric_type::counter, {"reason"}},
  };
  for (auto& x : all) {
    auto f = find(x.name);
    if (!f)
      CAF_FAIL("not declared: " << x.name);
    CAF_CHECK_EQUAL(std::string{to_string(f->type)},
                    std::string{to_string(x.type)});
    CAF_CHECK_EQUAL(f->label_names, x.label_names);
  }
  auto latency = find("tether_message_latency_seconds");
  CAF_REQUIRE(latency);
  CAF_CHECK_EQUAL(latency->bounds, latency_buckets());
  CAF_CHECK_EQUAL(&message_latency(), &message_latency());
}

CAF_TEST(status codes fold into classes) {
  CAF_CHECK_EQUAL(std::string{status_class(200)}, "2xx");
  CAF_CHECK_EQUAL(std::string{status_class(204)}, "2xx");
  CAF_CHECK_EQUAL(std::string{status_class(429)}, "4xx");
  CAF_CHECK_EQUAL(std::string{status_class(503)}, "5xx");
  CAF_CHECK_EQUAL(std::string{status_class(0)}, "other");
  CAF_CHECK_EQUAL(std::string{status_class(-1)}, "other");
  CAF_CHECK_EQUAL(std::string{status_class(600)}, "other");
}
