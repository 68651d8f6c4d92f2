#define CAF_SUITE protocols.discord.send_limiter

#include "protocols/discord/send_limiter.hpp"

#include <cstdint>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether::discord;
using namespace std::chrono_literals;

namespace {

using time_point = send_limiter::time_point;

const time_point t0 = time_point{} + 1000h;

// Milliseconds since t0, for readable failures.
int64_t ms(time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - t0).count();
}

} // namespace

CAF_TEST(heartbeats of one period plus one are reserved) {
  // 60 / 41.25 = 1.45 -> 2 heartbeats, + 1 spare.
  CAF_CHECK_EQUAL(send_limiter{41250ms}.reserved(), 3u);
  CAF_CHECK_EQUAL(send_limiter{45000ms}.reserved(), 3u);
  // Exactly divisible: 60 / 30 = 2, + 1.
  CAF_CHECK_EQUAL(send_limiter{30000ms}.reserved(), 3u);
  CAF_CHECK_EQUAL(send_limiter{60000ms}.reserved(), 2u);
  CAF_CHECK_EQUAL(send_limiter{120000ms}.reserved(), 2u);
  // Unknown interval (before Hello): only the spare.
  CAF_CHECK_EQUAL(send_limiter{0ms}.reserved(), 1u);
  // Absurdly short intervals cannot reserve more than everything.
  CAF_CHECK_EQUAL(send_limiter{1ms}.reserved(), 120u);
  send_limiter l{0ms};
  l.heartbeat_interval(41250ms);
  CAF_CHECK_EQUAL(l.reserved(), 3u);
}

CAF_TEST(commands stop at their share and heartbeats use all) {
  send_limiter l{41250ms};
  size_t commands = 0;
  while (l.try_acquire(t0, false))
    ++commands;
  CAF_CHECK_EQUAL(commands, 117u);
  CAF_CHECK_EQUAL(l.used(t0), 117u);
  size_t beats = 0;
  while (l.try_acquire(t0, true))
    ++beats;
  CAF_CHECK_EQUAL(beats, 3u);
  CAF_CHECK_EQUAL(l.used(t0), 120u);
  CAF_CHECK(!l.try_acquire(t0 + 59999ms, true));
  CAF_CHECK(!l.try_acquire(t0 + 59999ms, false));
}

CAF_TEST(a send leaves the window exactly one period later) {
  send_limiter l{41250ms};
  for (int i = 0; i < 117; ++i)
    CAF_REQUIRE(l.try_acquire(t0, false));
  CAF_CHECK_EQUAL(ms(l.available_at(t0 + 1s, false)), 60000);
  CAF_CHECK_EQUAL(ms(l.available_at(t0 + 1s, true)), 1000);
  CAF_CHECK_EQUAL(l.used(t0 + 59999ms), 117u);
  CAF_CHECK_EQUAL(l.used(t0 + 60s), 0u);
  CAF_CHECK(!l.try_acquire(t0 + 59999ms, false));
  CAF_CHECK(l.try_acquire(t0 + 60s, false));
  CAF_CHECK_EQUAL(l.used(t0 + 60s), 1u);
}

CAF_TEST(available_at names the expiry of the blocking send) {
  send_limiter l{60000ms}; // reserved 2 -> 118 for commands
  // 118 commands, one per 100 ms.
  for (int i = 0; i < 118; ++i)
    CAF_REQUIRE(l.try_acquire(t0 + i * 100ms, false));
  auto now = t0 + 11800ms;
  CAF_CHECK(!l.try_acquire(now, false));
  // The first send (at 0) must expire: 60 s.
  auto at = l.available_at(now, false);
  CAF_CHECK_EQUAL(ms(at), 60000);
  CAF_CHECK(!l.try_acquire(at - 1ms, false));
  CAF_CHECK(l.try_acquire(at, false));
  // Now 118 live again; the next one frees when the send at 100 ms does.
  CAF_CHECK_EQUAL(ms(l.available_at(at, false)), 60100);
  // Heartbeats still have 2 permits.
  CAF_CHECK_EQUAL(ms(l.available_at(at, true)), ms(at));
  CAF_CHECK(l.try_acquire(at, true));
  CAF_CHECK(l.try_acquire(at, true));
  CAF_CHECK(!l.try_acquire(at, true));
  // 120 live: a heartbeat needs one send to expire.
  CAF_CHECK_EQUAL(ms(l.available_at(at, true)), 60100);
  // A command needs three sends to expire (120 - 118 + 1).
  CAF_CHECK_EQUAL(ms(l.available_at(at, false)), 60300);
}

CAF_TEST(no permits means never) {
  send_limiter none{41250ms, 0};
  CAF_CHECK(!none.try_acquire(t0, true));
  CAF_CHECK(none.available_at(t0, true) == time_point::max());
  send_limiter tiny{1ms};
  CAF_CHECK(!tiny.try_acquire(t0, false));
  CAF_CHECK(tiny.available_at(t0, false) == time_point::max());
  CAF_CHECK(tiny.try_acquire(t0, true));
}

CAF_TEST(a clock that goes back cannot open the window early) {
  send_limiter l{41250ms, 3, 10s};
  // reserved = ceil(10 / 41.25) + 1 = 2 -> one command, three heartbeats.
  CAF_REQUIRE_EQUAL(l.reserved(), 2u);
  CAF_CHECK(l.try_acquire(t0 + 5s, true));
  CAF_CHECK(l.try_acquire(t0, true)); // recorded at 5 s
  CAF_CHECK(l.try_acquire(t0, true));
  CAF_CHECK(!l.try_acquire(t0 + 14999ms, true));
  CAF_CHECK_EQUAL(ms(l.available_at(t0, true)), 15000);
  CAF_CHECK(l.try_acquire(t0 + 15s, true));
}

CAF_TEST(no window of one period ever holds more than the permits) {
  // Random traffic; after every accepted send every (t - 60 s, t] window
  // that ends at a send is recounted by brute force.
  send_limiter l{41250ms};
  std::vector<time_point> sent;
  uint64_t rng = 0x9e3779b97f4a7c15;
  auto next = [&rng] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  auto now = t0;
  size_t refused = 0;
  for (int i = 0; i < 5000; ++i) {
    now += std::chrono::milliseconds{next() % 1000};
    bool heartbeat = next() % 10 == 0;
    auto predicted = l.available_at(now, heartbeat);
    auto ok = l.try_acquire(now, heartbeat);
    CAF_REQUIRE_EQUAL(ok, predicted == now);
    if (!ok) {
      ++refused;
      // Waiting until available_at always helps.
      CAF_REQUIRE(predicted > now);
      CAF_REQUIRE(l.try_acquire(predicted, heartbeat));
      now = predicted;
    }
    sent.push_back(now);
    size_t in_window = 0;
    for (auto t : sent)
      if (t > now - 60s) ++in_window;
    CAF_REQUIRE_LESS_OR_EQUAL(in_window, 120u);
    CAF_REQUIRE_EQUAL(l.used(now), in_window);
  }
  // The traffic was dense enough to hit the limit.
  CAF_CHECK_GREATER(refused, 0u);
}
