#include "actors/handlers/plugin.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/message_json.hpp"
#include "protocols/plugin/protocol.hpp"
#include "protocols/process/child_process.hpp"
#include "protocols/process/type_ids.hpp"
#include "supervision/policy.hpp"
#include "supervision/reason.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_plugin, caf::id_block::tether_process::end)

  /// plugin -> itself: the hello deadline passed.
  CAF_ADD_ATOM(tether_plugin, tether, plug_hello_atom, "plughello")
  /// plugin -> itself (std::string call id): a call's deadline passed.
  CAF_ADD_ATOM(tether_plugin, tether, plug_call_atom, "plugcall")

CAF_END_TYPE_ID_BLOCK(tether_plugin)

namespace tether {

/// Why a plugin actor exited (category `plugin`).
enum class plugin_errc : uint8_t {
  none = 0,
  /// The process ended (how, in the context: status or signal).
  process_ended,
  /// No valid hello within hello_timeout.
  hello_timeout,
  /// The hello named another protocol version.
  bad_hello,
  /// Too many calls in a row went unanswered.
  unresponsive,
  /// The plugin does not read its stdin.
  stdin_failed,
  /// One call went unanswered (the call's error, not an exit reason).
  call_timeout,
};

} // namespace tether

CAF_ERROR_CODE_ENUM(tether::plugin_errc, "plugin")

namespace tether {

namespace {

using namespace std::chrono_literals;
using level = spdlog::level::level_enum;
using time_point = caf::actor_clock::time_point;

/// Calls that may wait for the hello; more fail at once.
constexpr size_t max_waiting = 1000;

/// stderr lines logged per second; the rest are counted.
constexpr uint64_t stderr_per_second = 20;

std::string to_string(plugin_errc x) {
  switch (x) {
    case plugin_errc::none: return "none";
    case plugin_errc::process_ended: return "plugin process ended";
    case plugin_errc::hello_timeout: return "plugin hello timeout";
    case plugin_errc::bad_hello: return "plugin hello rejected";
    case plugin_errc::unresponsive: return "plugin unresponsive";
    case plugin_errc::stdin_failed: return "plugin stdin failed";
    case plugin_errc::call_timeout: return "plugin call timeout";
  }
  return "plugin error";
}

void register_error_category() {
  supervision::register_category(caf::atom("plugin"), [](uint8_t code) {
    return to_string(static_cast<plugin_errc>(code));
  });
}

/// At most `per_second` events are let through in each second; the rest
/// are counted and reported with the next one let through.
struct rate_limit {
  time_point window;
  uint64_t in_window = 0;
  uint64_t suppressed = 0;

  /// True if this event may be logged; `*skipped` gets the count of
  /// events swallowed since the last logged one.
  bool allow(time_point now, uint64_t per_second, uint64_t* skipped) {
    if (now - window >= 1s) {
      window = now;
      in_window = 0;
    }
    if (in_window >= per_second) {
      ++suppressed;
      return false;
    }
    ++in_window;
    *skipped = suppressed;
    suppressed = 0;
    return true;
  }
};

struct call {
  std::string message_id;
  caf::typed_response_promise<handler_result> rp;
};

struct plugin_state {
  std::shared_ptr<child_process> proc;
  bool ready = false;
  /// Set once the actor decided to exit; later input is ignored.
  bool done = false;
  /// From the plugin's hello.
  std::string plugin_name;
  int pid = 0;
  uint64_t next_call = 1;
  std::map<std::string, call> calls;
  /// Call lines written once the hello arrived.
  std::deque<std::string> waiting;
  size_t consecutive_timeouts = 0;
  uint64_t replies = 0;
  uint64_t timeouts = 0;
  uint64_t late_replies = 0;
  uint64_t bad_lines = 0;
  rate_limit bad_line_log;
  rate_limit stderr_log;
  static inline const char* name = "handler.plugin";
};

using self_ptr = caf::stateful_actor<plugin_state>*;

class plugin_logic {
public:
  plugin_logic(self_ptr self, runtime_ptr rt, std::string handler,
               config::plugin_settings cfg, config::duration handler_timeout,
               std::string path)
    : self_(self),
      rt_(std::move(rt)),
      handler_(std::move(handler)),
      cfg_(std::move(cfg)),
      call_timeout_(std::min(cfg_.call_timeout, handler_timeout)),
      path_(std::move(path)) {
    // nop
  }

  void start() {
    child_process::options opts;
    opts.argv = cfg_.command;
    opts.argv.insert(opts.argv.end(), cfg_.args.begin(), cfg_.args.end());
    opts.env = cfg_.env;
    opts.working_dir = cfg_.working_dir;
    opts.max_line = cfg_.max_line;
    opts.write_timeout = std::max<std::chrono::milliseconds>(
      5s, std::chrono::duration_cast<std::chrono::milliseconds>(call_timeout_));
    opts.kill_grace = std::chrono::duration_cast<std::chrono::milliseconds>(
      cfg_.stop_timeout);
    auto proc = child_process::make(rt_->io(), self_->address(),
                                    std::move(opts));
    self_->state.proc = proc;
    // The state is gone by the time attachables run: capture the process.
    self_->attach_functor([proc](const caf::error&) { proc->terminate(); });
    proc->start();
    proc->write_line(plugin::make_hello(handler_));
    self_->delayed_send(self_, cfg_.hello_timeout, plug_hello_atom::value);
  }

  caf::result<handler_result> on_message(const inbound_message& msg) {
    auto& st = self_->state;
    if (st.done)
      return handler_result{};
    if (!st.ready && st.waiting.size() >= max_waiting) {
      log(level::warn, "call_dropped",
          {{"id", msg.id}, {"why", "too many calls wait for the hello"}});
      return handler_result{};
    }
    auto id = std::to_string(st.next_call++);
    auto rp = self_->make_response_promise<handler_result>();
    st.calls.emplace(id, call{msg.id, rp});
    auto line = plugin::make_call(id, msg);
    if (st.ready)
      st.proc->write_line(std::move(line));
    else
      st.waiting.push_back(std::move(line));
    self_->delayed_send(self_, call_timeout_, plug_call_atom::value, id);
    return rp;
  }

  void on_started(int pid) {
    self_->state.pid = pid;
    log(level::info, "started",
        {{"pid", std::to_string(pid)}, {"command", command_line()}});
  }

  void on_line(const std::string& line) {
    auto& st = self_->state;
    if (st.done)
      return;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      return;
    auto f = plugin::parse_line(line);
    if (auto x = std::get_if<plugin::hello_frame>(&f))
      return on_hello(*x);
    if (auto x = std::get_if<plugin::reply_frame>(&f))
      return on_reply(*x);
    if (auto x = std::get_if<plugin::log_frame>(&f)) {
      std::vector<logging::field> fields{{"path", path_},
                                         {"plugin", plugin_name()},
                                         {"message", x->message}};
      logging::log(x->level, "plugin", "log", fields);
      return;
    }
    bad_line(std::get<plugin::bad_frame>(f).why, line);
  }

  void on_overlong(uint64_t bytes) {
    bad_line("a line of " + std::to_string(bytes) + " bytes, above max_line "
               + std::to_string(cfg_.max_line),
             {});
  }

  void on_stderr(const std::string& line) {
    auto& st = self_->state;
    uint64_t skipped = 0;
    if (!st.stderr_log.allow(self_->clock().now(), stderr_per_second,
                             &skipped))
      return;
    std::vector<logging::field> fields{{"path", path_},
                                       {"plugin", plugin_name()},
                                       {"line", line}};
    if (skipped > 0)
      fields.push_back({"suppressed", std::to_string(skipped)});
    logging::log(level::warn, "plugin", "stderr", fields);
  }

  void on_hello_deadline() {
    auto& st = self_->state;
    if (st.ready || st.done)
      return;
    fail(caf::make_error(plugin_errc::hello_timeout,
                         "no hello within "
                           + supervision::format_duration(cfg_.hello_timeout)));
  }

  void on_call_deadline(const std::string& id) {
    auto& st = self_->state;
    auto i = st.calls.find(id);
    if (i == st.calls.end() || st.done)
      return;
    auto message_id = i->second.message_id;
    i->second.rp.deliver(caf::make_error(
      plugin_errc::call_timeout,
      "no reply within " + supervision::format_duration(call_timeout_)));
    st.calls.erase(i);
    ++st.timeouts;
    ++st.consecutive_timeouts;
    log(level::warn, "call_timeout",
        {{"id", message_id},
         {"call", id},
         {"in_a_row", std::to_string(st.consecutive_timeouts)}});
    if (st.consecutive_timeouts >= cfg_.max_timeouts)
      fail(caf::make_error(
        plugin_errc::unresponsive,
        std::to_string(st.consecutive_timeouts) + " calls in a row got no "
          + "reply within " + supervision::format_duration(call_timeout_)));
  }

  void on_exited(const std::string& how) {
    if (self_->state.done)
      return;
    fail(caf::make_error(plugin_errc::process_ended, how));
  }

  void on_io_error(const std::string& why) {
    if (self_->state.done)
      return;
    fail(caf::make_error(plugin_errc::stdin_failed, why));
  }

private:
  void on_hello(const plugin::hello_frame& x) {
    auto& st = self_->state;
    if (st.ready) {
      log(level::warn, "hello_again", {{"name", x.name}});
      return;
    }
    st.ready = true;
    st.plugin_name = x.name;
    log(level::info, "ready",
        {{"plugin", x.name}, {"version", std::to_string(x.version)},
         {"pid", std::to_string(st.pid)}});
    for (auto& line : st.waiting)
      st.proc->write_line(std::move(line));
    st.waiting.clear();
  }

  void on_reply(plugin::reply_frame& x) {
    auto& st = self_->state;
    auto i = st.calls.find(x.id);
    if (i == st.calls.end()) {
      // Answered after its deadline, or an id we never sent.
      ++st.late_replies;
      log(level::debug, "late_reply", {{"call", x.id}});
      return;
    }
    if (x.dropped > 0)
      log(level::warn, "replies_dropped",
          {{"id", i->second.message_id},
           {"dropped", std::to_string(x.dropped)},
           {"max", std::to_string(max_reply_texts)}});
    i->second.rp.deliver(handler_result{std::move(x.texts)});
    st.calls.erase(i);
    st.consecutive_timeouts = 0;
    ++st.replies;
  }

  void bad_line(const std::string& why, const std::string& line) {
    auto& st = self_->state;
    // A hello that names another version can never work: restarting the
    // same program would not help either, but the supervisor decides.
    if (!st.ready && why.rfind("hello:", 0) == 0)
      return fail(caf::make_error(plugin_errc::bad_hello, why));
    ++st.bad_lines;
    uint64_t skipped = 0;
    if (!st.bad_line_log.allow(self_->clock().now(), 1, &skipped))
      return;
    std::vector<logging::field> fields{
      {"path", path_}, {"plugin", plugin_name()}, {"error", why},
      {"total", std::to_string(st.bad_lines)}};
    if (!line.empty())
      fields.push_back(
        {"line", line.size() > 200 ? line.substr(0, 200) + "..." : line});
    if (skipped > 0)
      fields.push_back({"suppressed", std::to_string(skipped)});
    logging::log(level::warn, "plugin", "bad_line", fields);
  }

  void fail(const caf::error& reason) {
    auto& st = self_->state;
    st.done = true;
    log(level::warn, "stopping",
        {{"reason", supervision::describe(reason)},
         {"calls_abandoned", std::to_string(st.calls.size())}});
    self_->quit(reason);
  }

  std::string plugin_name() const {
    auto& name = self_->state.plugin_name;
    return name.empty() ? handler_ : name;
  }

  std::string command_line() const {
    std::string out;
    for (auto* xs : {&cfg_.command, &cfg_.args})
      for (auto& x : *xs)
        out += (out.empty() ? "" : " ") + x;
    return out;
  }

  void log(level lvl, std::string_view event,
           std::vector<logging::field> fields = {}) {
    fields.insert(fields.begin(), {"path", path_});
    logging::log(lvl, "plugin", event, fields);
  }

  self_ptr self_;
  runtime_ptr rt_;
  std::string handler_;
  config::plugin_settings cfg_;
  config::duration call_timeout_;
  std::string path_;
};

caf::behavior plugin_actor(self_ptr self, runtime_ptr rt, std::string handler,
                           config::plugin_settings cfg,
                           config::duration handler_timeout,
                           std::string path) {
  auto logic = std::make_shared<plugin_logic>(self, std::move(rt),
                                              std::move(handler),
                                              std::move(cfg), handler_timeout,
                                              std::move(path));
  logic->start();
  return {
    [=](handle_atom,
        const inbound_message& msg) -> caf::result<handler_result> {
      return logic->on_message(msg);
    },
    [=](proc_started_atom, int pid) { logic->on_started(pid); },
    [=](proc_out_atom, const std::string& line) { logic->on_line(line); },
    [=](proc_err_atom, const std::string& line) { logic->on_stderr(line); },
    [=](proc_overlong_atom, uint64_t bytes) { logic->on_overlong(bytes); },
    [=](proc_io_error_atom, const std::string& why) {
      logic->on_io_error(why);
    },
    [=](proc_exited_atom, const std::string& how) { logic->on_exited(how); },
    [=](plug_hello_atom) { logic->on_hello_deadline(); },
    [=](plug_call_atom, const std::string& id) {
      logic->on_call_deadline(id);
    },
  };
}

} // namespace

supervision::child_spec plugin_spec(runtime_ptr rt,
                                    const config::handler_entry& entry) {
  register_error_category();
  auto settings = std::get<config::plugin_settings>(entry.settings);
  auto timeout = entry.timeout;
  auto name = entry.name;
  supervision::child_spec spec;
  spec.id = entry.name;
  spec.start = [rt, name, settings,
                timeout](supervision::child_context& ctx) {
    return rt->directory().register_actor(
      ctx.path, ctx.parent->system().spawn(plugin_actor, rt, name, settings,
                                           timeout, ctx.path));
  };
  return spec;
}

} // namespace tether
