#include "actors/outbox/outbox.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <caf/send.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/metrics/names.hpp"
#include "actors/outbox/idempotency_key.hpp"
#include "actors/outbox/outbox_book.hpp"
#include "actors/store/outbox_entry.hpp"
#include "actors/store/type_ids.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "supervision/reason.hpp"

namespace tether {

namespace {

using level = spdlog::level::level_enum;
using time_point = outbox_book::time_point;
using store::outbox_entry;

// Replies the store could not take get ids from here up: they are sent,
// but not durable, and the store is never told about them.
constexpr uint64_t first_volatile_id = uint64_t{1} << 62;

bool durable(uint64_t id) {
  return id < first_volatile_id;
}

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

outbox_entry to_entry(const outbound_reply& r) {
  outbox_entry e;
  e.platform = r.platform;
  e.bot = r.bot;
  e.room_id = r.context.room_id;
  e.thread_id = r.context.thread_id;
  e.guild_id = r.context.guild_id;
  e.reply_to = r.reply_to;
  e.text = r.text;
  e.seq = r.seq;
  e.idempotency_key = r.idempotency_key;
  e.created_ms = wall_ms();
  return e;
}

outbound_reply to_reply(const outbox_entry& e) {
  outbound_reply r;
  r.platform = e.platform;
  r.bot = e.bot;
  r.context.room_id = e.room_id;
  r.context.thread_id = e.thread_id;
  r.context.guild_id = e.guild_id;
  r.reply_to = e.reply_to;
  r.text = e.text;
  r.seq = e.seq;
  r.idempotency_key = e.idempotency_key;
  return r;
}

outbox_book::limits limits_of(const config::tether_config& all) {
  auto& cfg = all.outbox;
  outbox_book::limits lim;
  lim.interval = std::chrono::duration_cast<outbox_book::duration>(
    std::chrono::duration<double>{1.0 / cfg.room_rate});
  lim.burst = cfg.room_burst;
  lim.window = cfg.room_window;
  lim.ack_timeout = cfg.ack_timeout;
  lim.max_attempts = all.store.max_attempts;
  lim.max_age = cfg.max_age;
  return lim;
}

struct outbox_state {
  // Set in outbox(): CAF 0.17 states are default-constructed.
  std::optional<outbox_book> book;
  key_generator keys;
  uint64_t next_volatile_id = first_volatile_id;
  std::optional<time_point> wake_at;
  uint64_t accepted = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t retried = 0;
  uint64_t volatile_replies = 0;
  std::map<std::string, time_point> down_logged;
  static inline const char* name = "outbox";
};

using self_ptr = caf::stateful_actor<outbox_state>*;

void count_reply(const outbound_reply& r, const char* result) {
  metrics::replies().with({r.platform, result}).inc();
}

void log_drop(const outbox_book::dropped& d) {
  count_reply(d.reply, "dropped");
  logging::log(level::warn, "outbox", "reply_dropped",
               {{"platform", d.reply.platform + ":" + d.reply.bot},
                {"room", d.reply.context.room_id},
                {"reply_to", d.reply.reply_to},
                {"reason", d.reason}});
}

// Fire and forget: the store keeps the row's state; nothing waits for it.
template <class Atom, class... Ts>
void tell_store(const runtime_ptr& rt, Atom atom, uint64_t id, Ts&&... xs) {
  if (!durable(id))
    return;
  if (auto store = rt->directory().get("core/store"))
    caf::anon_send(store, atom, id, std::forward<Ts>(xs)...);
}

void pump(self_ptr self, runtime_ptr rt) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto step = st.book->poll(now, [&](const std::string& key) {
    if (rt->directory().get(key))
      return true;
    // Waiting for a platform that is restarting or parked: said once per
    // platform and 10 s, not once per reply and attempt.
    auto& last = st.down_logged[key];
    if (last == time_point{} || now - last >= std::chrono::seconds{10}) {
      last = now;
      logging::log(level::warn, "outbox", "sender_down",
                   {{"platform", key.substr(7)},
                    {"depth", std::to_string(st.book->depth())}});
    }
    return false;
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
    tell_store(rt, store::store_failed_atom::value, d.id, d.reason, true);
  }
  metrics::outbox_depth().get().set(static_cast<double>(st.book->depth()));
  if (step.wake && (!st.wake_at || *step.wake < *st.wake_at)) {
    st.wake_at = step.wake;
    self->scheduled_send(self, *step.wake, outbox_pump_atom::value);
  }
}

// Replies written before a crash or restart go first, in their order.
void recover(self_ptr self, runtime_ptr rt) {
  auto store = rt->directory().get("core/store");
  if (!store)
    return;
  // await: new replies wait in the mailbox until the old ones are queued.
  self->request(store, std::chrono::seconds{10}, store::store_pending_atom::value)
    .await(
      [=](std::vector<outbox_entry>& rows) {
        if (rows.empty())
          return;
        auto now = self->clock().now();
        auto wall = wall_ms();
        for (auto& row : rows) {
          auto age = std::chrono::milliseconds{
            std::max<int64_t>(0, wall - row.created_ms)};
          self->state.book->add(row.id, to_reply(row), now - age, now,
                                row.attempts);
        }
        logging::log(level::info, "outbox", "recovered",
                     {{"replies", std::to_string(rows.size())}});
        pump(self, rt);
      },
      [=](caf::error& err) {
        logging::log(level::warn, "outbox", "recovery_failed",
                     {{"error", supervision::describe(err)}});
      });
}

caf::behavior outbox(self_ptr self, runtime_ptr rt) {
  self->state.book.emplace(limits_of(*rt->config()));
  recover(self, rt);
  return {
    [=](outbox_atom, outbound_reply& reply) {
      auto& st = self->state;
      if (reply.idempotency_key.empty())
        reply.idempotency_key = st.keys.next();
      ++st.accepted;
      auto add = [=](uint64_t id, outbound_reply r) {
        auto now = self->clock().now();
        self->state.book->add(id, std::move(r), now, now);
        pump(self, rt);
      };
      auto store = rt->directory().get("core/store");
      if (!store) {
        ++st.volatile_replies;
        add(st.next_volatile_id++, std::move(reply));
        return;
      }
      // Written before it is sent: a crash from here on resends it.
      auto timeout = rt->config()->store.op_timeout + std::chrono::seconds{1};
      self->request(store, timeout, store::store_put_atom::value,
                    to_entry(reply))
        .then([=](uint64_t id) mutable { add(id, std::move(reply)); },
              [=](caf::error& err) mutable {
                ++self->state.volatile_replies;
                logging::log(level::warn, "outbox", "not_durable",
                             {{"reply_to", reply.reply_to},
                              {"error", supervision::describe(err)}});
                add(self->state.next_volatile_id++, std::move(reply));
              });
    },
    [=](reply_result_atom, uint64_t id, bool ok, std::string& error,
        bool permanent) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (ok) {
        auto received = st.book->received_ns(id);
        auto platform = st.book->platform_of(id);
        if (st.book->sent(id, now)) {
          ++st.sent;
          metrics::replies().with({platform, "sent"}).inc();
          if (received > 0) {
            auto since = now.time_since_epoch()
                         - std::chrono::nanoseconds{received};
            metrics::message_latency().with({platform}).observe(
              std::chrono::duration<double>(since).count());
          }
          tell_store(rt, store::store_sent_atom::value, id);
        }
      } else if (auto d = st.book->failed(id, error, permanent, now)) {
        ++st.dropped;
        log_drop(*d);
        tell_store(rt, store::store_failed_atom::value, id, d->reason, true);
      } else {
        metrics::replies().with({st.book->platform_of(id), "retry"}).inc();
        tell_store(rt, store::store_failed_atom::value, id, error, false);
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
