#define CAF_SUITE protocols.net.ws_session

#include "protocols/net/ws_session.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "caf/test/unit_test.hpp"
#include "protocols/type_ids.hpp"
#include "support/loopback_server.hpp"
#include "support/test_certs.hpp"

namespace asio = boost::asio;

using namespace std::chrono_literals;
using namespace tether::net;

using tether::test::loopback_server;

namespace {

using clock_type = std::chrono::steady_clock;

struct config : caf::actor_system_config {
  config() {
    add_message_types<caf::id_block::tether_protocols>();
  }
};

loopback_server::config ws_server(bool tls = false) {
  loopback_server::config cfg;
  cfg.proto = loopback_server::protocol::websocket;
  cfg.tls = tls;
  return cfg;
}

/// A port nobody listens on (bound once, then released).
uint16_t unused_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acc{io, {asio::ip::make_address("127.0.0.1"), 0}};
  return acc.local_endpoint().port();
}

bool starts_with(const std::string& x, const std::string& prefix) {
  return x.compare(0, prefix.size(), prefix) == 0;
}

long elapsed_ms(clock_type::time_point since) {
  return static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                          - since)
      .count());
}

struct fixture {
  config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    io.get_executor()};
  std::atomic<bool> io_done{false};
  std::thread io_thread{[this] {
    io.run();
    io_done = true;
  }};

  ~fixture() {
    // Finished (or destroyed) sessions must let the io_context run dry.
    work.reset();
    auto deadline = clock_type::now() + 5s;
    while (!io_done && clock_type::now() < deadline)
      std::this_thread::sleep_for(5ms);
    CAF_CHECK(io_done.load());
    io.stop();
    io_thread.join();
  }

  ws_options options(std::string url) {
    ws_options opts;
    opts.url = std::move(url);
    opts.connect_timeout = 2s;
    opts.handshake_timeout = 2s;
    opts.close_timeout = 1s;
    opts.write_timeout = 2s;
    opts.user_agent = "tether-test";
    return opts;
  }

  std::shared_ptr<ws_session> start(ws_options opts) {
    auto session = ws_session::make(io, self->address(), std::move(opts));
    session->start();
    return session;
  }

  void expect_open() {
    self->receive([](ws_open_atom) {},
                  [](ws_closed_atom, const ws_close_info& x) {
                    CAF_FAIL("closed instead of open: " << x.error);
                  },
                  caf::after(5s) >>
                    [] {
                      CAF_FAIL("no ws_open within 5s");
                    });
  }

  std::pair<std::string, bool> next_frame() {
    std::pair<std::string, bool> result;
    self->receive(
      [&](ws_frame_atom, std::string& data, bool binary) {
        result = {std::move(data), binary};
      },
      [](ws_closed_atom, const ws_close_info& x) {
        CAF_FAIL("closed while waiting for a frame: " << x.error);
      },
      caf::after(5s) >>
        [] {
          CAF_FAIL("no frame within 5s");
        });
    return result;
  }

  /// The next ws_closed; frames before it are skipped.
  ws_close_info expect_closed() {
    auto deadline = clock_type::now() + 5s;
    for (;;) {
      std::optional<ws_close_info> result;
      self->receive(
        [&](ws_closed_atom, ws_close_info& x) {
          result = std::move(x);
        },
        [](ws_frame_atom, const std::string&, bool) {}, [](ws_open_atom) {},
        caf::after(
          std::max(deadline - clock_type::now(), clock_type::duration{0}))
          >>
          [] {
            CAF_FAIL("no ws_closed within 5s");
          });
      if (result) {
        CAF_MESSAGE("ws_closed: code " << result->code << ", reason \""
                                       << result->reason << "\", error \""
                                       << result->error << "\"");
        return *result;
      }
    }
  }

  /// Nothing at all arrives for `d`.
  void expect_silence(clock_type::duration d = 200ms) {
    self->receive(
      [](ws_open_atom) {
        CAF_FAIL("unexpected ws_open");
      },
      [](ws_frame_atom, const std::string&, bool) {
        CAF_FAIL("unexpected ws_frame");
      },
      [](ws_closed_atom, const ws_close_info& x) {
        CAF_FAIL("unexpected ws_closed: " << x.error);
      },
      caf::after(d) >> [] {});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_session_tests, fixture)

CAF_TEST(text and binary messages are echoed) {
  loopback_server srv{ws_server()};
  auto opts = options(srv.url("/gateway?v=10"));
  opts.headers.emplace_back("X-Token", "abc");
  auto ws = start(opts);
  // Queued before the handshake completes: sent right after it.
  ws->send_text("early");
  expect_open();
  CAF_CHECK_EQUAL(next_frame().first, "early");
  ws->send_text("hello");
  auto text = next_frame();
  CAF_CHECK_EQUAL(text.first, "hello");
  CAF_CHECK(!text.second);
  std::string bytes{"\x00\x01\xff", 3};
  ws->send_binary(bytes);
  auto bin = next_frame();
  CAF_CHECK_EQUAL(bin.first, bytes);
  CAF_CHECK(bin.second);
  ws->send_text("!binary 1000");
  auto big = next_frame();
  CAF_CHECK_EQUAL(big.first.size(), 1000u);
  CAF_CHECK(big.second);
  auto reqs = srv.requests();
  CAF_REQUIRE_EQUAL(reqs.size(), 1u);
  CAF_CHECK_EQUAL(reqs[0].target, "/gateway?v=10");
  CAF_CHECK_EQUAL(reqs[0].header("user-agent"), "tether-test");
  CAF_CHECK_EQUAL(reqs[0].header("x-token"), "abc");
  CAF_CHECK_EQUAL(reqs[0].header("host"),
                  "127.0.0.1:" + std::to_string(srv.port()));
}

CAF_TEST(our close runs the handshake and reports our code) {
  loopback_server srv{ws_server()};
  auto ws = start(options(srv.url()));
  expect_open();
  ws->close(4000, "bye");
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, 4000);
  CAF_CHECK_EQUAL(info.reason, "bye");
  CAF_CHECK_EQUAL(info.error, "");
  CAF_CHECK(!info.by_peer);
  CAF_CHECK(info.was_open);
  auto seen = srv.wait_close_seen(2s);
  CAF_CHECK_EQUAL(seen.first, 4000);
  CAF_CHECK_EQUAL(seen.second, "bye");
  // Exactly one ws_closed, and nothing after it.
  ws->close(1000, "again");
  ws->abort();
  ws->send_text("too late");
  expect_silence();
}

CAF_TEST(close reasons are cut to 123 bytes) {
  loopback_server srv{ws_server()};
  auto ws = start(options(srv.url()));
  expect_open();
  ws->close(1001, std::string(200, 'r'));
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, 1001);
  CAF_CHECK_EQUAL(info.reason, std::string(123, 'r'));
  CAF_CHECK_EQUAL(srv.wait_close_seen(2s).second, std::string(123, 'r'));
}

CAF_TEST(the peer close code and reason are surfaced) {
  loopback_server srv{ws_server()};
  auto ws = start(options(srv.url()));
  expect_open();
  ws->send_text("!close 4004 auth failed");
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, 4004);
  CAF_CHECK_EQUAL(info.reason, "auth failed");
  CAF_CHECK_EQUAL(info.error, "");
  CAF_CHECK(info.by_peer);
  CAF_CHECK(info.was_open);
  expect_silence();
}

CAF_TEST(a drop without close frame reports code - 1 and an error) {
  loopback_server srv{ws_server()};
  auto ws = start(options(srv.url()));
  expect_open();
  ws->send_text("!drop");
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, -1);
  CAF_CHECK(starts_with(info.error, "read: "));
  CAF_CHECK(info.by_peer);
  CAF_CHECK(info.was_open);
}

CAF_TEST(a refused connection reports the connect step) {
  auto ws = start(options("ws://127.0.0.1:" + std::to_string(unused_port())));
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, -1);
  CAF_CHECK(starts_with(info.error, "connect: "));
  CAF_CHECK(!info.was_open);
  expect_silence();
}

CAF_TEST(an unanswered upgrade fails within handshake_timeout) {
  auto cfg = ws_server();
  cfg.silent = true;
  loopback_server srv{cfg};
  auto opts = options(srv.url());
  opts.handshake_timeout = 300ms;
  auto t0 = clock_type::now();
  auto ws = start(opts);
  auto info = expect_closed();
  auto took = elapsed_ms(t0);
  CAF_MESSAGE("failed after " << took << "ms");
  CAF_CHECK_EQUAL(info.error, "handshake: timed out after 300ms");
  CAF_CHECK_EQUAL(info.code, -1);
  CAF_CHECK(!info.was_open);
  CAF_CHECK_GREATER_OR_EQUAL(took, 290);
  CAF_CHECK_LESS(took, 1500);
}

CAF_TEST(an unanswered TLS handshake fails within handshake_timeout) {
  auto cfg = ws_server(true);
  cfg.silent = true;
  loopback_server srv{cfg};
  auto opts = options(srv.url());
  opts.tls.ca_file = tether::test::pki().ca_file;
  opts.handshake_timeout = 300ms;
  auto t0 = clock_type::now();
  auto ws = start(opts);
  auto info = expect_closed();
  auto took = elapsed_ms(t0);
  CAF_CHECK_EQUAL(info.error, "tls: timed out after 300ms");
  CAF_CHECK_LESS(took, 1500);
}

CAF_TEST(pings keep a quiet connection alive) {
  loopback_server srv{ws_server()};
  auto opts = options(srv.url());
  opts.ping_interval = 100ms;
  opts.ping_timeout = 500ms;
  auto ws = start(opts);
  expect_open();
  // Several ping rounds; the server's pongs count as traffic.
  expect_silence(700ms);
  ws->send_text("still here");
  CAF_CHECK_EQUAL(next_frame().first, "still here");
}

CAF_TEST(a peer that stops answering fails the ping timeout) {
  loopback_server srv{ws_server()};
  auto opts = options(srv.url());
  opts.ping_interval = 200ms;
  opts.ping_timeout = 300ms;
  auto ws = start(opts);
  expect_open();
  ws->send_text("!mute");
  auto t0 = clock_type::now();
  auto info = expect_closed();
  auto took = elapsed_ms(t0);
  CAF_MESSAGE("detected after " << took << "ms");
  CAF_CHECK_EQUAL(info.error, "read: timed out (ping)");
  CAF_CHECK_EQUAL(info.code, -1);
  CAF_CHECK(info.was_open);
  CAF_CHECK_GREATER_OR_EQUAL(took, 290);
  CAF_CHECK_LESS(took, 200 + 300 + 400);
}

CAF_TEST(a message above read_limit fails the connection with 1009) {
  loopback_server srv{ws_server()};
  auto opts = options(srv.url());
  opts.read_limit = 1000;
  auto ws = start(opts);
  expect_open();
  ws->send_text("!big 1000");
  CAF_CHECK_EQUAL(next_frame().first.size(), 1000u);
  ws->send_text("!big 1001");
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, 1009);
  CAF_CHECK_EQUAL(info.error, "read: message larger than 1000 bytes");
  CAF_CHECK_EQUAL(srv.wait_close_seen(2s).first, 1009);
}

CAF_TEST(close against a silent peer drops the socket after close_timeout) {
  loopback_server srv{ws_server()};
  auto opts = options(srv.url());
  opts.close_timeout = 300ms;
  auto ws = start(opts);
  expect_open();
  ws->send_text("!mute");
  ws->send_text("unanswered");
  // Give the server time to read "!mute" before our close frame.
  std::this_thread::sleep_for(50ms);
  auto t0 = clock_type::now();
  ws->close(1000, "bye");
  auto info = expect_closed();
  auto took = elapsed_ms(t0);
  CAF_CHECK_EQUAL(info.error, "close: timed out after 300ms");
  CAF_CHECK_EQUAL(info.code, 1000);
  CAF_CHECK(!info.by_peer);
  CAF_CHECK_GREATER_OR_EQUAL(took, 290);
  CAF_CHECK_LESS(took, 1500);
}

CAF_TEST(abort drops TCP without a close frame) {
  loopback_server srv{ws_server()};
  auto ws = start(options(srv.url()));
  expect_open();
  ws->abort();
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, -1);
  CAF_CHECK(starts_with(info.error, "abort: "));
  CAF_CHECK(!info.by_peer);
  CAF_CHECK(info.was_open);
  CAF_CHECK_EQUAL(srv.wait_close_seen(200ms).first, -1);
  ws->abort();
  expect_silence();
}

CAF_TEST(destroying the session drops its connection) {
  loopback_server srv{ws_server()};
  auto ws = start(options(srv.url()));
  expect_open();
  ws.reset();
  auto info = expect_closed();
  CAF_CHECK(starts_with(info.error, "abort: "));
}

CAF_TEST(a destroyed io_context still ends the session once) {
  {
    asio::io_context other;
    auto ws = ws_session::make(other, self->address(),
                               options("ws://127.0.0.1:1/"));
    ws->start();
  } // the session first, then the io_context with its pending handlers
  CAF_CHECK_EQUAL(expect_closed().error, "abort: the io_context was stopped");
  expect_silence();
}

CAF_TEST(a close handshake outlives the session handle) {
  loopback_server srv{ws_server()};
  auto ws = start(options(srv.url()));
  expect_open();
  // What an owner's attach_functor does when it exits.
  ws->close(4000, "owner exits");
  ws.reset();
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, 4000);
  CAF_CHECK_EQUAL(info.error, "");
  CAF_CHECK_EQUAL(srv.wait_close_seen(2s).first, 4000);
}

CAF_TEST(a full write queue fails the connection) {
  auto cfg = ws_server();
  cfg.silent = true; // never opens, so nothing drains the queue
  loopback_server srv{cfg};
  auto opts = options(srv.url());
  opts.max_queue = 2;
  auto ws = ws_session::make(io, self->address(), opts);
  ws->send_text("1");
  ws->send_text("2");
  ws->send_text("3");
  ws->start();
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.error, "write: queue full (2 messages waiting)");
  CAF_CHECK(!info.was_open);
}

CAF_TEST(invalid URLs and early close end the session once) {
  auto a = start(options("http://127.0.0.1/"));
  CAF_CHECK(starts_with(expect_closed().error, "url: not a WebSocket URL"));
  auto b = start(options("127.0.0.1"));
  CAF_CHECK(starts_with(expect_closed().error, "url: missing scheme"));
  auto c = ws_session::make(io, self->address(), options("ws://127.0.0.1/"));
  c->close(1000, "");
  CAF_CHECK_EQUAL(expect_closed().error, "close: closed before start");
  c->start();
  expect_silence();
}

CAF_TEST(wss works with the test CA) {
  loopback_server srv{ws_server(true)};
  auto opts = options(srv.url());
  opts.tls.ca_file = tether::test::pki().ca_file;
  auto ws = start(opts);
  expect_open();
  ws->send_text("secure");
  CAF_CHECK_EQUAL(next_frame().first, "secure");
  ws->send_text("!close 4001 over tls");
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, 4001);
  CAF_CHECK_EQUAL(info.reason, "over tls");
  CAF_CHECK_EQUAL(info.error, "");
}

CAF_TEST(wss close handshake from our side) {
  loopback_server srv{ws_server(true)};
  auto opts = options(srv.url());
  opts.tls.ca_file = tether::test::pki().ca_file;
  auto ws = start(opts);
  expect_open();
  ws->close(1000, "done");
  auto info = expect_closed();
  CAF_CHECK_EQUAL(info.code, 1000);
  CAF_CHECK_EQUAL(info.error, "");
  CAF_CHECK_EQUAL(srv.wait_close_seen(2s).first, 1000);
}

CAF_TEST(wss verification fails without the CA) {
  loopback_server srv{ws_server(true)};
  auto ws = start(options(srv.url())); // system store only
  auto info = expect_closed();
  CAF_CHECK(starts_with(info.error, "tls: "));
  CAF_CHECK(info.error.find("certificate verify failed") != std::string::npos);
  CAF_CHECK(!info.was_open);
}

CAF_TEST(wss verification fails for a wrong host name) {
  auto cfg = ws_server(true);
  cfg.wrong_host_cert = true;
  loopback_server srv{cfg};
  auto opts = options(srv.url());
  opts.tls.ca_file = tether::test::pki().ca_file;
  auto ws = start(opts);
  auto info = expect_closed();
  CAF_CHECK(starts_with(info.error, "tls: "));
  CAF_CHECK(info.error.find("certificate verify failed") != std::string::npos);
  // Without verification, the same server is accepted.
  opts.tls.verify = false;
  auto insecure = start(opts);
  expect_open();
  insecure->close(1000, "");
  CAF_CHECK_EQUAL(expect_closed().error, "");
}

CAF_TEST(batch mode hands messages over in order with one ring per batch) {
  loopback_server srv{ws_server()};
  auto opts = options(srv.url("/"));
  opts.batch = true;
  auto ws = start(opts);
  expect_open();
  constexpr int n = 300;
  for (int i = 0; i < n; ++i)
    ws->send_text("m" + std::to_string(i));
  std::vector<ws_message> got;
  int rings = 0;
  for (int round = 0; round < n && got.size() < size_t{n}; ++round)
    self->receive([&](ws_frames_atom) { ++rings; ws->take_frames(got); },
                  [](ws_frame_atom, const std::string&, bool) {
                    CAF_FAIL("single frame in batch mode");
                  },
                  caf::after(5s) >> [] { CAF_FAIL("no ws_frames within 5s"); });
  CAF_REQUIRE_EQUAL(got.size(), size_t{n});
  for (int i = 0; i < n; ++i)
    CAF_CHECK_EQUAL(got[i].payload, "m" + std::to_string(i));
  CAF_CHECK(!got[0].binary);
  CAF_CHECK_LESS_OR_EQUAL(rings, n);
  CAF_MESSAGE(n << " messages in " << rings << " batches");
}

CAF_TEST(batch mode stops reading while untaken bytes exceed the limit) {
  loopback_server srv{ws_server()};
  auto opts = options(srv.url("/"));
  opts.batch = true;
  opts.max_pending_bytes = 1000;
  opts.ping_interval = 100ms; // a pause must not look like a dead peer
  opts.ping_timeout = 100ms;
  auto ws = start(opts);
  expect_open();
  for (int i = 0; i < 10; ++i)
    ws->send_text("!big 500");
  self->receive([](ws_frames_atom) {},
                caf::after(5s) >> [] { CAF_FAIL("no ws_frames within 5s"); });
  // Two messages reach the limit; nothing more is read until they are
  // taken, however long we wait (here: longer than the ping timeout).
  std::this_thread::sleep_for(400ms);
  std::vector<ws_message> got;
  CAF_CHECK_EQUAL(ws->take_frames(got), 2u);
  // Taking them resumes reading; the rest arrives in later batches.
  for (int round = 0; round < 20 && got.size() < 10; ++round)
    self->receive([&](ws_frames_atom) { ws->take_frames(got); },
                  [](ws_closed_atom, const ws_close_info& x) {
                    CAF_FAIL("closed while paused: " << x.error);
                  },
                  caf::after(5s) >> [] { CAF_FAIL("reading did not resume"); });
  CAF_CHECK_EQUAL(got.size(), 10u);
  for (auto& msg : got)
    CAF_CHECK_EQUAL(msg.payload.size(), 500u);
  ws->close(1000, "bye");
  self->receive([](ws_closed_atom, const ws_close_info& x) {
                  CAF_CHECK_EQUAL(x.code, 1000);
                },
                caf::after(5s) >> [] { CAF_FAIL("no ws_closed"); });
}

CAF_TEST_FIXTURE_SCOPE_END()
