#define CAF_SUITE protocols.net.ws_server

#include "protocols/net/ws_server.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "caf/test/unit_test.hpp"
#include "protocols/type_ids.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;

using namespace std::chrono_literals;
using namespace tether::net;
using tcp = asio::ip::tcp;

namespace {

using clock_type = std::chrono::steady_clock;

struct config : caf::actor_system_config {
  config() {
    add_message_types<caf::id_block::tether_protocols>();
  }
};

/// True when the peer closes `sock` within `timeout` (bounded: polls
/// before reading).
bool closed_within(tcp::socket& sock, std::chrono::milliseconds timeout) {
  pollfd pfd{sock.native_handle(), POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0)
    return false;
  char c;
  beast::error_code ec;
  sock.read_some(asio::buffer(&c, 1), ec);
  return static_cast<bool>(ec);
}

struct fixture {
  config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};  // the client sessions' owner
  caf::scoped_actor owner{sys}; // the server's owner
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    io.get_executor()};
  std::atomic<bool> io_done{false};
  std::thread io_thread{[this] {
    io.run();
    io_done = true;
  }};
  std::shared_ptr<ws_server> srv;

  ~fixture() {
    if (srv)
      srv->stop();
    srv.reset();
    work.reset();
    auto deadline = clock_type::now() + 5s;
    while (!io_done && clock_type::now() < deadline)
      std::this_thread::sleep_for(5ms);
    CAF_CHECK(io_done.load());
    io.stop();
    io_thread.join();
  }

  ws_server_options server_options() {
    ws_server_options opts;
    opts.handshake_timeout = 2s;
    opts.session.close_timeout = 1s;
    opts.session.write_timeout = 2s;
    return opts;
  }

  void listen(ws_server_options opts, accept_check check = {}) {
    srv = ws_server::make(io, owner->address(), std::move(opts),
                          std::move(check));
    std::string error;
    CAF_REQUIRE(srv->start(error));
    CAF_REQUIRE_NOT_EQUAL(srv->port(), 0);
  }

  std::string url(const std::string& path) {
    return "ws://127.0.0.1:" + std::to_string(srv->port()) + path;
  }

  std::shared_ptr<ws_session> dial(const std::string& path) {
    ws_options opts;
    opts.url = url(path);
    opts.connect_timeout = 2s;
    opts.handshake_timeout = 2s;
    opts.close_timeout = 1s;
    auto ws = ws_session::make(io, self->address(), opts);
    ws->start();
    return ws;
  }

  std::optional<ws_accepted> expect_accepted() {
    std::optional<ws_accepted> result;
    owner->receive([&](ws_accept_atom, ws_accepted& x) { result = x; },
                   caf::after(5s) >> [] { CAF_FAIL("nothing accepted"); });
    return result;
  }

  template <class Actor>
  void expect_open(Actor& who) {
    who->receive([](ws_open_atom) {},
                 [](ws_closed_atom, const ws_close_info& x) {
                   CAF_FAIL("closed instead of open: " << x.error);
                 },
                 caf::after(5s) >> [] { CAF_FAIL("no ws_open within 5s"); });
  }

  template <class Actor>
  std::string next_frame(Actor& who) {
    std::string result;
    who->receive([&](ws_frame_atom, std::string& x, bool) { result = x; },
                 [](ws_closed_atom, const ws_close_info& x) {
                   CAF_FAIL("closed while waiting for a frame: " << x.error);
                 },
                 caf::after(5s) >> [] { CAF_FAIL("no frame within 5s"); });
    return result;
  }

  template <class Actor>
  ws_close_info expect_closed(Actor& who,
                              clock_type::duration timeout = 5s) {
    auto deadline = clock_type::now() + timeout;
    for (;;) {
      std::optional<ws_close_info> result;
      bool timed_out = false;
      who->receive(
        [&](ws_closed_atom, ws_close_info& x) { result = std::move(x); },
        [](ws_frame_atom, const std::string&, bool) {}, [](ws_open_atom) {},
        caf::after(
          std::max(deadline - clock_type::now(), clock_type::duration{0}))
          >> [&] { timed_out = true; });
      if (result) {
        CAF_MESSAGE("ws_closed: code " << result->code << ", error \""
                                       << result->error << "\"");
        return *result;
      }
      if (timed_out) {
        CAF_FAIL("no ws_closed in time");
        return {};
      }
    }
  }

  template <class Pred>
  bool wait(Pred pred, clock_type::duration timeout = 5s) {
    auto deadline = clock_type::now() + timeout;
    while (!pred()) {
      if (clock_type::now() >= deadline)
        return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_server_tests, fixture)

CAF_TEST(an accepted connection echoes with a ws_session client) {
  std::atomic<int> checks{0};
  listen(server_options(), [&](const ws_upgrade& up) {
    ++checks;
    CAF_CHECK_EQUAL(up.path, "/chat");
    CAF_CHECK_EQUAL(up.target, "/chat?room=1");
    return ws_verdict::accept();
  });
  auto client = dial("/chat?room=1");
  auto acc = expect_accepted();
  CAF_REQUIRE(acc);
  CAF_CHECK_EQUAL(checks.load(), 1);
  CAF_CHECK_EQUAL(acc->upgrade.header("HOST"),
                  "127.0.0.1:" + std::to_string(srv->port()));
  CAF_CHECK(!acc->finished->load());
  acc->session->start();
  expect_open(owner);
  expect_open(self);
  client->send_text("hello");
  auto got = next_frame(owner);
  CAF_CHECK_EQUAL(got, "hello");
  acc->session->send_text("echo:" + got);
  CAF_CHECK_EQUAL(next_frame(self), "echo:hello");
  CAF_CHECK_EQUAL(srv->connections(), 1u);
  client->close(1000, "done");
  auto theirs = expect_closed(owner);
  CAF_CHECK_EQUAL(theirs.code, 1000);
  CAF_CHECK(theirs.by_peer);
  CAF_CHECK(acc->finished->load());
  expect_closed(self);
  acc.reset();
  CAF_CHECK(wait([&] { return srv->connections() == 0; }));
}

CAF_TEST(a rejected upgrade gets the status and is never handed over) {
  listen(server_options(), [](const ws_upgrade& up) {
    if (up.header("Authorization") != "Bearer right")
      return ws_verdict::reject(401, "missing credentials");
    return ws_verdict::accept();
  });
  auto client = dial("/x");
  auto info = expect_closed(self);
  CAF_CHECK(!info.was_open);
  CAF_CHECK_NOT_EQUAL(info.error.find("(HTTP 401)"), std::string::npos);
  CAF_CHECK_EQUAL(srv->rejected(), 1u);
  owner->receive([](ws_accept_atom, ws_accepted&) {
    CAF_FAIL("a rejected connection was handed over");
  },
                 caf::after(200ms) >> [] {});
  CAF_CHECK(wait([&] { return srv->connections() == 0; }));
}

CAF_TEST(a silent client is dropped at the handshake deadline) {
  auto opts = server_options();
  opts.handshake_timeout = 300ms;
  listen(opts);
  asio::io_context cio;
  tcp::socket sock{cio};
  sock.connect({asio::ip::make_address("127.0.0.1"), srv->port()});
  auto t0 = clock_type::now();
  CAF_CHECK(wait([&] { return srv->connections() == 1; }, 2s));
  CAF_CHECK(wait([&] { return srv->connections() == 0; }, 3s));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                clock_type::now() - t0)
                .count();
  CAF_MESSAGE("dropped after " << took << " ms");
  CAF_CHECK_LESS(took, 2000);
  // The server closed its side.
  CAF_CHECK(closed_within(sock, 1000ms));
}

CAF_TEST(a muted client fails the ping timeout) {
  auto opts = server_options();
  opts.session.ping_interval = 200ms;
  opts.session.ping_timeout = 300ms;
  listen(opts);
  // A client that upgrades and then never reads: pings go unanswered.
  asio::io_context cio;
  beast::websocket::stream<tcp::socket> ws{cio};
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), srv->port()});
  bool upgraded = false;
  ws.async_handshake("127.0.0.1", "/muted",
                     [&](beast::error_code ec) { upgraded = !ec; });
  cio.run_for(3s);
  CAF_REQUIRE(upgraded);
  auto acc = expect_accepted();
  CAF_REQUIRE(acc);
  acc->session->start();
  expect_open(owner);
  auto t0 = clock_type::now();
  auto info = expect_closed(owner, 3s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                clock_type::now() - t0)
                .count();
  CAF_MESSAGE("ping timeout after " << took << " ms");
  CAF_CHECK_EQUAL(info.error, "read: timed out (ping)");
  CAF_CHECK(info.was_open);
  CAF_CHECK_LESS(took, 2000);
}

CAF_TEST(stop drops pending upgrades and refuses new connections) {
  auto opts = server_options();
  opts.max_connections = 1;
  listen(opts);
  auto port = srv->port();
  asio::io_context cio;
  tcp::socket first{cio};
  first.connect({asio::ip::make_address("127.0.0.1"), port});
  CAF_CHECK(wait([&] { return srv->connections() == 1; }, 2s));
  // Above the limit: closed at accept.
  tcp::socket second{cio};
  second.connect({asio::ip::make_address("127.0.0.1"), port});
  CAF_CHECK(closed_within(second, 2000ms));
  CAF_CHECK_EQUAL(srv->connections(), 1u);
  srv->stop();
  srv->stop(); // idempotent
  CAF_CHECK(wait([&] { return srv->connections() == 0; }, 2s));
  CAF_CHECK(closed_within(first, 2000ms));
  CAF_CHECK(wait(
    [&] {
      tcp::socket third{cio};
      beast::error_code err;
      third.connect({asio::ip::make_address("127.0.0.1"), port}, err);
      return static_cast<bool>(err);
    },
    2s));
}

CAF_TEST(an address that cannot be bound is reported) {
  auto opts = server_options();
  opts.host = "192.0.2.1"; // TEST-NET-1: not on this host
  srv = ws_server::make(io, owner->address(), opts, {});
  std::string error;
  CAF_CHECK(!srv->start(error));
  CAF_MESSAGE("error: " << error);
  CAF_CHECK_NOT_EQUAL(error.find("listen on 192.0.2.1"), std::string::npos);
  auto bad = server_options();
  bad.host = "not-an-address";
  auto other = ws_server::make(io, owner->address(), bad, {});
  CAF_CHECK(!other->start(error));
}

CAF_TEST_FIXTURE_SCOPE_END()
