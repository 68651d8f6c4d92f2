#include "daemon.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/admin/json.hpp"
#include "actors/admin/type_ids.hpp"
#include "actors/router/route_table.hpp"
#include "actors/runtime.hpp"
#include "actors/store/database.hpp"
#include "actors/tree.hpp"
#include "actors/type_ids.hpp"
#include "config/diff.hpp"
#include "config/logging.hpp"
#include "supervision/event_hub.hpp"
#include "supervision/reason.hpp"
#include "supervision/supervisor.hpp"
#include "systemd_notify.hpp"

namespace asio = boost::asio;

namespace tether {

namespace {

using signal_atom = caf::atom_constant<caf::atom("signal")>;
using level = spdlog::level::level_enum;

void setup_logging(const config::tether_config& cfg) {
  logging::setup(cfg.daemon.log_level,
                 cfg.daemon.log_fmt == config::log_format::json);
}

// What one reload did: the diff it applied, or why it applied nothing.
struct reload_outcome {
  bool ok = false;
  std::vector<std::string> errors;
  config::config_diff diff;
};

// The answer to the admin API's reload request (admin::reload_atom).
std::string to_json(const reload_outcome& x) {
  nlohmann::json out;
  out["ok"] = x.ok;
  if (x.ok) {
    out["diff"] = admin::diff_json(x.diff);
  } else {
    std::vector<std::string> errors;
    for (auto& e : x.errors)
      errors.push_back(logging::redact(e));
    out["error"] = errors.empty() ? std::string{"reload failed"}
                                  : errors.front();
    out["errors"] = errors;
  }
  return out.dump();
}

// Ends the process if shutdown overruns its deadline: a wedged actor or a
// stuck socket must never keep tetherd alive after it was told to stop.
void arm_hard_deadline(config::duration budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  std::thread{[deadline, budget] {
    std::this_thread::sleep_until(deadline);
    logging::log(level::critical, "daemon", "shutdown_deadline_exceeded",
                 {{"budget", supervision::format_duration(budget)}});
    spdlog::default_logger()->flush();
    std::_Exit(exit_forced);
  }}.detach();
}

class daemon {
public:
  daemon(std::string file, std::shared_ptr<const config::tether_config> cfg)
    : file_(std::move(file)), cfg_(std::move(cfg)) {
    // nop
  }

  int run() {
    // The database is opened once here, before any actor: a corrupt or
    // unwritable file is a clear startup error, not a store that the
    // supervisor parks (or restarts) later.
    try {
      store::database probe{cfg_->store.path,
                            std::chrono::duration_cast<std::chrono::milliseconds>(
                              cfg_->store.op_timeout)};
    } catch (const std::exception& e) {
      logging::log(level::critical, "daemon", "store_unusable",
                   {{"path", cfg_->store.path}, {"error", e.what()}});
      return exit_store;
    }
    caf::actor_system_config sys_cfg;
    if (cfg_->daemon.actor_threads > 0)
      sys_cfg.set("scheduler.max-threads",
                  static_cast<size_t>(cfg_->daemon.actor_threads));
    sys_cfg.add_message_types<caf::id_block::tether_supervision>();
    sys_cfg.add_message_types<caf::id_block::tether_protocols>();
    sys_cfg.add_message_types<caf::id_block::tether_actors>();
    // Declared first, destroyed last: actors (and the specs they hold) own
    // sockets and timers of this io_context until the actor system is gone.
    asio::io_context io;
    caf::actor_system sys{sys_cfg};
    auto work = asio::make_work_guard(io);
    // Signals first: from here on SIGTERM means a graceful stop.
    asio::signal_set signals{io, SIGTERM, SIGINT, SIGHUP};
    std::vector<std::thread> io_threads;
    for (int i = 0; i < cfg_->daemon.io_threads; ++i)
      io_threads.emplace_back([&io] { io.run(); });
    int code = exit_ok;
    {
      caf::scoped_actor self{sys};
      watch_signals(signals, caf::actor_cast<caf::actor>(self));
      rt_ = std::make_shared<runtime>(sys, io, cfg_);
      // SIGHUP and the admin API's reload both end up in this loop.
      rt_->directory().put("daemon", caf::actor_cast<caf::actor>(self));
      auto flags = root_flags();
      flags.events = rt_->events()->sink();
      auto root = supervision::spawn_supervisor(sys, flags,
                                                root_children(rt_), self);
      rt_->directory().put("root", root);
      self->monitor(root);
      logging::log(level::info, "daemon", "starting",
                   {{"config", file_}, {"version", TETHER_VERSION}});
      code = serve(self, root);
    }
    rt_.reset();
    signals.cancel();
    work.reset();
    io.stop();
    for (auto& t : io_threads)
      t.join();
    logging::log(level::info, "daemon", "exit",
                 {{"code", std::to_string(code)}});
    spdlog::default_logger()->flush();
    return code;
  }

private:
  void watch_signals(asio::signal_set& signals, caf::actor target) {
    signals.async_wait([this, &signals, target](
                         const boost::system::error_code& ec, int sig) {
      if (ec)
        return;
      caf::anon_send(target, signal_atom::value, sig);
      watch_signals(signals, target);
    });
  }

  // The main thread's loop: lifecycle events, signals and watchdog pings.
  int serve(caf::scoped_actor& self, const caf::actor& root) {
    auto watchdog = systemd::watchdog_interval();
    auto next_ping = std::chrono::steady_clock::now();
    bool stopping = false;
    for (;;) {
      // Without a watchdog the loop only wakes up for messages.
      auto wait = std::chrono::milliseconds{std::chrono::hours{1}};
      if (watchdog) {
        auto now = std::chrono::steady_clock::now();
        if (now >= next_ping) {
          ping(self, root);
          next_ping = now + *watchdog / 2;
        }
        wait = std::max(std::chrono::milliseconds{1},
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                          next_ping - std::chrono::steady_clock::now()));
      }
      std::optional<int> result;
      self->receive(
        [&](supervision::ready_atom) {
          systemd::notify("READY=1");
          logging::log(level::info, "daemon", "ready", {{"config", file_}});
        },
        [&](caf::down_msg& msg) {
          if (stopping) {
            logging::log(level::info, "daemon", "stopped");
            result = exit_ok;
            return;
          }
          // The tree gave up: exit non-zero so a process manager restarts
          // us, but still within the shutdown deadline.
          logging::log(level::critical, "daemon", "root_gave_up",
                       {{"reason", supervision::describe(msg.reason)}});
          arm_hard_deadline(rt_->config()->daemon.shutdown_timeout);
          result = exit_gave_up;
        },
        [&](admin::reload_atom) {
          auto rp = self->make_response_promise();
          reload_outcome outcome;
          if (stopping)
            outcome.errors.push_back("tetherd is stopping");
          else
            outcome = reload(self);
          rp.deliver(to_json(outcome));
        },
        [&](signal_atom, int sig) {
          if (sig == SIGHUP) {
            if (!stopping)
              reload(self);
            return;
          }
          if (stopping) {
            logging::log(level::warn, "daemon", "forced_exit",
                         {{"signal", std::to_string(sig)}});
            spdlog::default_logger()->flush();
            std::_Exit(exit_forced);
          }
          stopping = true;
          auto budget = rt_->config()->daemon.shutdown_timeout;
          logging::log(level::info, "daemon", "stopping",
                       {{"signal", std::to_string(sig)},
                        {"deadline", supervision::format_duration(budget)}});
          systemd::notify("STOPPING=1");
          arm_hard_deadline(budget);
          self->send_exit(root, caf::exit_reason::user_shutdown);
        },
        caf::after(wait) >> [] {});
      if (result)
        return *result;
    }
  }

  // WATCHDOG=1 only while the root actor answers in time: a wedged actor
  // system stops the pings and systemd restarts us.
  void ping(caf::scoped_actor& self, const caf::actor& root) {
    auto deadline = rt_->config()->daemon.watchdog_timeout;
    self->request(root, deadline, caf::ping_atom::value)
      .receive([](caf::pong_atom) { systemd::notify("WATCHDOG=1"); },
               [](caf::error& err) {
                 logging::log(level::err, "daemon", "watchdog_missed",
                              {{"reason", supervision::describe(err)}});
               });
  }

  // -- reload -----------------------------------------------------------------

  // Loads the file again and applies what changed. SIGHUP and the admin
  // API's POST /api/reload both come here, one at a time.
  reload_outcome reload(caf::scoped_actor& self) {
    reload_outcome outcome;
    auto loaded = config::load_file(file_);
    if (loaded)
      loaded.errors = validate(*loaded.config);
    if (!loaded || !loaded.errors.empty()) {
      for (auto& err : loaded.errors) {
        logging::log(level::err, "daemon", "reload_rejected",
                     {{"error", err.to_string()}});
        outcome.errors.push_back(err.to_string());
      }
      return outcome;
    }
    auto next = std::make_shared<const config::tether_config>(
      std::move(*loaded.config));
    auto prev = rt_->config();
    std::vector<std::string> static_paths{"core",       "core/store",
                                          "core/outbox", "core/router",
                                          "platforms",  "handlers"};
    if (prev->admin.enabled && next->admin.enabled)
      static_paths.push_back("core/admin");
    auto d = config::diff(*prev, *next, static_paths);
    // Supervisor nodes also take their shutdown deadline from the daemon.
    for (auto path : {"core", "platforms", "handlers"})
      if (node_policy(*prev, path) != node_policy(*next, path)
          && std::find(d.policy_changed.begin(), d.policy_changed.end(), path)
               == d.policy_changed.end())
        d.policy_changed.push_back(path);
    logging::log(level::info, "daemon", "reload",
                 {{"config", file_}, {"changes", d.summary()}});
    rt_->config(next);
    setup_logging(*next);
    apply(self, "platforms", d.platforms, [&](const std::string& id) {
      for (auto& e : next->platforms)
        if (e.id() == id)
          return platform_spec(rt_, *next, e);
      return supervision::child_spec{};
    });
    apply(self, "handlers", d.handlers, [&](const std::string& id) {
      for (auto& e : next->handlers)
        if (e.name == id)
          return handler_spec(rt_, *next, e);
      return supervision::child_spec{};
    });
    if (d.routes_changed) {
      if (auto router = rt_->directory().get("core/router"))
        self->send(router, set_routes_atom::value,
                   std::shared_ptr<const route_table>{
                     std::make_shared<route_table>(next->routes)});
    }
    for (auto& path : d.policy_changed) {
      auto slash = path.rfind('/');
      auto parent = slash == std::string::npos ? std::string{"root"}
                                               : path.substr(0, slash);
      auto id = slash == std::string::npos ? path : path.substr(slash + 1);
      call(self, parent, supervision::set_policy_atom::value, id,
           node_policy(*next, path));
    }
    for (auto& key : d.needs_restart)
      logging::log(level::warn, "daemon", "reload_needs_restart",
                   {{"key", key}});
    outcome.ok = true;
    outcome.diff = std::move(d);
    return outcome;
  }

  template <class MakeSpec>
  void apply(caf::scoped_actor& self, const std::string& sup,
             const config::entry_diff& d, MakeSpec make_spec) {
    for (auto& id : d.removed) {
      call(self, sup, supervision::terminate_child_atom::value, id);
      call(self, sup, supervision::delete_child_atom::value, id);
    }
    for (auto& id : d.changed) {
      call(self, sup, supervision::terminate_child_atom::value, id);
      call(self, sup, supervision::delete_child_atom::value, id);
      call(self, sup, supervision::start_child_atom::value, make_spec(id));
    }
    for (auto& id : d.added)
      call(self, sup, supervision::start_child_atom::value, make_spec(id));
  }

  // One request to a supervisor, bounded by the shutdown budget (a
  // terminate waits for the child's own shutdown deadline).
  template <class... Ts>
  void call(caf::scoped_actor& self, const std::string& sup, Ts&&... xs) {
    auto hdl = rt_->directory().get(sup);
    if (!hdl) {
      // It is restarting; it will start from the new config by itself.
      logging::log(level::warn, "daemon", "reload_skipped",
                   {{"supervisor", sup}, {"why", "not running"}});
      return;
    }
    auto deadline = rt_->config()->daemon.shutdown_timeout
                    + std::chrono::seconds{1};
    self->request(hdl, deadline, std::forward<Ts>(xs)...)
      .receive([](caf::ok_atom) {},
               [&](caf::error& err) {
                 logging::log(level::err, "daemon", "reload_step_failed",
                              {{"supervisor", sup},
                               {"reason", supervision::describe(err)}});
               });
  }

  std::string file_;
  std::shared_ptr<const config::tether_config> cfg_;
  runtime_ptr rt_;
};

} // namespace

int run_daemon(const std::string& file,
               std::shared_ptr<const config::tether_config> cfg) {
  setup_logging(*cfg);
  daemon d{file, std::move(cfg)};
  return d.run();
}

} // namespace tether
