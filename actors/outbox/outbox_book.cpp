#include "actors/outbox/outbox_book.hpp"

#include <algorithm>

namespace tether {

namespace {

pacing::pacer_limits pacer_limits_of(const outbox_book::limits& lim) {
  pacing::pacer_limits p;
  p.interval = lim.interval;
  p.burst = std::max<size_t>(lim.burst, 1);
  p.max_keys = 100'000;
  p.max_delay = std::chrono::minutes{10};
  return p;
}

} // namespace

outbox_book::outbox_book(limits lim)
  : limits_(lim), pacer_(pacer_limits_of(lim)) {
  // nop
}

std::string outbox_book::room_of(const outbound_reply& reply) {
  return reply.platform + ":" + reply.bot + "/" + reply.context.room_id + "/"
         + reply.context.thread_id;
}

outbox_book::duration outbox_book::backoff(size_t attempts) {
  auto d = std::chrono::seconds{1};
  for (size_t i = 1; i < attempts && d < std::chrono::seconds{60}; ++i)
    d *= 2;
  return std::min<duration>(d, std::chrono::seconds{60});
}

size_t outbox_book::attempts(uint64_t id) const {
  auto i = items_.find(id);
  return i == items_.end() ? 0 : i->second.attempts;
}

int64_t outbox_book::received_ns(uint64_t id) const {
  auto i = items_.find(id);
  return i == items_.end() ? 0 : i->second.reply.received_ns;
}

std::string outbox_book::platform_of(uint64_t id) const {
  auto i = items_.find(id);
  return i == items_.end() ? std::string{} : i->second.reply.platform;
}

void outbox_book::add(uint64_t id, outbound_reply reply, time_point created,
                      time_point now, size_t attempts) {
  auto key = room_of(reply);
  item x;
  x.reply = std::move(reply);
  x.created = created;
  x.attempts = attempts;
  x.next_try = now;
  items_.emplace(id, std::move(x));
  rooms_[key].ids.push_back(id);
  schedule(key, now);
}

void outbox_book::schedule(const std::string& key, time_point at) {
  due_.emplace(at, key);
}

outbox_book::step
outbox_book::poll(time_point now,
                  const std::function<bool(const std::string&)>& sender_up) {
  step out;
  while (!due_.empty() && due_.begin()->first <= now) {
    auto key = std::move(due_.begin()->second);
    due_.erase(due_.begin());
    process(key, now, sender_up, out);
  }
  if (!due_.empty())
    out.wake = due_.begin()->first;
  return out;
}

void outbox_book::drop(room& r, std::deque<uint64_t>::iterator pos,
                       std::string reason, step& out) {
  auto id = *pos;
  r.ids.erase(pos);
  auto i = items_.find(id);
  if (i == items_.end())
    return;
  out.drops.push_back({id, std::move(i->second.reply), std::move(reason)});
  items_.erase(i);
}

void outbox_book::process(
  const std::string& key, time_point now,
  const std::function<bool(const std::string&)>& sender_up, step& out) {
  auto ri = rooms_.find(key);
  if (ri == rooms_.end())
    return;
  auto& r = ri->second;
  size_t in_flight = 0;
  for (auto pos = r.ids.begin(); pos != r.ids.end();) {
    auto id = *pos;
    auto& x = items_[id];
    if (x.ack_deadline) {
      if (now < *x.ack_deadline) {
        ++in_flight;
        ++pos;
        continue;
      }
      // Silent sender: try again after the backoff, with the same key.
      x.ack_deadline.reset();
      x.last_error = "no confirmation from the sender in time";
      x.next_try = now + backoff(x.attempts);
    }
    if (now - x.created > limits_.max_age) {
      drop(r, pos, "stale: still unsent after max_age", out);
      pos = r.ids.begin(); // erase moved things; restart the scan
      in_flight = 0;
      continue;
    }
    if (x.attempts >= limits_.max_attempts) {
      drop(r, pos, "gave up after " + std::to_string(x.attempts)
                     + " attempts: "
                     + (x.last_error.empty() ? "unknown error" : x.last_error),
           out);
      pos = r.ids.begin();
      in_flight = 0;
      continue;
    }
    // The first reply not in flight: everything after it waits for it.
    if (in_flight >= std::max<size_t>(limits_.window, 1))
      break;
    if (now < x.next_try) {
      schedule(key, x.next_try);
      break;
    }
    if (!x.slot) {
      auto res = pacer_.acquire_at(key, now);
      if (!res.granted()) {
        schedule(key, now + std::chrono::seconds{1});
        break;
      }
      x.slot = res.at;
    }
    if (now < *x.slot) {
      schedule(key, *x.slot);
      break;
    }
    auto sender = "sender:" + x.reply.platform + ":" + x.reply.bot;
    if (!sender_up(sender)) {
      ++x.attempts;
      x.last_error = "platform " + x.reply.platform + ":" + x.reply.bot
                     + " is not running";
      x.next_try = now + backoff(x.attempts);
      schedule(key, x.next_try);
      break;
    }
    ++x.attempts;
    x.slot.reset();
    auto reply = x.reply;
    reply.outbox_id = id;
    out.send.push_back(std::move(reply));
    x.ack_deadline = now + limits_.ack_timeout;
    schedule(key, *x.ack_deadline);
    ++in_flight;
    ++pos;
  }
  if (r.ids.empty())
    rooms_.erase(ri);
}

void outbox_book::forget(uint64_t id, const std::string& key) {
  auto i = items_.find(id);
  if (i == items_.end())
    return;
  auto ri = rooms_.find(key);
  if (ri != rooms_.end()) {
    auto& ids = ri->second.ids;
    ids.erase(std::find(ids.begin(), ids.end(), id));
    if (ids.empty())
      rooms_.erase(ri);
  }
  items_.erase(i);
}

bool outbox_book::sent(uint64_t id, time_point now) {
  auto i = items_.find(id);
  if (i == items_.end() || !i->second.ack_deadline)
    return false;
  auto key = room_of(i->second.reply);
  forget(id, key);
  schedule(key, now);
  return true;
}

std::optional<outbox_book::dropped>
outbox_book::failed(uint64_t id, const std::string& error, bool permanent,
                    time_point now) {
  auto i = items_.find(id);
  if (i == items_.end() || !i->second.ack_deadline)
    return std::nullopt;
  auto key = room_of(i->second.reply);
  schedule(key, now);
  if (permanent) {
    dropped d{id, std::move(i->second.reply), error};
    forget(id, key);
    return d;
  }
  i->second.ack_deadline.reset();
  i->second.last_error = error;
  i->second.next_try = now + backoff(i->second.attempts);
  return std::nullopt;
}

} // namespace tether
