#include "actors/sandbox/sandbox.hpp"

#include <ctime>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/outbox/confirm.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/stdio/stdio_session.hpp"

namespace tether {

namespace {

struct sandbox_state {
  std::shared_ptr<stdio_session> session;
  uint64_t seq = 0;
  uint64_t lines_in = 0;
  uint64_t replies_out = 0;
  bool output_failed = false;
  static inline const char* name = "sandbox";
};

caf::behavior sandbox(caf::stateful_actor<sandbox_state>* self,
                      runtime_ptr rt, config::platform_entry entry,
                      std::string path, uint64_t incarnation) {
  auto settings = std::get<config::sandbox_settings>(entry.settings);
  auto session = stdio_session::make(rt->io(), self->address(), {});
  self->state.session = session;
  // The session outlives the state; close it on any exit.
  self->attach_functor([session] { session->close(); });
  session->start();
  logging::log(spdlog::level::info, "sandbox", "ready",
               {{"path", path}, {"hint", "type /ping or /help"}});
  return {
    [=](line_atom, std::string& line) {
      if (line.empty())
        return;
      auto& st = self->state;
      ++st.lines_in;
      inbound_message msg;
      msg.platform = "sandbox";
      msg.bot = entry.name;
      msg.id = std::to_string(incarnation) + "-" + std::to_string(++st.seq);
      msg.sender = {"local", settings.user};
      msg.text = line;
      msg.segments.push_back({"text", line, {}});
      msg.timestamp = static_cast<int64_t>(std::time(nullptr));
      msg.context.room_id = "console";
      msg.mentions_bot = true; // a direct conversation with the bot
      auto router = rt->directory().get("core/router");
      if (!router) {
        logging::log(spdlog::level::warn, "sandbox", "router_down",
                     {{"id", msg.id}});
        return;
      }
      self->send(router, inbound_atom::value, std::move(msg));
    },
    [=](eof_atom) {
      logging::log(spdlog::level::info, "sandbox", "input_closed",
                   {{"path", path}});
    },
    [=](io_error_atom, const std::string& what) {
      // A broken terminal must not take the daemon down: log and go on.
      self->state.output_failed = true;
      logging::log(spdlog::level::warn, "sandbox", "io_error",
                   {{"path", path}, {"error", what}});
    },
    [=](reply_atom, outbound_reply& reply) {
      auto& st = self->state;
      if (st.output_failed) {
        // The terminal is gone for good: no later try would print it.
        confirm_reply(*rt, reply.outbox_id, reply_outcome::rejected,
                      "the sandbox output failed");
        return;
      }
      ++st.replies_out;
      st.session->write_line(settings.reply_prefix + reply.text);
      // The session has no per-line completion: a queued line counts as
      // sent (the write is local and bounded by its own timeout).
      confirm_reply(*rt, reply.outbox_id, reply_outcome::sent);
    },
  };
}

} // namespace

supervision::child_spec sandbox_spec(runtime_ptr rt,
                                     const config::platform_entry& entry) {
  supervision::child_spec spec;
  spec.id = entry.id();
  spec.start = [rt, entry](supervision::child_context& ctx) {
    auto hdl = ctx.parent->system().spawn(sandbox, rt, entry, ctx.path,
                                          ctx.incarnation);
    rt->directory().register_actor(ctx.path, hdl);
    return rt->directory().register_actor("sender:sandbox:" + entry.name,
                                          hdl);
  };
  return spec;
}

} // namespace tether
