#define CAF_SUITE actors.store.outbox_policy

#include "actors/store/outbox_policy.hpp"

#include "caf/test/unit_test.hpp"

using namespace tether::store;
using namespace std::chrono_literals;

namespace {

outbox_entry entry(uint32_t attempts, int64_t deadline_ms = 0) {
  outbox_entry x;
  x.attempts = attempts;
  x.deadline_ms = deadline_ms;
  x.last_error = "HTTP 500";
  return x;
}

std::string kind_of(const outbox_decision& d) {
  switch (d.kind) {
    case outbox_decision::send: return "send";
    case outbox_decision::drop: return "drop";
    case outbox_decision::wait: return "wait";
  }
  return "?";
}

} // namespace

CAF_TEST(backoff starts at one second and doubles to a minute) {
  outbox_limits limits;
  struct {
    uint32_t attempts;
    std::chrono::milliseconds expected;
  } table[] = {
    {0, 0ms},
    {1, 1000ms},
    {2, 2000ms},
    {3, 4000ms},
    {4, 8000ms},
    {5, 16000ms},
    {6, 32000ms},
    {7, 60000ms},
    {8, 60000ms},
    {100, 60000ms},
    {4000000000u, 60000ms},
  };
  for (auto& row : table) {
    CAF_MESSAGE("attempts " << row.attempts);
    CAF_CHECK_EQUAL(outbox_backoff(row.attempts, limits).count(),
                    row.expected.count());
  }
}

CAF_TEST(decisions follow deadline attempts and backoff) {
  outbox_limits limits; // 10 attempts
  struct {
    const char* what;
    outbox_entry x;
    int64_t now;
    int64_t last;
    std::string kind;
    int64_t until;
  } table[] = {
    {"fresh row", entry(0), 10000, 0, "send", 0},
    {"fresh row with a deadline ahead", entry(0, 20000), 10000, 0, "send", 0},
    {"at its deadline", entry(0, 10000), 10000, 0, "drop", 0},
    {"past its deadline", entry(3, 5000), 10000, 9000, "drop", 0},
    {"out of attempts", entry(10), 10000, 0, "drop", 0},
    {"beyond the maximum", entry(12), 10000, 9999, "drop", 0},
    {"one failure, 1 s not yet over", entry(1), 10500, 10000, "wait", 11000},
    {"one failure, 1 s over", entry(1), 11000, 10000, "send", 0},
    {"three failures wait 4 s", entry(3), 11000, 10000, "wait", 14000},
    {"nine failures wait a minute", entry(9), 11000, 10000, "wait", 70000},
    {"wait is cut at the deadline", entry(3), 11000, 10000, "wait", 12000},
    {"unknown last attempt: no wait", entry(5), 11000, 0, "send", 0},
  };
  table[10].x.deadline_ms = 12000;
  for (auto& row : table) {
    CAF_MESSAGE(row.what);
    auto d = decide(row.x, row.now, row.last, limits);
    CAF_CHECK_EQUAL(kind_of(d), row.kind);
    if (row.kind == "wait") CAF_CHECK_EQUAL(d.until_ms, row.until);
    if (row.kind == "drop") CAF_CHECK(!d.reason.empty());
  }
}

CAF_TEST(drop reasons say why) {
  outbox_limits limits;
  limits.max_attempts = 3;
  auto d = decide(entry(3), 0, 0, limits);
  CAF_CHECK_EQUAL(d.reason, "gave up after 3 attempts: HTTP 500");
  d = decide(entry(0, 5), 5, 0, limits);
  CAF_CHECK_EQUAL(d.reason, "past its deadline");
}

CAF_TEST(limits are configurable) {
  outbox_limits limits;
  limits.max_attempts = 2;
  limits.backoff_initial = 100ms;
  limits.backoff_max = 250ms;
  CAF_CHECK_EQUAL(outbox_backoff(1, limits).count(), 100);
  CAF_CHECK_EQUAL(outbox_backoff(2, limits).count(), 200);
  CAF_CHECK_EQUAL(outbox_backoff(3, limits).count(), 250);
  CAF_CHECK_EQUAL(kind_of(decide(entry(1), 50, 0, limits)), "send");
  CAF_CHECK_EQUAL(kind_of(decide(entry(2), 50, 0, limits)), "drop");
}
