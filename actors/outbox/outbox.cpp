#include "actors/outbox/outbox.hpp"

#include <optional>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/outbox/idempotency_key.hpp"
#include "actors/outbox/outbox_book.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"

namespace tether {

namespace {

using level = spdlog::level::level_enum;
using time_point = outbox_book::time_point;

outbox_book::limits limits_of(const config::tether_config& all) {
  auto& cfg = all.outbox;
  outbox_book::limits lim;
  lim.interval = std::chrono::duration_cast<outbox_book::duration>(
    std::chrono::duration<double>{1.0 / cfg.room_rate});
  lim.burst = cfg.room_burst;
  lim.ack_timeout = cfg.ack_timeout;
  lim.max_attempts = all.store.max_attempts;
  lim.max_age = cfg.max_age;
  return lim;
}

struct outbox_state {
  // Set in outbox(): CAF 0.17 states are default-constructed.
  std::optional<outbox_book> book;
  key_generator keys;
  uint64_t next_id = 1;
  std::optional<time_point> wake_at;
  uint64_t accepted = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t retried = 0;
  static inline const char* name = "outbox";
};

using self_ptr = caf::stateful_actor<outbox_state>*;

void log_drop(const outbox_book::dropped& d) {
  logging::log(level::warn, "outbox", "reply_dropped",
               {{"platform", d.reply.platform + ":" + d.reply.bot},
                {"room", d.reply.context.room_id},
                {"reply_to", d.reply.reply_to},
                {"reason", d.reason}});
}

void pump(self_ptr self, runtime_ptr rt) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto step = st.book->poll(now, [&](const std::string& key) {
    return static_cast<bool>(rt->directory().get(key));
  });
  for (auto& reply : step.send) {
    auto sender = rt->directory().get("sender:" + reply.platform + ":"
                                      + reply.bot);
    if (sender)
      self->send(sender, reply_atom::value, std::move(reply));
    // else: it went down since poll(); the ack timeout resends it
  }
  for (auto& d : step.drops) {
    ++st.dropped;
    log_drop(d);
  }
  if (step.wake && (!st.wake_at || *step.wake < *st.wake_at)) {
    st.wake_at = step.wake;
    self->scheduled_send(self, *step.wake, outbox_pump_atom::value);
  }
}

caf::behavior outbox(self_ptr self, runtime_ptr rt) {
  self->state.book.emplace(limits_of(*rt->config()));
  return {
    [=](outbox_atom, outbound_reply& reply) {
      auto& st = self->state;
      if (reply.idempotency_key.empty())
        reply.idempotency_key = st.keys.next();
      ++st.accepted;
      auto now = self->clock().now();
      st.book->add(st.next_id++, std::move(reply), now, now);
      pump(self, rt);
    },
    [=](reply_result_atom, uint64_t id, bool ok, std::string& error,
        bool permanent) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (ok) {
        if (st.book->sent(id, now))
          ++st.sent;
      } else if (auto d = st.book->failed(id, error, permanent, now)) {
        ++st.dropped;
        log_drop(*d);
      } else {
        ++st.retried;
        logging::log(level::info, "outbox", "reply_retry",
                     {{"id", std::to_string(id)},
                      {"attempts", std::to_string(st.book->attempts(id))},
                      {"error", error}});
      }
      pump(self, rt);
    },
    [=](outbox_pump_atom) {
      auto& st = self->state;
      if (st.wake_at && self->clock().now() >= *st.wake_at)
        st.wake_at.reset();
      pump(self, rt);
    },
  };
}

} // namespace

supervision::child_spec outbox_spec(runtime_ptr rt) {
  supervision::child_spec spec;
  spec.id = "outbox";
  spec.start = [rt](supervision::child_context& ctx) {
    return rt->directory().register_actor(
      ctx.path, ctx.parent->system().spawn(outbox, rt));
  };
  return spec;
}

} // namespace tether
