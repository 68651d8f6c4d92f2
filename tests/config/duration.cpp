#define CAF_SUITE config.duration
#include <cstdint>
#include <optional>
#include <string>

#include "caf/test/unit_test.hpp"
#include "config/config.hpp"
#include "supervision/policy.hpp"

using namespace tether;
using namespace tether::config;

namespace {

/// Nanoseconds of a parsed duration, or -1 if it did not parse.
int64_t ns(std::string_view str) {
  auto x = parse_duration(str);
  return x ? x->count() : -1;
}

constexpr int64_t us = 1'000;
constexpr int64_t ms = 1'000'000;
constexpr int64_t sec = 1'000'000'000;

} // namespace

CAF_TEST(single units parse) {
  CAF_CHECK_EQUAL(ns("250ms"), 250 * ms);
  CAF_CHECK_EQUAL(ns("30s"), 30 * sec);
  CAF_CHECK_EQUAL(ns("5m"), 300 * sec);
  CAF_CHECK_EQUAL(ns("1h"), 3600 * sec);
  CAF_CHECK_EQUAL(ns("100us"), 100 * us);
  CAF_CHECK_EQUAL(ns("7ns"), 7);
  CAF_CHECK_EQUAL(ns("0s"), 0);
  CAF_CHECK_EQUAL(ns("0"), 0);
}

CAF_TEST(units combine from largest to smallest) {
  CAF_CHECK_EQUAL(ns("1h30m"), 5400 * sec);
  CAF_CHECK_EQUAL(ns("1m30s"), 90 * sec);
  CAF_CHECK_EQUAL(ns("2s500ms"), 2500 * ms);
  CAF_CHECK_EQUAL(ns("1h1m1s1ms1us1ns"), 3661 * sec + ms + us + 1);
}

CAF_TEST(malformed durations are rejected) {
  for (auto str : {"",     "30",   "5 min", " 5s",    "5s ", "1.5s",  "-1s",
                   "+1s",  "s",    "5",     "00",     "5x",  "5sec",  "5S",
                   "1m1h", "1s1s", "1ms1s", "1h 30m", "5m0", "0x10s", "ms5"})
    CAF_CHECK_EQUAL(ns(str), -1);
}

CAF_TEST(overflowing durations are rejected) {
  // int64 nanoseconds end at about 292 years = 2562047 hours.
  CAF_CHECK_EQUAL(ns("2562047h"), int64_t{2562047} * 3600 * sec);
  CAF_CHECK_EQUAL(ns("2562048h"), -1);
  CAF_CHECK_EQUAL(ns("9223372036854775807ns"), INT64_MAX);
  CAF_CHECK_EQUAL(ns("9223372036854775808ns"), -1);
  CAF_CHECK_EQUAL(ns("2562047h48m"), -1);
  CAF_CHECK_EQUAL(ns("99999999999999999999999s"), -1);
}

CAF_TEST(formatted durations parse back) {
  for (int64_t x : {int64_t{0}, int64_t{1}, 999 * us, 250 * ms, 30 * sec,
                    90 * sec, 300 * sec, 3600 * sec, 5400 * sec, 1234567 * us})
    CAF_CHECK_EQUAL(ns(supervision::format_duration(duration{x})), x);
}
