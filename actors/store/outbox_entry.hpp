// One reply in the durable outbox: what to send where, and how far it got.

#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace tether::store {

enum class outbox_state : uint8_t {
  /// Written, not yet confirmed by the platform.
  pending,
  /// The platform accepted it.
  sent,
  /// Given up: past its deadline, out of attempts or rejected for good.
  dropped,
};

std::string to_string(outbox_state x);

struct outbox_entry {
  /// Row id, assigned by the store on put (0 before).
  uint64_t id = 0;
  /// Platform kind and entry name of the sender, e.g. `discord`, `main`.
  std::string platform;
  std::string bot;
  std::string room_id;
  std::string thread_id;
  std::string guild_id;
  /// Id of the inbound message this answers (empty: not a reply).
  std::string reply_to;
  std::string text;
  /// 1-based index of this reply among the replies to `reply_to`.
  uint32_t seq = 1;
  /// Unique when not empty: a second put with the same key returns the
  /// first row's id instead of adding a row, so replaying an inbound
  /// message never doubles its replies.
  std::string idempotency_key;
  /// Wall-clock milliseconds since the epoch.
  int64_t created_ms = 0;
  /// After this the platform no longer accepts the reply; 0 = never.
  int64_t deadline_ms = 0;
  /// Failed attempts so far.
  uint32_t attempts = 0;
  outbox_state state = outbox_state::pending;
  std::string last_error;
  /// When the platform accepted it; 0 while not sent.
  int64_t sent_ms = 0;
};

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, outbox_entry& x) {
  return f(caf::meta::type_name("outbox_entry"), x.id, x.platform, x.bot,
           x.room_id, x.thread_id, x.guild_id, x.reply_to, x.text, x.seq,
           x.idempotency_key, x.created_ms, x.deadline_ms, x.attempts, x.state,
           x.last_error, x.sent_ms);
}

} // namespace tether::store
