// The outbox's bookkeeping: which reply goes out next, when, and what
// happens when a sender confirms, fails or stays silent. Pure logic with
// the time passed in; the outbox actor does the messaging around it.
//
// Replies of one room are handed to the sender in order and no faster than
// the room's pace, at most `window` of them unconfirmed at once (senders
// keep the order they were given). A reply that has to be tried again
// holds back the replies after it that were not sent yet, so only a retry
// can overtake. Rooms do not wait for each other.

#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/message.hpp"
#include "protocols/pacing/keyed_pacer.hpp"

namespace tether {

class outbox_book {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  struct limits {
    /// Time one reply costs in its room (1 / rate).
    duration interval = std::chrono::milliseconds{100};
    size_t burst = 5;
    duration ack_timeout = std::chrono::seconds{60};
    size_t max_attempts = 10;
    duration max_age = std::chrono::hours{24};
    /// Unconfirmed replies per room at once (1 = strictly one by one).
    size_t window = 4;
  };

  /// A reply given up, with the reason for the log.
  struct dropped {
    uint64_t id = 0;
    outbound_reply reply;
    std::string reason;
  };

  /// What poll() decided.
  struct step {
    /// Replies to hand to their senders now, `outbox_id` set.
    std::vector<outbound_reply> send;
    std::vector<dropped> drops;
    /// When to poll next; none while nothing waits.
    std::optional<time_point> wake;
  };

  explicit outbox_book(limits lim);

  /// Queues reply `id` (at the end of its room), created at `created`.
  /// `attempts` counts earlier sends (a reply recovered after a restart).
  void add(uint64_t id, outbound_reply reply, time_point created,
           time_point now, size_t attempts = 0);

  /// Does everything that is due at `now`. `sender_up(key)` says whether
  /// `sender:<platform>:<bot>` is running.
  step poll(time_point now,
            const std::function<bool(const std::string&)>& sender_up);

  /// The sender confirmed `id`; false if `id` was not in flight.
  bool sent(uint64_t id, time_point now);

  /// The sender gave up on `id`; a permanent failure drops it (returned),
  /// anything else retries it after a backoff.
  std::optional<dropped> failed(uint64_t id, const std::string& error,
                                bool permanent, time_point now);

  /// Replies not yet confirmed or given up.
  size_t depth() const {
    return items_.size();
  }

  /// Attempts so far of reply `id` (0 if unknown).
  size_t attempts(uint64_t id) const;

  /// `received_ns` of reply `id` (0 if unknown).
  int64_t received_ns(uint64_t id) const;

  /// The platform kind of reply `id` (empty if unknown).
  std::string platform_of(uint64_t id) const;

  /// Backoff before the attempt after `attempts` failed ones: 1 s,
  /// doubling, at most 60 s.
  static duration backoff(size_t attempts);

  /// `platform:bot/room/thread` of a reply: one queue and one pace each.
  static std::string room_of(const outbound_reply& reply);

private:
  struct item {
    outbound_reply reply;
    time_point created;
    size_t attempts = 0;
    time_point next_try;
    std::optional<time_point> slot;
    std::string last_error;
    /// Handed to the sender and not confirmed yet, until this deadline.
    std::optional<time_point> ack_deadline;
  };

  struct room {
    /// Every unconfirmed reply, in order.
    std::deque<uint64_t> ids;
  };

  /// Ends `id` (sent or dropped): out of its room `key` and of items_.
  void forget(uint64_t id, const std::string& key);

  void schedule(const std::string& key, time_point at);
  void process(const std::string& key, time_point now,
               const std::function<bool(const std::string&)>& sender_up,
               step& out);
  void drop(room& r, std::deque<uint64_t>::iterator pos, std::string reason,
            step& out);

  limits limits_;
  pacing::keyed_pacer pacer_;
  std::unordered_map<uint64_t, item> items_;
  std::unordered_map<std::string, room> rooms_;
  std::multimap<time_point, std::string> due_;
};

} // namespace tether
