#define CAF_SUITE supervision.backoff

#include "caf/test/unit_test.hpp"


#include "supervision/backoff.hpp"
#include "supervision/policy.hpp"

using namespace tether::supervision;
using namespace std::chrono_literals;

CAF_TEST(delays grow by the multiplier up to the maximum) {
  backoff_policy p;
  p.initial = 250ms;
  p.multiplier = 3.0;
  p.max = 5s;
  p.jitter = 0;
  jitter_rng rng{1};
  std::vector<duration> got;
  for (size_t i = 1; i <= 5; ++i)
    got.push_back(backoff_delay(p, i, rng));
  std::vector<duration> want{250ms, 750ms, 2250ms, 5s, 5s};
  CAF_CHECK_EQUAL(got, want);
}

CAF_TEST(zero initial means restart at once) {
  backoff_policy p;
  p.initial = duration{0};
  jitter_rng rng{1};
  CAF_CHECK_EQUAL(backoff_delay(p, 7, rng), duration{0});
}

CAF_TEST(long failure runs do not overflow) {
  backoff_policy p;
  p.jitter = 0;
  jitter_rng rng{1};
  CAF_CHECK_EQUAL(backoff_delay(p, 100000, rng), p.max);
}

CAF_TEST(the window forgets restarts older than its length) {
  restart_window w;
  std::chrono::steady_clock::time_point t0{};
  CAF_CHECK_EQUAL(w.add(t0 + 1s, 10s), 1u);
  CAF_CHECK_EQUAL(w.add(t0 + 5s, 10s), 2u);
  CAF_CHECK_EQUAL(w.add(t0 + 11s, 10s), 2u); // 1s is out
  CAF_CHECK_EQUAL(w.count(t0 + 15s, 10s), 1u);
  CAF_CHECK_EQUAL(w.count(t0 + 30s, 10s), 0u);
}

CAF_TEST(durations render in the units the config accepts) {
  CAF_CHECK_EQUAL(format_duration(250ms), "250ms");
  CAF_CHECK_EQUAL(format_duration(30s), "30s");
  CAF_CHECK_EQUAL(format_duration(5min), "5m");
  CAF_CHECK_EQUAL(format_duration(90min), "90m");
  CAF_CHECK_EQUAL(format_duration(duration{0}), "0s");
}
