#include "actors/sandbox/sandbox.hpp"

#include <chrono>
#include <ctime>
#include <map>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/outbox/confirm.hpp"
#include "actors/sandbox/transcript.hpp"
#include "actors/sandbox/type_ids.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "protocols/stdio/stdio_session.hpp"

namespace tether {

namespace {

using nlohmann::json;

/// Longest wait for a reply that `say` accepts.
constexpr int64_t max_say_wait_ms = 30'000;

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

struct sandbox_state {
  std::shared_ptr<stdio_session> session;
  uint64_t seq = 0;
  uint64_t lines_in = 0;
  uint64_t replies_out = 0;
  bool output_failed = false;
  /// Shared with the exit hook, which closes the watchers (the state is
  /// gone by then).
  std::shared_ptr<sandbox::transcript> transcript;
  /// `say` requests waiting for the first reply to their line, by id.
  std::map<std::string, caf::response_promise> waiting;
  static inline const char* name = "sandbox";
};

using self_ptr = caf::stateful_actor<sandbox_state>*;

// Turns one line into an inbound message for the router, as if typed on
// stdin; returns its id.
std::string take_line(self_ptr self, const runtime_ptr& rt,
                      const config::platform_entry& entry,
                      const config::sandbox_settings& settings,
                      uint64_t incarnation, const std::string& line,
                      const char* via) {
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
  st.transcript->add_user(line, via, msg.id, unix_ms());
  auto id = msg.id;
  auto router = rt->directory().get("core/router");
  if (!router) {
    logging::log(spdlog::level::warn, "sandbox", "router_down",
                 {{"id", msg.id}});
    return id;
  }
  self->send(router, inbound_atom::value, std::move(msg));
  return id;
}

caf::behavior sandbox_actor(self_ptr self, runtime_ptr rt,
                            config::platform_entry entry, std::string path,
                            uint64_t incarnation) {
  auto settings = std::get<config::sandbox_settings>(entry.settings);
  auto session = stdio_session::make(rt->io(), self->address(), {});
  self->state.session = session;
  auto transcript = std::make_shared<sandbox::transcript>();
  self->state.transcript = transcript;
  // The session outlives the state; close it on any exit, and end the
  // console's streams of this conversation.
  self->attach_functor([session, transcript] {
    session->close();
    transcript->close_watchers();
  });
  session->start();
  logging::log(spdlog::level::info, "sandbox", "ready",
               {{"path", path}, {"hint", "type /ping or /help"}});
  return {
    [=](line_atom, std::string& line) {
      if (line.empty())
        return;
      take_line(self, rt, entry, settings, incarnation, line, "stdin");
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
      // The console sees every reply, whatever happens to the terminal.
      auto item = st.transcript->add_bot(reply.text, reply.reply_to,
                                         unix_ms());
      auto i = st.waiting.find(reply.reply_to);
      if (i != st.waiting.end()) {
        i->second.deliver(json{{"id", reply.reply_to},
                               {"replies", json::array({item})}}
                            .dump());
        st.waiting.erase(i);
      }
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
    [=](sandbox::say_atom, const std::string& text,
        int64_t wait_ms) -> caf::result<std::string> {
      auto id = take_line(self, rt, entry, settings, incarnation, text,
                          "console");
      if (wait_ms <= 0)
        return json{{"id", id}, {"replies", json::array()}}.dump();
      auto rp = self->make_response_promise<std::string>();
      self->state.waiting.emplace(id, rp);
      self->delayed_send(self,
                         std::chrono::milliseconds{
                           std::min(wait_ms, max_say_wait_ms)},
                         sandbox::say_timeout_atom::value, id);
      return rp;
    },
    [=](sandbox::say_timeout_atom, const std::string& id) {
      auto& waiting = self->state.waiting;
      auto i = waiting.find(id);
      if (i == waiting.end())
        return; // answered already
      i->second.deliver(json{{"id", id}, {"replies", json::array()}}.dump());
      waiting.erase(i);
    },
    [=](sandbox::transcript_atom, uint32_t n) {
      return self->state.transcript->tail(n).dump();
    },
    [=](sandbox::watch_atom, sandbox::transcript_watch_ptr& w,
        uint32_t backlog) {
      self->state.transcript->watch(std::move(w), backlog);
      return caf::ok_atom::value;
    },
  };
}

} // namespace

supervision::child_spec sandbox_spec(runtime_ptr rt,
                                     const config::platform_entry& entry) {
  supervision::child_spec spec;
  spec.id = entry.id();
  spec.start = [rt, entry](supervision::child_context& ctx) {
    auto hdl = ctx.parent->system().spawn(sandbox_actor, rt, entry, ctx.path,
                                          ctx.incarnation);
    rt->directory().register_actor(ctx.path, hdl);
    return rt->directory().register_actor("sender:sandbox:" + entry.name,
                                          hdl);
  };
  return spec;
}

} // namespace tether
