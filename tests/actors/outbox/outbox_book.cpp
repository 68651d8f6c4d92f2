#define CAF_SUITE actors.outbox.outbox_book

#include "caf/test/unit_test.hpp"

#include "actors/outbox/idempotency_key.hpp"
#include "actors/outbox/outbox_book.hpp"

#include <set>

using namespace tether;
using namespace std::chrono_literals;

namespace {

using time_point = outbox_book::time_point;

outbound_reply reply_in(const std::string& room, const std::string& text) {
  outbound_reply r;
  r.platform = "sandbox";
  r.bot = "console";
  r.context.room_id = room;
  r.text = text;
  return r;
}

struct fixture {
  time_point t0 = time_point{} + 1h;
  bool up = true;
  outbox_book book{make_limits()};

  static outbox_book::limits make_limits() {
    outbox_book::limits lim;
    lim.interval = 100ms; // 10/s
    lim.burst = 2;
    lim.ack_timeout = 5s;
    lim.max_attempts = 3;
    lim.max_age = 1h;
    lim.window = 1;
    return lim;
  }

  outbox_book::step poll(time_point now) {
    return book.poll(now, [this](const std::string&) { return up; });
  }

  static std::vector<std::string> texts(const outbox_book::step& s) {
    std::vector<std::string> out;
    for (auto& r : s.send)
      out.push_back(r.text);
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(outbox_book_tests, fixture)

CAF_TEST(one reply per room is in flight and the next waits for its ack) {
  book.add(1, reply_in("r1", "a"), t0, t0);
  book.add(2, reply_in("r1", "b"), t0, t0);
  book.add(3, reply_in("r2", "c"), t0, t0);
  auto s = poll(t0);
  CAF_CHECK_EQUAL(texts(s), (std::vector<std::string>{"a", "c"}));
  CAF_CHECK_EQUAL(s.send[0].outbox_id, 1u);
  CAF_CHECK(texts(poll(t0)).empty());
  CAF_CHECK(book.sent(1, t0));
  CAF_CHECK_EQUAL(texts(poll(t0)), (std::vector<std::string>{"b"}));
  CAF_CHECK(!book.sent(1, t0)); // a repeated confirmation is ignored
  CAF_CHECK_EQUAL(book.depth(), 2u);
}

CAF_TEST(a room is paced to its rate after the burst) {
  for (uint64_t i = 1; i <= 4; ++i)
    book.add(i, reply_in("r1", std::to_string(i)), t0, t0);
  std::vector<time_point> sent_at;
  auto now = t0;
  for (int round = 0; round < 20 && sent_at.size() < 4; ++round) {
    auto s = poll(now);
    for (auto& r : s.send) {
      sent_at.push_back(now);
      book.sent(r.outbox_id, now);
    }
    if (s.send.empty()) {
      CAF_REQUIRE(s.wake);
      now = *s.wake;
    }
  }
  CAF_REQUIRE_EQUAL(sent_at.size(), 4u);
  // Burst 2 goes at once, then one per 100 ms.
  CAF_CHECK(sent_at[1] == t0);
  CAF_CHECK(sent_at[2] == t0 + 100ms);
  CAF_CHECK(sent_at[3] == t0 + 200ms);
}

CAF_TEST(a silent sender gets the reply again after the ack timeout) {
  book.add(1, reply_in("r1", "a"), t0, t0);
  auto s = poll(t0);
  CAF_REQUIRE_EQUAL(s.send.size(), 1u);
  CAF_REQUIRE(s.wake);
  CAF_CHECK(*s.wake == t0 + 5s);
  CAF_CHECK(texts(poll(t0 + 4s)).empty());
  // Timed out: retried after the first backoff (1 s).
  auto timed_out = poll(t0 + 5s);
  CAF_CHECK(timed_out.send.empty());
  CAF_REQUIRE(timed_out.wake);
  CAF_CHECK(*timed_out.wake == t0 + 6s);
  auto again = poll(t0 + 6s);
  CAF_REQUIRE_EQUAL(again.send.size(), 1u);
  CAF_CHECK_EQUAL(again.send[0].outbox_id, 1u);
  CAF_CHECK_EQUAL(book.attempts(1), 2u);
}

CAF_TEST(transient failures back off and end after max attempts) {
  book.add(1, reply_in("r1", "a"), t0, t0);
  book.add(2, reply_in("r1", "b"), t0, t0);
  auto now = t0;
  for (int i = 0; i < 3; ++i) {
    auto s = poll(now);
    CAF_REQUIRE_EQUAL(texts(s), (std::vector<std::string>{"a"}));
    CAF_CHECK(!book.failed(1, "HTTP 503", false, now));
    now += outbox_book::backoff(i + 1);
  }
  auto s = poll(now);
  CAF_REQUIRE_EQUAL(s.drops.size(), 1u);
  CAF_CHECK_EQUAL(s.drops[0].id, 1u);
  CAF_CHECK_EQUAL(s.drops[0].reason, "gave up after 3 attempts: HTTP 503");
  // The next reply of the room goes on.
  CAF_CHECK_EQUAL(texts(s), (std::vector<std::string>{"b"}));
}

CAF_TEST(a permanent failure drops the reply at once) {
  book.add(1, reply_in("r1", "a"), t0, t0);
  book.add(2, reply_in("r1", "b"), t0, t0);
  poll(t0);
  auto d = book.failed(1, "HTTP 400", true, t0);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->reason, "HTTP 400");
  CAF_CHECK_EQUAL(d->reply.text, "a");
  CAF_CHECK_EQUAL(texts(poll(t0)), (std::vector<std::string>{"b"}));
}

CAF_TEST(a reply for a platform that is down waits and counts attempts) {
  up = false;
  book.add(1, reply_in("r1", "a"), t0, t0);
  auto s = poll(t0);
  CAF_CHECK(s.send.empty());
  CAF_REQUIRE(s.wake);
  CAF_CHECK(*s.wake == t0 + 1s);
  up = true;
  CAF_CHECK_EQUAL(texts(poll(t0 + 1s)), (std::vector<std::string>{"a"}));
}

CAF_TEST(a recovered reply older than max age is dropped as stale) {
  book.add(1, reply_in("r1", "a"), t0 - 2h, t0);
  auto s = poll(t0);
  CAF_CHECK(s.send.empty());
  CAF_REQUIRE_EQUAL(s.drops.size(), 1u);
  CAF_CHECK_EQUAL(s.drops[0].reason, "stale: still unsent after max_age");
  CAF_CHECK_EQUAL(book.depth(), 0u);
}

CAF_TEST(a window lets the next reply go while one is unconfirmed) {
  auto lim = make_limits();
  lim.window = 2;
  outbox_book wide{lim};
  auto poll_wide = [&](time_point now) {
    return wide.poll(now, [](const std::string&) { return true; });
  };
  wide.add(1, reply_in("r1", "a"), t0, t0);
  wide.add(2, reply_in("r1", "b"), t0, t0);
  wide.add(3, reply_in("r1", "c"), t0, t0);
  // Burst 2: a and b at once; c waits for the window.
  CAF_CHECK_EQUAL(texts(poll_wide(t0)), (std::vector<std::string>{"a", "b"}));
  CAF_CHECK(texts(poll_wide(t0 + 1s)).empty());
  CAF_CHECK(wide.sent(2, t0 + 1s)); // b confirmed before a
  CAF_CHECK_EQUAL(texts(poll_wide(t0 + 1s)), (std::vector<std::string>{"c"}));
  // a never confirmed: sent again after ack timeout + backoff, same id.
  auto s = poll_wide(t0 + 5s);
  CAF_CHECK(s.send.empty());
  s = poll_wide(t0 + 6s);
  CAF_REQUIRE_EQUAL(s.send.size(), 1u);
  CAF_CHECK_EQUAL(s.send[0].outbox_id, 1u);
}

CAF_TEST(backoff doubles from one second to a minute) {
  CAF_CHECK(outbox_book::backoff(1) == 1s);
  CAF_CHECK(outbox_book::backoff(2) == 2s);
  CAF_CHECK(outbox_book::backoff(6) == 32s);
  CAF_CHECK(outbox_book::backoff(7) == 60s);
  CAF_CHECK(outbox_book::backoff(50) == 60s);
}

CAF_TEST(idempotency keys are short and plain and distinct) {
  key_generator gen;
  std::set<std::string> keys;
  for (int i = 0; i < 10000; ++i) {
    auto k = gen.next();
    CAF_REQUIRE_EQUAL(k.size(), 16u);
    CAF_REQUIRE(k.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz")
                == std::string::npos);
    keys.insert(k);
  }
  CAF_CHECK_EQUAL(keys.size(), 10000u);
  key_generator other;
  CAF_CHECK_NOT_EQUAL(gen.next(), other.next());
}

CAF_TEST_FIXTURE_SCOPE_END()
