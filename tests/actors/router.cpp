#define CAF_SUITE actors.router

#include "caf/test/dsl.hpp"

#include <mutex>

#include <boost/asio/io_context.hpp>

#include "actors/router/route_table.hpp"
#include "actors/router/router.hpp"
#include "actors/type_ids.hpp"
#include "config/logging.hpp"
#include "support/start_child.hpp"

using namespace tether;
using namespace std::chrono_literals;

namespace {

using release_atom = caf::atom_constant<caf::atom("release")>;

// Answers "slow" never (the router's deadline must fire), "hold" when the
// test sends `release`, anything else with an echo.
// `id` only exists because CAF 0.17 mishandles argument-less function
// actors under UBSan (a reference bound to a null argument tuple).
struct held_calls {
  std::vector<std::pair<caf::response_promise, std::string>> calls;
};

caf::behavior fake_handler(caf::stateful_actor<held_calls>* self, int id) {
  return {
    [=](handle_atom, const inbound_message& msg) -> caf::result<handler_result> {
      if (msg.text == "slow") {
        auto rp = self->make_response_promise<handler_result>();
        return rp; // never delivered
      }
      if (msg.text == "hold") {
        self->state.calls.emplace_back(self->make_response_promise(), msg.id);
        return caf::delegated<handler_result>{};
      }
      return handler_result{{"echo: " + msg.text}};
    },
    [=](release_atom, const std::string& id) {
      auto& calls = self->state.calls;
      for (auto i = calls.begin(); i != calls.end(); ++i)
        if (i->second == id) {
          i->first.deliver(handler_result{{"held: " + id}});
          calls.erase(i);
          return;
        }
    },
  };
}

// Stands in for the outbox: forwards every reply to the test.
caf::behavior fake_outbox(caf::event_based_actor* self, caf::actor test) {
  return {
    [=](outbox_atom, outbound_reply& reply) {
      self->send(test, reply_atom::value, std::move(reply));
    },
  };
}

struct fixture : test_coordinator_fixture<> {
  boost::asio::io_context io;
  runtime_ptr rt;
  caf::actor router;
  caf::actor handler;
  caf::actor platform;
  std::mutex mtx;
  std::vector<std::string> lines;

  fixture() {
    auto cfg = config::load_string(R"(
platforms:
  - kind: sandbox
    name: console
handlers:
  - kind: commands
    name: echo
    timeout: 2s
    concurrency: 4
    queue: 4
  - kind: commands
    name: absent
routes:
  - match: {prefix: "x"}
    handler: absent
  - handler: echo
)");
    CAF_REQUIRE(cfg);
    rt = std::make_shared<runtime>(
      sys, io, std::make_shared<const config::tether_config>(*cfg.config));
    handler = sys.spawn(fake_handler, 1);
    rt->directory().put("handlers/echo", handler);
    platform = sys.spawn(fake_outbox, caf::actor_cast<caf::actor>(self));
    rt->directory().put("core/outbox", platform);
    router = tether::test::start_child(*this, router_spec(rt), "core/router");
    logging::set_capture([this](const std::string& line) {
      std::lock_guard<std::mutex> guard{mtx};
      lines.push_back(line);
    });
  }

  ~fixture() {
    logging::set_capture(nullptr);
    for (auto& hdl : {router, handler, platform})
      caf::anon_send_exit(hdl, caf::exit_reason::kill);
    sched.run();
  }

  void inbound(const std::string& text, std::string id = {},
               std::string room = {}) {
    inbound_message msg;
    msg.platform = "sandbox";
    msg.bot = "console";
    msg.id = id.empty() ? text : id;
    msg.text = text;
    msg.context.room_id = std::move(room);
    self->send(router, inbound_atom::value, msg);
    sched.run();
  }

  void release(const std::string& id) {
    self->send(handler, release_atom::value, id);
    sched.run();
  }

  std::optional<outbound_reply> reply() {
    std::optional<outbound_reply> result;
    self->receive([&](reply_atom, outbound_reply& x) { result = x; },
                  caf::after(0s) >> [] {});
    return result;
  }

  bool logged(const std::string& needle) {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& line : lines)
      if (line.find(needle) != std::string::npos)
        return true;
    return false;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(router_tests, fixture)

CAF_TEST(replies go back to the platform the message came from) {
  CAF_CHECK_EQUAL(rt->directory().get("core/router"), router);
  inbound("hello");
  auto r = reply();
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->text, "echo: hello");
  CAF_CHECK_EQUAL(r->platform, "sandbox");
  CAF_CHECK_EQUAL(r->bot, "console");
  CAF_CHECK_EQUAL(r->reply_to, "hello");
}

CAF_TEST(a handler that never answers fails at its deadline) {
  inbound("slow");
  CAF_CHECK(!reply());
  sched.clock().advance_time(1999ms);
  sched.run();
  CAF_CHECK(!logged("handler_failed"));
  sched.clock().advance_time(1ms);
  sched.run();
  CAF_CHECK(logged("handler_failed handler=echo id=slow"));
  CAF_CHECK(logged("request_timeout"));
  // The router still serves.
  inbound("again");
  CAF_CHECK(reply());
}

CAF_TEST(a late answer after the deadline is dropped) {
  inbound("slow");
  sched.clock().advance_time(2s);
  sched.run();
  CAF_CHECK(logged("handler_failed handler=echo id=slow"));
  CAF_CHECK(!reply());
}

CAF_TEST(a slow handler holds its concurrency and its queue and no more) {
  // concurrency 4 + queue 4: the ninth call is dropped.
  for (int i = 0; i < 8; ++i)
    inbound("slow", "s" + std::to_string(i));
  CAF_CHECK(!logged("handler_overloaded"));
  inbound("slow", "s8");
  CAF_CHECK(logged("handler_overloaded handler=echo id=s8"));
  // The deadline ends the four in flight; the four queued start.
  sched.clock().advance_time(2s);
  sched.run();
  inbound("again");
  CAF_CHECK(!reply()); // queued behind the four now in flight
  sched.clock().advance_time(2s);
  sched.run();
  auto r = reply();
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->text, "echo: again");
}

CAF_TEST(replies in a room leave in the order the messages came in) {
  inbound("hold", "a", "r1");
  inbound("fast", "b", "r1");
  inbound("other room", "c", "r2");
  // Another room does not wait for r1.
  auto r = reply();
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->text, "echo: other room");
  // b was answered first but waits for a.
  CAF_CHECK(!reply());
  release("a");
  auto first = reply();
  auto second = reply();
  CAF_REQUIRE(first && second);
  CAF_CHECK_EQUAL(first->text, "held: a");
  CAF_CHECK_EQUAL(second->text, "echo: fast");
  CAF_CHECK_EQUAL(second->seq, 1u);
}

CAF_TEST(a failed call does not hold back the replies after it) {
  inbound("slow", "a", "r1");
  inbound("fast", "b", "r1");
  CAF_CHECK(!reply());
  sched.clock().advance_time(2s);
  sched.run();
  auto r = reply();
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->text, "echo: fast");
}

CAF_TEST(a message id seen before is handled once) {
  inbound("hello", "m1");
  CAF_CHECK(reply());
  inbound("hello", "m1"); // a resume replay
  CAF_CHECK(!reply());
  inbound("hello", "m2");
  CAF_CHECK(reply());
}

CAF_TEST(a handler that is down is logged and skipped) {
  inbound("xyz");
  CAF_CHECK(!reply());
  CAF_CHECK(logged("handler_down handler=absent id=xyz"));
}

CAF_TEST(new routes take effect at once) {
  auto cfg = config::load_string(R"(
handlers:
  - kind: commands
    name: absent
routes:
  - handler: absent
)");
  CAF_REQUIRE(cfg);
  self->send(router, set_routes_atom::value,
             std::shared_ptr<const route_table>{
               std::make_shared<route_table>(cfg.config->routes)});
  sched.run();
  inbound("hello");
  CAF_CHECK(!reply());
  CAF_CHECK(logged("handler_down handler=absent id=hello"));
}

CAF_TEST(relay routes send the message itself to other platforms) {
  auto cfg = config::load_string(R"(
platforms:
  - kind: sandbox
    name: console
  - kind: discord_webhook
    name: other
    settings: {url: "https://discord.com/api/webhooks/1/x"}
handlers:
  - kind: commands
    name: echo
routes:
  - match: {prefix: "/"}
    handler: echo
    relay_to: [sandbox:console/ops]
    final: false
  - relay_to: [sandbox:console, discord_webhook:other]
    relay_format: "<{sender}@{bot}> {text}"
)");
  CAF_REQUIRE(cfg);
  self->send(router, set_routes_atom::value,
             std::shared_ptr<const route_table>{
               std::make_shared<route_table>(cfg.config->routes)});
  sched.run();
  inbound_message msg;
  msg.platform = "discord_webhook";
  msg.bot = "other";
  msg.id = "m1";
  msg.sender.id = "u1";
  msg.sender.name = "alice";
  msg.text = "/cmd";
  self->send(router, inbound_atom::value, msg);
  sched.run();
  std::vector<outbound_reply> got;
  for (int i = 0; i < 4; ++i)
    if (auto r = reply())
      got.push_back(*r);
  // Relays to console/ops and console, never back to `other`; then the
  // handler's reply to the origin.
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK_EQUAL(got[0].context.room_id, "ops");
  CAF_CHECK_EQUAL(got[0].text, "alice: /cmd");
  CAF_CHECK_EQUAL(got[0].bot, "console");
  CAF_CHECK_EQUAL(got[1].context.room_id, "");
  CAF_CHECK_EQUAL(got[1].text, "<alice@other> /cmd");
  CAF_CHECK_EQUAL(got[2].platform, "discord_webhook");
  CAF_CHECK_EQUAL(got[2].text, "echo: /cmd");
}

CAF_TEST_FIXTURE_SCOPE_END()
