#define CAF_SUITE actors.outbox.outbox

#include "caf/test/dsl.hpp"

#include <boost/asio/io_context.hpp>

#include "actors/outbox/confirm.hpp"
#include "actors/outbox/outbox.hpp"
#include "actors/type_ids.hpp"
#include "support/start_child.hpp"

using namespace tether;
using namespace std::chrono_literals;

namespace {

// Stands in for a platform sender: forwards every reply to the test.
caf::behavior fake_sender(caf::event_based_actor* self, caf::actor test) {
  return {
    [=](reply_atom, outbound_reply& reply) {
      self->send(test, reply_atom::value, std::move(reply));
    },
  };
}

struct fixture : test_coordinator_fixture<> {
  boost::asio::io_context io;
  runtime_ptr rt;
  caf::actor outbox;
  caf::actor sender;

  fixture() {
    auto cfg = config::load_string(R"(
outbox:
  room_rate: 2
  room_burst: 1
  room_window: 1
  ack_timeout: 10s
store:
  max_attempts: 3
)");
    CAF_REQUIRE(cfg);
    rt = std::make_shared<runtime>(
      sys, io, std::make_shared<const config::tether_config>(*cfg.config));
    sender = sys.spawn(fake_sender, caf::actor_cast<caf::actor>(self));
    rt->directory().put("sender:sandbox:console", sender);
    outbox = tether::test::start_child(*this, outbox_spec(rt), "core/outbox");
  }

  ~fixture() {
    for (auto& hdl : {outbox, sender})
      caf::anon_send_exit(hdl, caf::exit_reason::kill);
    sched.run();
  }

  void put(const std::string& text, const std::string& room = "r") {
    outbound_reply r;
    r.platform = "sandbox";
    r.bot = "console";
    r.context.room_id = room;
    r.reply_to = "m-" + text;
    r.text = text;
    self->send(outbox, outbox_atom::value, std::move(r));
    sched.run();
  }

  std::optional<outbound_reply> sent() {
    std::optional<outbound_reply> result;
    self->receive([&](reply_atom, outbound_reply& x) { result = x; },
                  caf::after(0s) >> [] {});
    return result;
  }

  void advance(caf::timespan d) {
    sched.clock().advance_time(d);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(outbox_tests, fixture)

CAF_TEST(a reply reaches its sender with an id and a key) {
  CAF_CHECK_EQUAL(rt->directory().get("core/outbox"), outbox);
  put("hello");
  auto r = sent();
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->text, "hello");
  CAF_CHECK_NOT_EQUAL(r->outbox_id, 0u);
  CAF_CHECK_EQUAL(r->idempotency_key.size(), 16u);
}

CAF_TEST(the next reply of a room waits for the confirmation and the pace) {
  put("a");
  put("b");
  auto a = sent();
  CAF_REQUIRE(a);
  CAF_CHECK(!sent());
  confirm_reply(*rt, a->outbox_id, reply_outcome::sent);
  sched.run();
  CAF_CHECK(!sent()); // 2/s: the next slot is 500 ms later
  advance(500ms);
  auto b = sent();
  CAF_REQUIRE(b);
  CAF_CHECK_EQUAL(b->text, "b");
}

CAF_TEST(an unconfirmed reply is resent with the same key) {
  put("a");
  auto first = sent();
  CAF_REQUIRE(first);
  advance(10s); // ack timeout
  CAF_CHECK(!sent());
  advance(1s); // first backoff
  auto again = sent();
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->outbox_id, first->outbox_id);
  CAF_CHECK_EQUAL(again->idempotency_key, first->idempotency_key);
}

CAF_TEST(a rejected reply is dropped and the room goes on) {
  put("a");
  put("b");
  auto a = sent();
  CAF_REQUIRE(a);
  confirm_reply(*rt, a->outbox_id, reply_outcome::rejected, "HTTP 400");
  sched.run();
  advance(500ms);
  auto b = sent();
  CAF_REQUIRE(b);
  CAF_CHECK_EQUAL(b->text, "b");
  // a is gone: no resend after any timeout.
  confirm_reply(*rt, b->outbox_id, reply_outcome::sent);
  advance(60s);
  CAF_CHECK(!sent());
}

CAF_TEST_FIXTURE_SCOPE_END()
