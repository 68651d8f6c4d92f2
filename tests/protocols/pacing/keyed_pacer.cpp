#define CAF_SUITE protocols.pacing.keyed_pacer

#include "protocols/pacing/keyed_pacer.hpp"

#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether::pacing;
using std::chrono::milliseconds;

namespace {

using verdict = keyed_pacer::verdict;

const keyed_pacer::time_point t0 = keyed_pacer::time_point{}
                                   + std::chrono::hours{1};

keyed_pacer::time_point at(int64_t ms) {
  return t0 + milliseconds{ms};
}

// Milliseconds after t0 of a granted reservation; -1 when refused.
int64_t slot(const keyed_pacer::reservation& r) {
  if (!r.granted())
    return -1;
  return std::chrono::duration_cast<milliseconds>(r.at - t0).count();
}

pacer_limits limits(int64_t interval_ms, size_t burst, size_t max_keys = 100,
                    int64_t max_delay_ms = 60000) {
  pacer_limits out;
  out.interval = milliseconds{interval_ms};
  out.burst = burst;
  out.max_keys = max_keys;
  out.max_delay = milliseconds{max_delay_ms};
  return out;
}

} // namespace

CAF_TEST(a full bucket lets a burst go at once then spaces the rest) {
  keyed_pacer p{limits(500, 3)};
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(0))), 0);
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(0))), 0);
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(0))), 0);
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(0))), 500);
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(0))), 1000);
}

CAF_TEST(the bucket refills at the rate and never beyond the burst) {
  keyed_pacer p{limits(500, 3)};
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(0))), 0);
  // One second later two slots are back, not three.
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(1000))), 1000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(1000))), 1000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(1000))), 1500);
  // Long idle: a full bucket of three, then spacing again.
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(60000))), 60000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("chat", at(60000))), 60500);
}

CAF_TEST(a steady stream is spaced by the interval) {
  keyed_pacer p{limits(200, 1)};
  for (int64_t i = 0; i < 10; ++i)
    CAF_CHECK_EQUAL(slot(p.acquire_at("user", at(0))), i * 200);
  // Asking later than the next slot: the slot is now.
  CAF_CHECK_EQUAL(slot(p.acquire_at("user", at(5000))), 5000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("user", at(5050))), 5200);
}

CAF_TEST(no window holds more than burst plus window over interval) {
  // The Feishu setting: 2 per second and a burst of 3, so that any closed
  // one-second window holds at most 5 sends.
  keyed_pacer p{limits(500, 3)};
  std::vector<int64_t> slots;
  for (int64_t now = 0; now < 10000; now += 37)
    for (int k = 0; k < 3; ++k) {
      auto r = p.acquire_at("chat", at(now));
      if (r.granted())
        slots.push_back(slot(r));
    }
  CAF_REQUIRE(slots.size() > 20);
  for (auto start : slots) {
    size_t in_window = 0;
    for (auto s : slots)
      if (s >= start && s <= start + 1000)
        ++in_window;
    CAF_CHECK(in_window <= 5);
  }
}

CAF_TEST(keys are independent) {
  keyed_pacer p{limits(1000, 1)};
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(0))), 0);
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(0))), 1000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("b", at(0))), 0);
  CAF_CHECK_EQUAL(slot(p.acquire_at("b", at(0))), 1000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(0))), 2000);
  CAF_CHECK_EQUAL(p.size(), 2u);
}

CAF_TEST(idle keys expire once their bucket is full again) {
  keyed_pacer p{limits(1000, 2)};
  p.acquire_at("a", at(0));
  p.acquire_at("a", at(0));
  p.acquire_at("b", at(0));
  CAF_CHECK_EQUAL(p.size(), 2u);
  // a is full again at 2000, b at 1000.
  CAF_CHECK_EQUAL(p.expire(at(999)), 0u);
  CAF_CHECK_EQUAL(p.expire(at(1000)), 1u);
  CAF_CHECK_EQUAL(p.size(), 1u);
  CAF_CHECK_EQUAL(p.expire(at(1999)), 0u);
  CAF_CHECK_EQUAL(p.expire(at(2000)), 1u);
  CAF_CHECK_EQUAL(p.size(), 0u);
  // A forgotten key behaves as a full bucket.
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(2000))), 2000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(2000))), 2000);
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(2000))), 3000);
}

CAF_TEST(idle keys are swept without an explicit expire) {
  keyed_pacer p{limits(100, 1, 4)};
  p.acquire_at("a", at(0));
  p.acquire_at("b", at(0));
  p.acquire_at("c", at(0));
  CAF_CHECK_EQUAL(p.size(), 3u);
  // The fourth acquisition sweeps: a, b and c are idle by then.
  p.acquire_at("d", at(500));
  CAF_CHECK_EQUAL(p.size(), 1u);
}

CAF_TEST(the key cap refuses new keys while all are busy) {
  keyed_pacer p{limits(1000, 1, 2)};
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(0))), 0);
  CAF_CHECK_EQUAL(slot(p.acquire_at("b", at(0))), 0);
  auto r = p.acquire_at("c", at(500));
  CAF_CHECK(r.kind == verdict::too_many_keys);
  CAF_CHECK_EQUAL(p.size(), 2u);
  // Known keys still get slots.
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(500))), 1000);
  // Once b is idle its place goes to c.
  CAF_CHECK_EQUAL(slot(p.acquire_at("c", at(1000))), 1000);
  CAF_CHECK_EQUAL(p.size(), 2u);
  CAF_CHECK(p.acquire_at("d", at(1000)).kind == verdict::too_many_keys);
}

CAF_TEST(slots beyond the maximum delay are refused and not reserved) {
  keyed_pacer p{limits(500, 1, 100, 1000)};
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(0))), 0);
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(0))), 500);
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(0))), 1000);
  auto r = p.acquire_at("a", at(0));
  CAF_CHECK(r.kind == verdict::backlog);
  CAF_CHECK(p.acquire_at("a", at(0)).kind == verdict::backlog);
  // The refusals took nothing: the next slot is still 1500.
  CAF_CHECK_EQUAL(slot(p.acquire_at("a", at(600))), 1500);
}

CAF_TEST(verdicts have names) {
  CAF_CHECK_EQUAL(std::string{to_string(verdict::granted)}, "granted");
  CAF_CHECK_EQUAL(std::string{to_string(verdict::too_many_keys)},
                  "too_many_keys");
  CAF_CHECK_EQUAL(std::string{to_string(verdict::backlog)}, "backlog");
}
