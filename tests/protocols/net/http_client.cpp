#define CAF_SUITE protocols.net.http_client

#include "protocols/net/http_client.hpp"

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "caf/test/unit_test.hpp"
#include "support/loopback_server.hpp"
#include "support/test_certs.hpp"

namespace asio = boost::asio;

using namespace std::chrono_literals;
using namespace tether::net;

using tether::test::http_reply;
using tether::test::loopback_server;
using tether::test::seen_request;

namespace {

using clock_type = std::chrono::steady_clock;

loopback_server::config
http_server(std::function<http_reply(const seen_request&)> responder = {},
            bool tls = false) {
  loopback_server::config cfg;
  cfg.proto = loopback_server::protocol::http;
  cfg.tls = tls;
  cfg.responder = std::move(responder);
  return cfg;
}

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

/// Collects responses from `done` callbacks (io thread) for the test
/// thread, and counts every call so that doubles show up.
class collector {
public:
  http_client::handler add() {
    return [this](http_response res) {
      std::lock_guard<std::mutex> guard{mtx_};
      responses_.push_back(std::move(res));
      cv_.notify_all();
    };
  }

  /// Waits up to 5s for `n` responses in total.
  std::vector<http_response> wait(size_t n) {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, 5s, [&] {
          return responses_.size() >= n;
        }))
      CAF_FAIL("only " << responses_.size() << " of " << n
                       << " responses within 5s");
    return responses_;
  }

  size_t count() {
    std::lock_guard<std::mutex> guard{mtx_};
    return responses_.size();
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<http_response> responses_;
};

struct fixture {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    io.get_executor()};
  std::atomic<bool> io_done{false};
  std::thread io_thread{[this] {
    io.run();
    io_done = true;
  }};
  std::shared_ptr<http_client> client;

  fixture() {
    client = http_client::make(io, options());
  }

  ~fixture() {
    // A dropped client must not keep the io_context busy (idle
    // connections, the sweep timer).
    client.reset();
    work.reset();
    auto deadline = clock_type::now() + 5s;
    while (!io_done && clock_type::now() < deadline)
      std::this_thread::sleep_for(5ms);
    CAF_CHECK(io_done.load());
    io.stop();
    io_thread.join();
  }

  static http_client_options options() {
    http_client_options opts;
    opts.user_agent = "tether-test";
    return opts;
  }

  http_request get(std::string url) {
    http_request req;
    req.url = std::move(url);
    req.timeout = 3s;
    return req;
  }

  /// Sends one request and waits for its response.
  http_response fetch(http_request req) {
    return fetch(client, std::move(req));
  }

  http_response fetch(const std::shared_ptr<http_client>& c, http_request req) {
    collector col;
    c->request(std::move(req), col.add());
    auto res = col.wait(1).front();
    // `done` runs exactly once.
    std::this_thread::sleep_for(10ms);
    CAF_CHECK_EQUAL(col.count(), 1u);
    if (!res.error.empty()) CAF_MESSAGE("error: " << res.error);
    return res;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_client_tests, fixture)

CAF_TEST(GET returns status headers and body) {
  loopback_server srv{http_server([](const seen_request&) {
    http_reply r;
    r.status = 201;
    r.headers = {{"X-Reply", "yes"}, {"Content-Type", "text/plain"}};
    r.body = "hello";
    return r;
  })};
  auto req = get(srv.url("/path?q=1"));
  req.headers = {{"X-Req", "1"}, {"Accept", "text/plain"}};
  auto res = fetch(req);
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.body, "hello");
  CAF_CHECK_EQUAL(res.header("x-reply"), "yes");
  CAF_CHECK_EQUAL(res.header("X-Reply"), "yes");
  CAF_CHECK_EQUAL(res.header("content-length"), "5");
  CAF_CHECK_EQUAL(res.header("missing"), "");
  for (auto& [name, value] : res.headers)
    for (auto ch : name)
      CAF_CHECK(!std::isupper(static_cast<unsigned char>(ch)));
  auto reqs = srv.requests();
  CAF_REQUIRE_EQUAL(reqs.size(), 1u);
  CAF_CHECK_EQUAL(reqs[0].method, "GET");
  CAF_CHECK_EQUAL(reqs[0].target, "/path?q=1");
  CAF_CHECK_EQUAL(reqs[0].header("host"),
                  "127.0.0.1:" + std::to_string(srv.port()));
  CAF_CHECK_EQUAL(reqs[0].header("user-agent"), "tether-test");
  CAF_CHECK_EQUAL(reqs[0].header("x-req"), "1");
  CAF_CHECK_EQUAL(reqs[0].header("accept"), "text/plain");
}

CAF_TEST(POST sends the body with its length) {
  loopback_server srv{http_server([](const seen_request& req) {
    http_reply r;
    r.body = req.method + " " + req.header("content-type") + " " + req.body;
    return r;
  })};
  auto req = get(srv.url("/send"));
  req.method = "post";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"a":1})";
  auto res = fetch(req);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body, R"(POST application/json {"a":1})");
  CAF_CHECK_EQUAL(srv.requests().at(0).header("content-length"), "7");
}

CAF_TEST(sequential requests reuse one keep - alive connection) {
  loopback_server srv{http_server()};
  CAF_CHECK_EQUAL(fetch(get(srv.url("/1"))).body, "ok");
  CAF_CHECK_EQUAL(fetch(get(srv.url("/2"))).body, "ok");
  CAF_CHECK_EQUAL(fetch(get(srv.url("/3"))).body, "ok");
  CAF_CHECK_EQUAL(srv.accepted(), 1u);
  for (auto& req : srv.requests())
    CAF_CHECK_EQUAL(req.connection, 1u);
}

CAF_TEST(a stale pooled connection is retried once on a fresh one) {
  std::atomic<int> n{0};
  loopback_server srv{http_server([&](const seen_request&) {
    http_reply r;
    // The second request finds the pooled connection dead.
    r.drop = ++n == 2;
    return r;
  })};
  CAF_CHECK_EQUAL(fetch(get(srv.url("/1"))).body, "ok");
  auto res = fetch(get(srv.url("/2")));
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.body, "ok");
  CAF_CHECK_EQUAL(srv.accepted(), 2u);
  CAF_CHECK_EQUAL(n.load(), 3);
}

CAF_TEST(a fresh connection that fails is not retried) {
  loopback_server srv{http_server([](const seen_request&) {
    http_reply r;
    r.drop = true;
    return r;
  })};
  auto res = fetch(get(srv.url("/")));
  CAF_CHECK(starts_with(res.error, "read: "));
  CAF_CHECK_EQUAL(res.status, 0);
  CAF_CHECK_EQUAL(srv.accepted(), 1u);
}

CAF_TEST(a connection the server closed is not reused) {
  loopback_server srv{http_server([](const seen_request&) {
    http_reply r;
    r.close_after = true; // without "Connection: close"
    return r;
  })};
  CAF_CHECK_EQUAL(fetch(get(srv.url("/1"))).body, "ok");
  std::this_thread::sleep_for(50ms); // let the FIN arrive
  auto res = fetch(get(srv.url("/2")));
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(srv.accepted(), 2u);
}

CAF_TEST(a server that never answers times out) {
  loopback_server srv{http_server([](const seen_request&) {
    http_reply r;
    r.never_answer = true;
    return r;
  })};
  auto req = get(srv.url("/"));
  req.timeout = 300ms;
  auto t0 = clock_type::now();
  auto res = fetch(req);
  auto took = elapsed_ms(t0);
  CAF_CHECK_EQUAL(res.error, "timeout after 300ms");
  CAF_CHECK_EQUAL(res.status, 0);
  CAF_CHECK_GREATER_OR_EQUAL(took, 290);
  CAF_CHECK_LESS(took, 1500);
}

CAF_TEST(a slow answer within the deadline succeeds) {
  loopback_server srv{http_server([](const seen_request&) {
    http_reply r;
    r.delay = 100ms;
    return r;
  })};
  auto res = fetch(get(srv.url("/")));
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.body, "ok");
}

CAF_TEST(bodies above body_limit fail) {
  loopback_server srv{http_server([](const seen_request& req) {
    http_reply r;
    r.body = std::string(req.target == "/big" ? 2000 : 1000, 'x');
    return r;
  })};
  auto ok = get(srv.url("/small"));
  ok.body_limit = 1000;
  CAF_CHECK_EQUAL(fetch(ok).body.size(), 1000u);
  auto big = get(srv.url("/big"));
  big.body_limit = 1000;
  auto res = fetch(big);
  CAF_CHECK_EQUAL(res.error, "read: body larger than 1000 bytes");
  CAF_CHECK_EQUAL(res.body, "");
}

CAF_TEST(a refused connection reports the connect step) {
  auto res = fetch(get("http://127.0.0.1:" + std::to_string(unused_port())));
  CAF_CHECK(starts_with(res.error, "connect: "));
  CAF_CHECK_EQUAL(res.status, 0);
}

CAF_TEST(invalid URLs fail without I / O) {
  CAF_CHECK_EQUAL(fetch(get("ftp://x/")).error,
                  "url: unsupported scheme \"ftp\"");
  CAF_CHECK_EQUAL(fetch(get("ws://x/")).error, "url: not an HTTP URL: ws://x/");
}

CAF_TEST(https works with the test CA and fails without it) {
  loopback_server srv{http_server({}, true)};
  auto opts = options();
  opts.tls.ca_file = tether::test::pki().ca_file;
  auto secure = http_client::make(io, opts);
  auto res = fetch(secure, get(srv.url("/")));
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.body, "ok");
  CAF_CHECK_EQUAL(fetch(secure, get(srv.url("/again"))).body, "ok");
  CAF_CHECK_EQUAL(srv.accepted(), 1u);
  auto untrusted = fetch(get(srv.url("/"))); // the system store only
  CAF_CHECK(starts_with(untrusted.error, "tls: "));
  CAF_CHECK(untrusted.error.find("certificate verify failed")
            != std::string::npos);
}

CAF_TEST(https fails for a wrong host name) {
  auto cfg = http_server({}, true);
  cfg.wrong_host_cert = true;
  loopback_server srv{cfg};
  auto opts = options();
  opts.tls.ca_file = tether::test::pki().ca_file;
  auto res = fetch(http_client::make(io, opts), get(srv.url("/")));
  CAF_CHECK(starts_with(res.error, "tls: "));
  CAF_CHECK(res.error.find("certificate verify failed") != std::string::npos);
}

CAF_TEST(many concurrent requests complete) {
  loopback_server srv{http_server([](const seen_request& req) {
    http_reply r;
    r.delay = 20ms;
    r.body = req.target;
    return r;
  })};
  constexpr size_t n = 50;
  collector col;
  for (size_t i = 0; i < n; ++i)
    client->request(get(srv.url("/" + std::to_string(i))), col.add());
  auto responses = col.wait(n);
  std::this_thread::sleep_for(20ms);
  CAF_CHECK_EQUAL(col.count(), n);
  std::set<std::string> bodies;
  for (auto& res : responses) {
    CAF_CHECK_EQUAL(res.error, "");
    bodies.insert(res.body);
  }
  CAF_CHECK_EQUAL(bodies.size(), n);
  CAF_CHECK_LESS_OR_EQUAL(srv.accepted(), n);
}

CAF_TEST(at most max_idle_per_host connections stay in the pool) {
  loopback_server srv{http_server([](const seen_request&) {
    http_reply r;
    r.delay = 50ms; // keeps all five requests in flight together
    return r;
  })};
  auto opts = options();
  opts.max_idle_per_host = 2;
  auto pooled = http_client::make(io, opts);
  for (int round = 0; round < 2; ++round) {
    collector col;
    for (int i = 0; i < 5; ++i)
      pooled->request(get(srv.url("/")), col.add());
    col.wait(5);
  }
  // Five connections, then two reused and three new.
  CAF_CHECK_EQUAL(srv.accepted(), 8u);
}

CAF_TEST(idle connections are closed after idle_timeout) {
  loopback_server srv{http_server()};
  auto opts = options();
  opts.idle_timeout = 100ms;
  auto pooled = http_client::make(io, opts);
  CAF_CHECK_EQUAL(fetch(pooled, get(srv.url("/1"))).body, "ok");
  std::this_thread::sleep_for(250ms);
  CAF_CHECK_EQUAL(fetch(pooled, get(srv.url("/2"))).body, "ok");
  CAF_CHECK_EQUAL(srv.accepted(), 2u);
}

CAF_TEST(a destroyed io_context still calls done once) {
  collector col;
  {
    asio::io_context other;
    auto doomed = http_client::make(other, options());
    doomed->request(get("http://127.0.0.1:1/"), col.add());
  } // the client first, then the io_context with its pending handlers
  auto res = col.wait(1).front();
  CAF_CHECK_EQUAL(res.error, "aborted: the io_context was stopped");
  std::this_thread::sleep_for(10ms);
  CAF_CHECK_EQUAL(col.count(), 1u);
}

CAF_TEST(shutdown fails pending requests) {
  loopback_server srv{http_server([](const seen_request&) {
    http_reply r;
    r.never_answer = true;
    return r;
  })};
  collector col;
  auto req = get(srv.url("/"));
  req.timeout = 5s;
  client->request(req, col.add());
  auto deadline = clock_type::now() + 5s;
  while (srv.requests().empty() && clock_type::now() < deadline)
    std::this_thread::sleep_for(5ms);
  auto t0 = clock_type::now();
  client->shutdown();
  auto res = col.wait(1).front();
  CAF_CHECK_EQUAL(res.error, "shutdown: the client is shut down");
  CAF_CHECK_LESS(elapsed_ms(t0), 1000);
  CAF_CHECK_EQUAL(fetch(get(srv.url("/"))).error,
                  "shutdown: the client is shut down");
}

CAF_TEST_FIXTURE_SCOPE_END()
