// Memory per idle supervised child: resident set size before and after one
// supervisor starts K idle workers, either flat or as nested one_for_all
// units of two workers (a gateway shard: connection + heartbeat).
// docs/benchmarks.md defines every figure precisely.
//
// Usage: bench_idle_memory [--children K] [--layout flat|unit2|both]
//                          [--threads N]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "supervision/reason.hpp"
#include "supervision/snapshot.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/type_ids.hpp"

using namespace tether::supervision;

namespace {

enum class layout {
  flat,
  unit2,
};

const char* to_string(layout x) {
  return x == layout::flat ? "flat" : "unit2";
}

struct options {
  size_t children = 10000;
  std::vector<layout> layouts{layout::flat, layout::unit2};
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
};

[[noreturn]] void abort_run(const std::string& why) {
  std::fprintf(stderr, "idle_memory: ABORT: %s\n", why.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  // The actor system's destructor would wait for the stuck actors.
  std::_Exit(1);
}

size_t rss_bytes() {
  auto f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) abort_run("cannot open /proc/self/statm");
  unsigned long size = 0;
  unsigned long resident = 0;
  auto n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) abort_run("cannot parse /proc/self/statm");
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Idle, but it has run: it reports ready from its behavior function, so
// the tree is ready only once every worker's initialisation has happened.
caf::behavior idle_worker(caf::event_based_actor* self, caf::actor sup) {
  report_ready(self, sup);
  return {
    [](caf::ping_atom) {
      return caf::pong_atom::value;
    },
  };
}

child_spec worker_spec(std::string id) {
  child_spec spec;
  spec.id = std::move(id);
  spec.signals_ready = true;
  spec.start = [](child_context& ctx) {
    return ctx.parent->system().spawn(idle_worker,
                                      caf::actor_cast<caf::actor>(ctx.parent));
  };
  return spec;
}

// `workers` idle workers: flat, or in units of two under their own
// one_for_all supervisor.
std::vector<child_spec> make_children(layout lay, size_t workers) {
  std::vector<child_spec> result;
  if (lay == layout::flat) {
    result.reserve(workers);
    for (size_t i = 0; i < workers; ++i)
      result.push_back(worker_spec("worker-" + std::to_string(i)));
    return result;
  }
  supervisor_flags unit;
  unit.strat = strategy::one_for_all;
  unit.seed = 1;
  result.reserve(workers / 2);
  for (size_t i = 0; i < workers / 2; ++i)
    result.push_back(
      supervisor_spec("unit-" + std::to_string(i), unit,
                      {worker_spec("connection"), worker_spec("heartbeat")}));
  return result;
}

std::chrono::milliseconds deadline_for(size_t workers) {
  // 5 s plus a generous 1 ms per worker for starting and stopping.
  return std::chrono::milliseconds{5000 + workers};
}

// Starts a tree and returns once every node in it has started.
caf::actor start_tree(caf::scoped_actor& self, layout lay, size_t workers) {
  supervisor_flags flags;
  flags.path = "bench";
  flags.seed = 1;
  flags.events
    = std::make_shared<const event_sink>([](const supervisor_event&) {});
  auto sup = spawn_supervisor(self->system(), flags,
                              make_children(lay, workers),
                              caf::actor_cast<caf::actor>(self));
  self->receive([](ready_atom) {},
                caf::after(deadline_for(workers)) >>
                  [&] {
                    abort_run("tree of " + std::to_string(workers)
                              + " workers not ready in time");
                  });
  auto expected = lay == layout::flat ? workers : workers / 2;
  self->request(sup, std::chrono::seconds{5}, which_children_atom::value)
    .receive(
      [&](std::vector<std::string>& ids) {
        if (ids.size() != expected)
          abort_run("supervisor has " + std::to_string(ids.size())
                    + " children, expected " + std::to_string(expected));
      },
      [&](caf::error& err) {
        abort_run("which_children failed: " + describe(err));
      });
  return sup;
}

// Counts running workers in the whole tree; run after measuring, since the
// snapshot itself allocates.
size_t running_workers(caf::scoped_actor& self, const caf::actor& sup) {
  size_t result = 0;
  self->request(sup, std::chrono::seconds{30}, snapshot_atom::value)
    .receive(
      [&](node_snapshot& tree) {
        tree.for_each([&](const node_snapshot& x) {
          if (x.kind == "worker" && x.state == node_state::running) ++result;
        });
      },
      [&](caf::error& err) {
        abort_run("snapshot failed: " + describe(err));
      });
  return result;
}

void stop_tree(caf::scoped_actor& self, const caf::actor& sup, size_t workers) {
  self->monitor(sup);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {},
                caf::after(deadline_for(workers)) >>
                  [&] {
                    abort_run("tree of " + std::to_string(workers)
                              + " workers did not stop in time");
                  });
}

int run(const options& opts, layout lay) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", opts.threads);
  cfg.add_message_types<caf::id_block::tether_supervision>();
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  // A small tree first, so that state created lazily on first use (thread
  // arenas, scheduler queues) is part of the baseline, not of the figure.
  stop_tree(self, start_tree(self, lay, 100), 100);
  std::this_thread::sleep_for(std::chrono::milliseconds{100});
  auto workers = lay == layout::flat ? opts.children : opts.children / 2 * 2;
  auto before = rss_bytes();
  auto t0 = std::chrono::steady_clock::now();
  auto sup = start_tree(self, lay, workers);
  auto start_ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  std::this_thread::sleep_for(std::chrono::milliseconds{100});
  auto after = rss_bytes();
  auto running = running_workers(self, sup);
  if (running != workers)
    abort_run(std::to_string(running) + " of " + std::to_string(workers)
              + " workers running");
  stop_tree(self, sup, workers);
  auto delta = static_cast<double>(after) - static_cast<double>(before);
  auto per_worker = delta / static_cast<double>(workers);
  auto mib = [](size_t x) {
    return static_cast<double>(x) / (1 << 20);
  };
  std::printf("idle_memory: layout=%s workers=%zu threads=%zu\n",
              to_string(lay), workers, opts.threads);
  std::printf("  rss %.1f MiB -> %.1f MiB, started in %.0f ms\n", mib(before),
              mib(after), start_ms);
  if (lay == layout::flat) {
    std::printf("  %.0f bytes per idle child\n", per_worker);
    std::printf("{\"bench\":\"idle_memory\",\"layout\":\"flat\","
                "\"workers\":%zu,\"supervisors\":1,\"rss_before\":%zu,"
                "\"rss_after\":%zu,\"bytes_per_worker\":%.0f,"
                "\"start_ms\":%.0f}\n",
                workers, before, after, per_worker, start_ms);
  } else {
    auto units = workers / 2;
    auto per_unit = delta / static_cast<double>(units);
    std::printf("  %.0f bytes per unit (supervisor + 2 workers), %.0f per "
                "worker\n",
                per_unit, per_worker);
    std::printf("{\"bench\":\"idle_memory\",\"layout\":\"unit2\","
                "\"workers\":%zu,\"units\":%zu,\"supervisors\":%zu,"
                "\"rss_before\":%zu,\"rss_after\":%zu,"
                "\"bytes_per_unit\":%.0f,\"bytes_per_worker\":%.0f,"
                "\"start_ms\":%.0f}\n",
                workers, units, units + 1, before, after, per_unit, per_worker,
                start_ms);
  }
  std::fflush(stdout);
  return 0;
}

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_idle_memory [--children K] "
               "[--layout flat|unit2|both] [--threads N]\n"
               "  --children K  idle workers in the tree (default 10000)\n"
               "  --layout L    flat: K workers under one supervisor;\n"
               "                unit2: K/2 one_for_all units of 2 workers;\n"
               "                both (default): each in its own process\n"
               "  --threads N   scheduler threads (default: cores)\n");
  std::exit(code);
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
    std::string arg = argv[++i];
    if (flag == "--children" || flag == "--threads") {
      char* end = nullptr;
      auto x = std::strtoull(arg.c_str(), &end, 10);
      auto min = flag == "--children" ? 2u : 1u;
      if (arg.empty() || *end != '\0' || x < min || x > 10000000) {
        std::fprintf(stderr, "%s: invalid value '%s'\n", flag.c_str(),
                     arg.c_str());
        usage(2);
      }
      (flag == "--children" ? opts.children : opts.threads) = x;
    } else if (flag == "--layout" && arg == "flat") {
      opts.layouts = {layout::flat};
    } else if (flag == "--layout" && arg == "unit2") {
      opts.layouts = {layout::unit2};
    } else if (flag == "--layout" && arg == "both") {
      opts.layouts = {layout::flat, layout::unit2};
    } else {
      std::fprintf(stderr, "unknown option '%s %s'\n", flag.c_str(),
                   arg.c_str());
      usage(2);
    }
  }
  return opts;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = parse(argc, argv);
  if (opts.layouts.size() == 1) return run(opts, opts.layouts.front());
  // One process per layout: memory the first one freed would otherwise be
  // reused by the second and hide part of its cost. No threads exist yet,
  // so forking is safe.
  int result = 0;
  for (auto lay : opts.layouts) {
    std::fflush(stdout);
    auto pid = fork();
    if (pid < 0) abort_run("fork failed");
    if (pid == 0) std::_Exit(run(opts, lay));
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0)
      result = 1;
  }
  return result;
}
