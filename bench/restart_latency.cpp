// Restart latency of the supervision core: the time from a child's crash to
// its replacement handling its first message, with no backoff, next to 1 or
// 1000 idle siblings. docs/benchmarks.md defines every figure precisely.
//
// Usage: bench_restart_latency [--siblings N]... [--crashes N] [--warmup N]
//                              [--threads N] [--samples F]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "supervision/reason.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/type_ids.hpp"

using namespace tether::supervision;

namespace {

using crash_atom = caf::atom_constant<caf::atom("crash")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using go_atom = caf::atom_constant<caf::atom("go")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>;

// No step of a run may take longer than this; the run aborts instead.
constexpr auto step_timeout = std::chrono::seconds{5};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

[[noreturn]] void abort_run(const std::string& why) {
  std::fprintf(stderr, "restart_latency: ABORT: %s\n", why.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  // The actor system's destructor would wait for the stuck actors.
  std::_Exit(1);
}

struct options {
  std::vector<size_t> siblings;
  size_t crashes = 10000;
  size_t warmup = 1000;
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  // Where to write every sample as CSV; empty = nowhere.
  std::string samples_file;
};

// Offsets from the moment the measurer sent `crash` (t0).
struct sample {
  // The replacement's behavior function began to run.
  int64_t running_ns;
  // The replacement's handler for the first message sent to it ran.
  int64_t handled_ns;
};

caf::behavior idle_worker(caf::event_based_actor*) {
  return {
    [](caf::ping_atom) {
      return caf::pong_atom::value;
    },
  };
}

// The child that crashes over and over. Each incarnation announces itself
// first thing: nobody else can know the handle of a fresh incarnation.
caf::behavior victim(caf::event_based_actor* self, caf::actor measurer,
                     uint64_t incarnation) {
  self->send(measurer, hello_atom::value, incarnation, now_ns());
  return {
    [=](crash_atom) {
      self->quit(caf::exit_reason::unhandled_exception);
    },
    [](probe_atom) {
      return caf::make_message(probe_atom::value, now_ns());
    },
  };
}

// Crashes the victim, waits for the replacement's hello, probes it, and
// repeats. Event-based like every actor in tetherd, so no blocking thread
// hand-off ends up in the figures.
class measurer : public caf::event_based_actor {
public:
  measurer(caf::actor_config& cfg, caf::actor main, size_t rounds,
           size_t warmup, std::shared_ptr<std::vector<sample>> out)
    : caf::event_based_actor(cfg),
      main_(std::move(main)),
      rounds_(rounds),
      warmup_(warmup),
      out_(std::move(out)) {
    out_->reserve(rounds_);
  }

  const char* name() const override {
    return "measurer";
  }

  caf::behavior make_behavior() override {
    last_progress_ = now_ns();
    delayed_send(this, std::chrono::seconds{1}, tick_atom::value);
    return {
      [this](hello_atom, uint64_t incarnation, int64_t t_running) {
        on_hello(incarnation, t_running);
      },
      [this](probe_atom, int64_t t_handled) {
        on_probed(t_handled);
      },
      [this](go_atom) {
        go_ = true;
        maybe_start();
      },
      [this](tick_atom) {
        on_tick();
      },
    };
  }

private:
  void on_hello(uint64_t incarnation, int64_t t_running) {
    if (incarnation != incarnation_ + 1) {
      fail("victim announced incarnation " + std::to_string(incarnation)
           + ", expected " + std::to_string(incarnation_ + 1));
      return;
    }
    incarnation_ = incarnation;
    victim_ = caf::actor_cast<caf::actor>(current_sender());
    if (incarnation_ == 1) {
      maybe_start();
      return;
    }
    t_running_ = t_running;
    send(victim_, probe_atom::value);
  }

  void on_probed(int64_t t_handled) {
    if (++done_ > warmup_)
      out_->push_back(sample{t_running_ - t0_, t_handled - t0_});
    last_progress_ = now_ns();
    crash_next();
  }

  void maybe_start() {
    if (go_ && incarnation_ >= 1 && !started_) {
      started_ = true;
      crash_next();
    }
  }

  void crash_next() {
    if (done_ == warmup_ + rounds_) {
      send(main_, done_atom::value);
      quit();
      return;
    }
    t0_ = now_ns();
    send(victim_, crash_atom::value);
  }

  // A watchdog instead of one timeout per step: a single timer a second
  // disturbs the measured path less than thousands of pending timeouts.
  void on_tick() {
    auto stalled = std::chrono::nanoseconds{now_ns() - last_progress_};
    if (stalled > step_timeout) {
      fail("no restart completed for "
           + std::to_string(stalled.count() / 1000000) + " ms (after "
           + std::to_string(done_) + " crashes)");
      return;
    }
    send(main_, progress_atom::value, static_cast<uint64_t>(done_));
    delayed_send(this, std::chrono::seconds{1}, tick_atom::value);
  }

  void fail(std::string why) {
    send(main_, failed_atom::value, std::move(why));
    quit();
  }

  caf::actor main_;
  size_t rounds_;
  size_t warmup_;
  std::shared_ptr<std::vector<sample>> out_;
  caf::actor victim_;
  uint64_t incarnation_ = 0;
  size_t done_ = 0;
  bool go_ = false;
  bool started_ = false;
  int64_t t0_ = 0;
  int64_t t_running_ = 0;
  int64_t last_progress_ = 0;
};

// Nearest-rank percentile of sorted values, in microseconds.
double percentile_us(const std::vector<int64_t>& sorted, double p) {
  auto n = sorted.size();
  auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(n) + 0.999);
  rank = std::min(std::max<size_t>(rank, 1), n);
  return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

struct summary {
  double median;
  double p90;
  double p99;
  double max;
};

summary summarize(std::vector<int64_t> xs) {
  std::sort(xs.begin(), xs.end());
  return {percentile_us(xs, 50), percentile_us(xs, 90), percentile_us(xs, 99),
          percentile_us(xs, 100)};
}

restart_policy victim_policy() {
  restart_policy p;
  p.max_restarts = 1000000000;
  // A short window keeps the intensity bookkeeping at a few stamps, as with
  // a production policy (5 in 60 s) that is not being exhausted.
  p.within = std::chrono::milliseconds{1};
  p.backoff.initial = duration{0};
  p.backoff.jitter = 0.0;
  return p;
}

// Appends one CSV row per crash, for histograms of single runs.
void write_samples(const std::string& file, size_t siblings,
                   const std::vector<sample>& xs) {
  auto f = std::fopen(file.c_str(), "a");
  if (f == nullptr) abort_run("cannot open " + file);
  for (auto& x : xs)
    std::fprintf(f, "%zu,%lld,%lld\n", siblings,
                 static_cast<long long>(x.running_ns),
                 static_cast<long long>(x.handled_ns));
  std::fclose(f);
}

void run(const options& opts, size_t siblings) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", opts.threads);
  cfg.add_message_types<caf::id_block::tether_supervision>();
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto samples = std::make_shared<std::vector<sample>>();
  auto meter = sys.spawn<measurer>(caf::actor_cast<caf::actor>(self),
                                   opts.crashes, opts.warmup, samples);
  std::vector<child_spec> children;
  for (size_t i = 0; i < siblings; ++i) {
    child_spec spec;
    spec.id = "sibling-" + std::to_string(i);
    spec.start = [](child_context& ctx) {
      return ctx.parent->system().spawn(idle_worker);
    };
    children.push_back(std::move(spec));
  }
  // Last in start order: the worst case for lookups that scan the children.
  child_spec spec;
  spec.id = "victim";
  spec.policy = victim_policy();
  spec.start = [meter](child_context& ctx) {
    return ctx.parent->system().spawn(victim, meter, ctx.incarnation);
  };
  children.push_back(std::move(spec));
  supervisor_flags flags;
  flags.path = "bench";
  flags.seed = 1;
  // Events are dropped: the figures are the supervision core's, not the
  // log sink's.
  flags.events
    = std::make_shared<const event_sink>([](const supervisor_event&) {});
  auto sup = spawn_supervisor(sys, flags, std::move(children), self);
  self->receive([](ready_atom) {},
                caf::after(step_timeout) >>
                  [&] {
                    abort_run("supervisor with " + std::to_string(siblings)
                              + " siblings not ready within 5 s");
                  });
  self->send(meter, go_atom::value);
  for (bool running = true; running;) {
    self->receive([](progress_atom, uint64_t) {},
                  [&](done_atom) {
                    running = false;
                  },
                  [&](failed_atom, std::string& why) {
                    abort_run(why);
                  },
                  caf::after(step_timeout) >>
                    [&] {
                      abort_run("measurer silent for 5 s");
                    });
  }
  // Tidy shutdown, bounded like everything else.
  self->monitor(sup);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {},
                caf::after(step_timeout) >>
                  [&] {
                    abort_run("supervisor did not stop within 5 s");
                  });
  if (!opts.samples_file.empty())
    write_samples(opts.samples_file, siblings, *samples);
  std::vector<int64_t> running;
  std::vector<int64_t> handled;
  for (auto& x : *samples) {
    running.push_back(x.running_ns);
    handled.push_back(x.handled_ns);
  }
  auto r = summarize(running);
  auto h = summarize(handled);
  std::printf("restart_latency: siblings=%zu crashes=%zu warmup=%zu "
              "threads=%zu\n",
              siblings, samples->size(), opts.warmup, opts.threads);
  std::printf("  crash -> replacement running:   median %7.1f us  p90 %7.1f"
              "  p99 %7.1f  max %8.1f\n",
              r.median, r.p90, r.p99, r.max);
  std::printf("  crash -> first message handled: median %7.1f us  p90 %7.1f"
              "  p99 %7.1f  max %8.1f\n",
              h.median, h.p90, h.p99, h.max);
  std::printf("{\"bench\":\"restart_latency\",\"siblings\":%zu,"
              "\"crashes\":%zu,\"threads\":%zu,\"median_us\":%.1f,"
              "\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
              "\"running_median_us\":%.1f,\"running_p99_us\":%.1f}\n",
              siblings, samples->size(), opts.threads, h.median, h.p90, h.p99,
              h.max, r.median, r.p99);
  std::fflush(stdout);
}

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_restart_latency [--siblings N]... [--crashes N]"
               " [--warmup N] [--threads N] [--samples F]\n"
               "  --siblings N  idle siblings next to the victim; repeat for"
               " several runs\n"
               "                (default: one run with 1, one with 1000)\n"
               "  --crashes N   measured crashes per run (default 10000)\n"
               "  --warmup N    unmeasured crashes first (default 1000)\n"
               "  --threads N   scheduler threads (default: cores)\n"
               "  --samples F   append every sample to CSV file F\n"
               "                (siblings,running_ns,handled_ns)\n");
  std::exit(code);
}

size_t parse_count(const char* flag, const char* arg, size_t min) {
  char* end = nullptr;
  auto x = std::strtoull(arg, &end, 10);
  if (end == arg || *end != '\0' || x < min || x > 10000000) {
    std::fprintf(stderr, "%s: invalid value '%s'\n", flag, arg);
    usage(2);
  }
  return static_cast<size_t>(x);
}

options parse(int argc, char** argv) {
  options opts;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") usage(0);
    if (i + 1 >= argc) {
      std::fprintf(stderr, "unknown or incomplete option '%s'\n", argv[i]);
      usage(2);
    }
    auto arg = argv[++i];
    if (flag == "--siblings")
      opts.siblings.push_back(parse_count("--siblings", arg, 0));
    else if (flag == "--crashes")
      opts.crashes = parse_count("--crashes", arg, 1);
    else if (flag == "--warmup")
      opts.warmup = parse_count("--warmup", arg, 0);
    else if (flag == "--threads")
      opts.threads = parse_count("--threads", arg, 1);
    else if (flag == "--samples")
      opts.samples_file = arg;
    else {
      std::fprintf(stderr, "unknown option '%s'\n", flag.c_str());
      usage(2);
    }
  }
  if (opts.siblings.empty()) opts.siblings = {1, 1000};
  return opts;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = parse(argc, argv);
  for (auto n : opts.siblings)
    run(opts, n);
  return 0;
}
