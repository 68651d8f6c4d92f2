#include "actors/gateway/heartbeat.hpp"

#include <chrono>
#include <random>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/gateway/errors.hpp"
#include "actors/gateway/type_ids.hpp"

namespace tether::gateway {

namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

struct heartbeat_state {
  milliseconds interval{0};
  // Cancels ticks of an earlier Hello (0.17 cannot cancel delayed sends).
  uint64_t generation = 0;
  bool awaiting_ack = false;
  caf::actor_clock::time_point sent_at;
  milliseconds last_rtt{-1};
  std::minstd_rand rng{std::random_device{}()};
  static inline const char* name = "gateway.heartbeat";
};

caf::behavior heartbeat(caf::stateful_actor<heartbeat_state>* self,
                        caf::actor connection) {
  self->send(connection, hb_hello_atom::value,
             caf::actor_cast<caf::actor>(self));
  auto beat = [=] {
    auto& st = self->state;
    st.awaiting_ack = true;
    st.sent_at = self->clock().now();
    self->send(connection, hb_send_atom::value);
  };
  return {
    [=](hb_start_atom, int64_t interval_ms) {
      auto& st = self->state;
      st.interval = milliseconds{interval_ms};
      st.awaiting_ack = false;
      // Jitter only the first beat, so shards do not beat in lockstep.
      std::uniform_real_distribution<double> jitter{0.0, 1.0};
      auto first = milliseconds{
        static_cast<int64_t>(interval_ms * jitter(st.rng))};
      self->delayed_send(self, first, hb_tick_atom::value, ++st.generation);
    },
    [=](hb_tick_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.generation)
        return;
      if (st.awaiting_ack) {
        self->quit(caf::make_error(gateway_errc::zombie,
                                   "no heartbeat ACK within "
                                     + std::to_string(st.interval.count())
                                     + "ms"));
        return;
      }
      beat();
      self->delayed_send(self, st.interval, hb_tick_atom::value, generation);
    },
    [=](hb_now_atom) { beat(); },
    [=](hb_ack_atom) {
      auto& st = self->state;
      if (!st.awaiting_ack)
        return;
      st.awaiting_ack = false;
      st.last_rtt = std::chrono::duration_cast<milliseconds>(
        self->clock().now() - st.sent_at);
    },
  };
}

} // namespace

caf::actor spawn_heartbeat(caf::local_actor* parent, caf::actor connection) {
  return parent->system().spawn(heartbeat, std::move(connection));
}

} // namespace tether::gateway
