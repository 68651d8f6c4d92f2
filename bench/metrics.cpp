// Cost of the metrics registry (actors/metrics): what instrumented code pays
// per update with a cached series, what an uncached lookup would cost, and
// what one scrape costs:
//   counter        counter::inc(), one thread
//   counter_2t     counter::inc() on one shared counter from two threads
//                  (a contended cache line: the worst case)
//   gauge          gauge::add(1)
//   histogram      histogram::observe() into default buckets
//   with           family::with({a, b}) on an existing series (the lookup
//                  that caching avoids)
//   render         metrics::render() of a registry with --series series
//                  (40% counters, 40% gauges, 20% histograms) and a
//                  supervision tree of 100 nodes
// Per-operation figures are CPU time of the measuring thread (process CPU
// time for counter_2t), so other load on the machine does not inflate them;
// wall time is printed next to them.
// docs/benchmarks.md ("Metrics") describes the figures.
//
// Usage: bench_metrics [--ops N] [--series N] [--renders N]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#include "actors/metrics/exposition.hpp"
#include "actors/metrics/registry.hpp"
#include "supervision/snapshot.hpp"

using namespace tether;

namespace {

struct options {
  size_t ops = 50'000'000;
  size_t series = 500;
  size_t renders = 200;
};

int64_t ns_of(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t wall_ns() {
  return ns_of(CLOCK_MONOTONIC);
}

struct span {
  int64_t cpu = 0;
  int64_t wall = 0;
};

void report(const char* name, size_t ops, span t) {
  auto n = static_cast<double>(ops);
  auto cpu = static_cast<double>(t.cpu) / n;
  auto wall = static_cast<double>(t.wall) / n;
  std::printf("%-11s %10zu ops  cpu %7.2f ns/op  wall %7.2f ns/op\n", name,
              ops, cpu, wall);
  std::printf("{\"bench\":\"metrics\",\"case\":\"%s\",\"ops\":%zu,"
              "\"cpu_ns_per_op\":%.3f,\"wall_ns_per_op\":%.3f}\n",
              name, ops, cpu, wall);
  std::fflush(stdout);
}

template <class F>
span timed(size_t n, F f) {
  for (size_t i = 0; i < n / 10; ++i) // warm-up
    f(i);
  auto c0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
  auto t0 = wall_ns();
  for (size_t i = 0; i < n; ++i)
    f(i);
  return {ns_of(CLOCK_THREAD_CPUTIME_ID) - c0, wall_ns() - t0};
}

void bench_updates(const options& opts) {
  metrics::registry reg;
  auto& c = reg.counter_family("b_total", "h", {"platform", "bot"})
              .with({"discord", "main"});
  report("counter", opts.ops, timed(opts.ops, [&](size_t) { c.inc(); }));
  {
    auto& shared = reg.counter_family("b2_total", "h", {}).get();
    auto half = opts.ops / 2;
    auto c0 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    auto t0 = wall_ns();
    std::thread other{[&] {
      for (size_t i = 0; i < half; ++i)
        shared.inc();
    }};
    for (size_t i = 0; i < half; ++i)
      shared.inc();
    other.join();
    span t{ns_of(CLOCK_PROCESS_CPUTIME_ID) - c0, wall_ns() - t0};
    if (shared.value() != half * 2) {
      std::fprintf(stderr, "metrics: ABORT: lost increments\n");
      std::exit(1);
    }
    // Per increment, both threads together.
    report("counter_2t", half * 2, t);
  }
  auto& g = reg.gauge_family("b", "h", {}).get();
  report("gauge", opts.ops, timed(opts.ops, [&](size_t) { g.add(1); }));
  auto& h = reg.histogram_family("b_seconds", "h", {}).get();
  report("histogram", opts.ops, timed(opts.ops, [&](size_t i) {
           h.observe(static_cast<double>(i & 1023) * 0.001);
         }));
  auto& fam = reg.counter_family("b3_total", "h", {"platform", "bot"});
  for (int i = 0; i < 20; ++i)
    fam.with({"discord", "bot" + std::to_string(i)});
  auto n = opts.ops / 100;
  report("with", n, timed(n, [&](size_t) {
           fam.with({"discord", "bot7"}).inc();
         }));
}

void bench_render(const options& opts) {
  metrics::registry reg;
  auto counters = opts.series * 2 / 5;
  auto gauges = opts.series * 2 / 5;
  auto histograms = opts.series - counters - gauges;
  auto& cf = reg.counter_family("r_events_total", "Events.",
                                {"platform", "bot"}, opts.series);
  auto& gf = reg.gauge_family("r_connections", "Connections.",
                              {"platform", "bot"}, opts.series);
  auto& hf = reg.histogram_family("r_latency_seconds", "Latency.",
                                  {"platform", "bot"},
                                  metrics::default_buckets(), opts.series);
  for (size_t i = 0; i < counters; ++i)
    cf.with({"discord", "bot" + std::to_string(i)}).inc(i * 1000);
  for (size_t i = 0; i < gauges; ++i)
    gf.with({"qq", "bot" + std::to_string(i)}).set(static_cast<double>(i));
  for (size_t i = 0; i < histograms; ++i) {
    auto& h = hf.with({"onebot", "bot" + std::to_string(i)});
    for (int j = 0; j < 100; ++j)
      h.observe(j * 0.01);
  }
  supervision::node_snapshot root;
  root.path = "root";
  for (int i = 0; i < 99; ++i) {
    supervision::node_snapshot child;
    child.path = "root/platforms/discord:main/shards/shard:"
                 + std::to_string(i);
    root.children.push_back(child);
  }
  std::vector<int64_t> samples;
  std::vector<int64_t> cpu_samples;
  size_t bytes = 0;
  size_t lines = 0;
  for (size_t i = 0; i < opts.renders; ++i) {
    auto c0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    auto t0 = wall_ns();
    auto text = metrics::render(reg, &root);
    samples.push_back(wall_ns() - t0);
    cpu_samples.push_back(ns_of(CLOCK_THREAD_CPUTIME_ID) - c0);
    bytes = text.size();
    lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  std::sort(samples.begin(), samples.end());
  std::sort(cpu_samples.begin(), cpu_samples.end());
  auto us = [](const std::vector<int64_t>& xs, size_t permille) {
    return static_cast<double>(xs[xs.size() * permille / 1000]) / 1e3;
  };
  std::printf("render      %zu series + 100 nodes: %zu lines, %zu bytes, "
              "cpu median %.1f us p99 %.1f us, wall median %.1f us\n",
              opts.series, lines, bytes, us(cpu_samples, 500),
              us(cpu_samples, 990), us(samples, 500));
  std::printf("{\"bench\":\"metrics\",\"case\":\"render\",\"series\":%zu,"
              "\"tree_nodes\":100,\"lines\":%zu,\"bytes\":%zu,"
              "\"cpu_median_us\":%.1f,\"cpu_p99_us\":%.1f,"
              "\"wall_median_us\":%.1f}\n",
              opts.series, lines, bytes, us(cpu_samples, 500),
              us(cpu_samples, 990), us(samples, 500));
}

bool parse_args(int argc, char** argv, options& opts) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return false;
    auto val = std::strtoull(argv[++i], nullptr, 10);
    if (val == 0)
      return false;
    if (arg == "--ops")
      opts.ops = val;
    else if (arg == "--series")
      opts.series = val;
    else if (arg == "--renders")
      opts.renders = val;
    else
      return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (!parse_args(argc, argv, opts)) {
    std::fprintf(stderr,
                 "usage: %s [--ops N] [--series N] [--renders N]\n"
                 "example: %s --series 500\n",
                 argv[0], argv[0]);
    return 2;
  }
  bench_updates(opts);
  bench_render(opts);
  return 0;
}
