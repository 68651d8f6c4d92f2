#define CAF_SUITE protocols.net.http_server

#include "protocols/net/http_server.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include <poll.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "caf/test/unit_test.hpp"
#include "protocols/net/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certs.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using namespace std::chrono_literals;
using namespace tether::net;

namespace {

using clock_type = std::chrono::steady_clock;

long elapsed_ms(clock_type::time_point since) {
  return static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                          - since)
      .count());
}

/// Polls `pred` every few milliseconds for up to `timeout`.
template<class Predicate>
bool eventually(Predicate pred, std::chrono::milliseconds timeout = 3s) {
  auto deadline = clock_type::now() + timeout;
  while (!pred()) {
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

bool contains(const std::string& x, const std::string& what) {
  return x.find(what) != std::string::npos;
}

size_t count_of(const std::string& x, const std::string& what) {
  size_t n = 0;
  for (auto i = x.find(what); i != std::string::npos;
       i = x.find(what, i + what.size()))
    ++n;
  return n;
}

/// A blocking client socket on 127.0.0.1 for what http_client will not do:
/// partial requests, pipelining, not reading.
class raw_client {
public:
  explicit raw_client(uint16_t port, int rcvbuf = 0) {
    sock_.open(tcp::v4());
    if (rcvbuf > 0)
      sock_.set_option(asio::socket_base::receive_buffer_size(rcvbuf));
    sock_.connect({asio::ip::make_address("127.0.0.1"), port}, ec_);
  }

  bool connected() const {
    return !ec_;
  }

  void send(const std::string& data) {
    boost::system::error_code ec;
    asio::write(sock_, asio::buffer(data), ec);
  }

  struct result {
    std::string data;
    /// The server closed (EOF or reset).
    bool closed = false;
  };

  /// Reads until the server closes or `timeout` passes.
  result read_all(std::chrono::milliseconds timeout) {
    return read(
      [](const std::string&) {
        return false;
      },
      timeout);
  }

  /// Reads until `needle` arrived, the server closes or `timeout` passes.
  result read_until(const std::string& needle,
                    std::chrono::milliseconds timeout) {
    return read(
      [&](const std::string& x) {
        return contains(x, needle);
      },
      timeout);
  }

  void close() {
    boost::system::error_code ec;
    sock_.close(ec);
  }

private:
  template<class Done>
  result read(Done done, std::chrono::milliseconds timeout) {
    result res;
    auto deadline = clock_type::now() + timeout;
    while (!done(res.data)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
      if (left.count() <= 0) break;
      pollfd pfd{sock_.native_handle(), POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      boost::system::error_code ec;
      auto n = sock_.read_some(asio::buffer(buf), ec);
      res.data.append(buf, n);
      if (ec) {
        res.closed = true;
        break;
      }
    }
    return res;
  }

  asio::io_context io_;
  tcp::socket sock_{io_};
  boost::system::error_code ec_;
};

/// Responders and streams parked by a handler for the test thread.
template<class T>
class parking {
public:
  void put(T x) {
    std::lock_guard<std::mutex> guard{mtx_};
    items_.push_back(std::move(x));
    cv_.notify_all();
  }

  /// Waits up to 3s for one; fails the test without it.
  T take() {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, 3s, [&] {
          return !items_.empty();
        }))
      CAF_FAIL("nothing parked within 3s");
    auto x = std::move(items_.front());
    items_.pop_front();
    return x;
  }

  void clear() {
    std::lock_guard<std::mutex> guard{mtx_};
    items_.clear();
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<T> items_;
};

/// The requests a handler saw, for the test thread.
class recorder {
public:
  void add(const http_server_request& req) {
    std::lock_guard<std::mutex> guard{mtx_};
    requests_.push_back(req);
  }

  std::vector<http_server_request> requests() {
    std::lock_guard<std::mutex> guard{mtx_};
    return requests_;
  }

  size_t count() {
    std::lock_guard<std::mutex> guard{mtx_};
    return requests_.size();
  }

private:
  std::mutex mtx_;
  std::vector<http_server_request> requests_;
};

http_server_response reply(int status, std::string body,
                           header_list headers = {}) {
  http_server_response res;
  res.status = status;
  res.body = std::move(body);
  res.headers = std::move(headers);
  return res;
}

struct fixture {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    io.get_executor()};
  std::atomic<bool> io_done{false};
  std::thread io_thread{[this] {
    io.run();
    io_done = true;
  }};
  std::shared_ptr<http_client> client = http_client::make(io, {});
  std::shared_ptr<http_server> server;

  ~fixture() {
    // Neither the client nor the server may keep the io_context busy once
    // dropped (connections, timers, the acceptor).
    client.reset();
    server.reset();
    work.reset();
    auto deadline = clock_type::now() + 5s;
    while (!io_done && clock_type::now() < deadline)
      std::this_thread::sleep_for(5ms);
    CAF_CHECK(io_done.load());
    io.stop();
    io_thread.join();
  }

  /// Options with short shutdown, so that teardown stays fast.
  static http_server_options options() {
    http_server_options opts;
    opts.shutdown_timeout = 1s;
    return opts;
  }

  void start(http_server_options opts, http_server::handler f) {
    std::string error;
    server = http_server::make(io, std::move(opts), std::move(f), error);
    if (!server) CAF_FAIL("cannot start the server: " << error);
    CAF_REQUIRE_NOT_EQUAL(server->port(), 0u);
  }

  std::string url(const std::string& path, const char* scheme = "http") {
    return std::string{scheme}
           + "://127.0.0.1:" + std::to_string(server->port()) + path;
  }

  static http_request get(std::string url) {
    http_request req;
    req.url = std::move(url);
    req.timeout = 5s;
    return req;
  }

  http_response fetch(http_request req) {
    return fetch(client, std::move(req));
  }

  http_response fetch(const std::shared_ptr<http_client>& c, http_request req) {
    auto done = std::make_shared<std::promise<http_response>>();
    auto result = done->get_future();
    c->request(std::move(req), [done](http_response res) {
      done->set_value(std::move(res));
    });
    if (result.wait_for(8s) != std::future_status::ready)
      CAF_FAIL("no response within 8s");
    auto res = result.get();
    if (!res.error.empty()) CAF_MESSAGE("client error: " << res.error);
    return res;
  }

  http_server_counters counters() {
    return server->counters();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_server_tests, fixture)

CAF_TEST(GET hands method target headers and peer to the handler) {
  recorder seen;
  start(options(), [&](http_server_request req, http_responder res) {
    seen.add(req);
    res.respond(reply(201, req.method + " " + req.path + " " + req.query,
                      {{"X-Reply", "yes"},
                       {"X-Injected", "a\r\nX-Evil: 1"},
                       {"Content-Length", "999"}}));
  });
  auto req = get(url("/hook/a?x=1&y=%20"));
  req.headers = {{"X-Signature", "AbC"}, {"Accept", "text/plain"}};
  auto res = fetch(req);
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.body, "GET /hook/a x=1&y=%20");
  CAF_CHECK_EQUAL(res.header("x-reply"), "yes");
  // The server owns Content-Length and refuses header injection.
  CAF_CHECK_EQUAL(res.header("content-length"), "21");
  CAF_CHECK_EQUAL(res.header("x-injected"), "");
  CAF_CHECK_EQUAL(res.header("x-evil"), "");
  auto reqs = seen.requests();
  CAF_REQUIRE_EQUAL(reqs.size(), 1u);
  auto& r = reqs[0];
  CAF_CHECK_EQUAL(r.method, "GET");
  CAF_CHECK_EQUAL(r.target, "/hook/a?x=1&y=%20");
  CAF_CHECK_EQUAL(r.path, "/hook/a");
  CAF_CHECK_EQUAL(r.query, "x=1&y=%20");
  CAF_CHECK_EQUAL(r.header("x-signature"), "AbC");
  CAF_CHECK_EQUAL(r.header("X-Signature"), "AbC");
  CAF_CHECK_EQUAL(r.header("accept"), "text/plain");
  CAF_CHECK_EQUAL(r.header("missing"), "");
  bool found = false;
  for (auto& [name, value] : r.headers)
    if (name == "x-signature") found = true;
  CAF_CHECK(found); // stored in lower case
  CAF_CHECK_EQUAL(r.body, "");
  CAF_CHECK_EQUAL(r.remote_address, "127.0.0.1");
  CAF_CHECK_NOT_EQUAL(r.remote_port, 0u);
  CAF_CHECK_EQUAL(counters().requests_total, 1u);
}

CAF_TEST(POST hands over the raw body byte for byte) {
  recorder seen;
  start(options(), [&](http_server_request req, http_responder res) {
    seen.add(req);
    res.respond(reply(200, std::to_string(req.body.size()) + ":" + req.body,
                      {{"Content-Type", "application/octet-stream"}}));
  });
  std::string body{"{\"a\": 1}\r\n\0\xff\xfe tail", 16};
  auto req = get(url("/raw"));
  req.method = "POST";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = body;
  auto res = fetch(req);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body, "16:" + body);
  CAF_CHECK_EQUAL(res.header("content-type"), "application/octet-stream");
  auto reqs = seen.requests();
  CAF_REQUIRE_EQUAL(reqs.size(), 1u);
  CAF_CHECK_EQUAL(reqs[0].method, "POST");
  CAF_CHECK_EQUAL(reqs[0].body.size(), 16u);
  CAF_CHECK(reqs[0].body == body);
  CAF_CHECK_EQUAL(reqs[0].header("content-type"), "application/json");
}

CAF_TEST(keep alive carries several requests on one connection) {
  start(options(), [](http_server_request req, http_responder res) {
    res.respond(reply(200, req.path));
  });
  CAF_CHECK_EQUAL(fetch(get(url("/1"))).body, "/1");
  CAF_CHECK_EQUAL(fetch(get(url("/2"))).body, "/2");
  auto c = counters();
  CAF_CHECK_EQUAL(c.connections_total, 1u);
  CAF_CHECK_EQUAL(c.connections_open, 1u);
  CAF_CHECK_EQUAL(c.requests_total, 2u);
  // Dropping the client closes its pooled connection.
  client.reset();
  CAF_CHECK(eventually([&] {
    return counters().connections_open == 0;
  }));
}

CAF_TEST(
  pipelined requests are answered in order and Connection close is honoured) {
  start(options(), [](http_server_request req, http_responder res) {
    res.respond(reply(200, "<" + req.path + ">"));
  });
  raw_client c{server->port()};
  CAF_REQUIRE(c.connected());
  c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto got = c.read_all(3s);
  CAF_CHECK(got.closed);
  CAF_CHECK_EQUAL(count_of(got.data, "HTTP/1.1 200 OK"), 2u);
  auto first = got.data.find("</first>");
  auto second = got.data.find("</second>");
  CAF_REQUIRE_NOT_EQUAL(first, std::string::npos);
  CAF_REQUIRE_NOT_EQUAL(second, std::string::npos);
  CAF_CHECK_LESS(first, second);
  // Only the second response announces the close.
  CAF_CHECK_EQUAL(count_of(got.data, "Connection: close"), 1u);
  CAF_CHECK_GREATER(got.data.find("Connection: close"), first);
  CAF_CHECK_EQUAL(counters().requests_total, 2u);
  CAF_CHECK(eventually([&] {
    return counters().connections_open == 0;
  }));
}

CAF_TEST(a body over the limit gets 413 without reaching the handler) {
  auto opts = options();
  opts.body_limit = 1000;
  std::atomic<int> calls{0};
  start(opts, [&](http_server_request req, http_responder res) {
    ++calls;
    res.respond(reply(200, "ok"));
  });
  // Announced by Content-Length: rejected before the body is read.
  {
    raw_client c{server->port()};
    c.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
           + std::string(500, 'x'));
    auto got = c.read_all(3s);
    CAF_CHECK(got.data.rfind("HTTP/1.1 413 ", 0) == 0);
    CAF_CHECK(contains(got.data, "Connection: close"));
    CAF_CHECK(got.closed);
  }
  // Chunked: the limit applies while reading.
  {
    raw_client c{server->port()};
    c.send("POST /chunked HTTP/1.1\r\nHost: x\r\n"
           "Transfer-Encoding: chunked\r\n\r\n7d0\r\n"
           + std::string(2000, 'y') + "\r\n0\r\n\r\n");
    auto got = c.read_all(3s);
    CAF_CHECK(got.data.rfind("HTTP/1.1 413 ", 0) == 0);
    CAF_CHECK(got.closed);
  }
  // A regular client that sent everything still reads the answer.
  auto req = get(url("/client"));
  req.method = "POST";
  req.body = std::string(2000, 'z');
  auto res = fetch(req);
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.status, 413);
  // At the limit is fine.
  req.body = std::string(1000, 'z');
  CAF_CHECK_EQUAL(fetch(req).status, 200);
  CAF_CHECK_EQUAL(calls.load(), 1);
  CAF_CHECK_EQUAL(counters().rejected_too_large, 3u);
}

CAF_TEST(a header trickling in is cut off at the header deadline) {
  auto opts = options();
  opts.header_timeout = 300ms;
  std::atomic<int> calls{0};
  start(opts, [&](http_server_request, http_responder res) {
    ++calls;
    res.respond(reply(200, "ok"));
  });
  raw_client c{server->port()};
  CAF_REQUIRE(c.connected());
  auto t0 = clock_type::now();
  c.send("GET / HTTP/1.1\r\nHost: x\r\n");
  // One byte every 50ms keeps the connection busy but must not extend
  // the deadline.
  raw_client::result got;
  for (int i = 0; i < 60 && !got.closed; ++i) {
    c.send("X");
    got = c.read_all(50ms);
  }
  auto ms = elapsed_ms(t0);
  CAF_CHECK(got.closed);
  CAF_CHECK_EQUAL(got.data, ""); // closed without an answer
  CAF_CHECK_GREATER_OR_EQUAL(ms, 250);
  CAF_CHECK_LESS(ms, 2000);
  CAF_CHECK_EQUAL(calls.load(), 0);
  // The deadline closes the socket before the counter moves.
  CAF_CHECK(eventually([&] {
    return counters().rejected_header_timeout == 1;
  }));
  CAF_CHECK(eventually([&] {
    return counters().connections_open == 0;
  }));
}

CAF_TEST(a connection that sends nothing is closed at the header deadline) {
  auto opts = options();
  opts.header_timeout = 200ms;
  start(opts, [](http_server_request, http_responder res) {
    res.respond(reply(200, "ok"));
  });
  raw_client c{server->port()};
  auto t0 = clock_type::now();
  auto got = c.read_all(3s);
  CAF_CHECK(got.closed);
  CAF_CHECK_LESS(elapsed_ms(t0), 2000);
  // The deadline closes the socket before the counter moves.
  CAF_CHECK(eventually([&] {
    return counters().rejected_header_timeout == 1;
  }));
}

CAF_TEST(an idle keep alive connection lives until the idle timeout) {
  auto opts = options();
  opts.header_timeout = 100ms;
  opts.idle_timeout = 600ms;
  start(opts, [](http_server_request, http_responder res) {
    res.respond(reply(200, "ok"));
  });
  raw_client c{server->port()};
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto got = c.read_until("ok", 3s);
  CAF_REQUIRE(contains(got.data, "200 OK"));
  auto t0 = clock_type::now();
  got = c.read_all(3s);
  auto ms = elapsed_ms(t0);
  CAF_CHECK(got.closed);
  // The idle timeout, not the (shorter) header deadline, applies.
  CAF_CHECK_GREATER_OR_EQUAL(ms, 500);
  CAF_CHECK_LESS(ms, 2500);
  CAF_CHECK_EQUAL(counters().rejected_header_timeout, 0u);
}

CAF_TEST(a body that stalls is cut off at the body deadline) {
  auto opts = options();
  opts.header_timeout = 5s;
  opts.body_timeout = 300ms;
  std::atomic<int> calls{0};
  start(opts, [&](http_server_request, http_responder res) {
    ++calls;
    res.respond(reply(200, "ok"));
  });
  raw_client c{server->port()};
  c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
  auto t0 = clock_type::now();
  auto got = c.read_all(3s);
  auto ms = elapsed_ms(t0);
  CAF_CHECK(got.closed);
  CAF_CHECK_EQUAL(got.data, "");
  CAF_CHECK_GREATER_OR_EQUAL(ms, 250);
  CAF_CHECK_LESS(ms, 2000);
  CAF_CHECK_EQUAL(calls.load(), 0);
  // The deadline closes the socket before the counter moves.
  CAF_CHECK(eventually([&] {
    return counters().rejected_body_timeout == 1;
  }));
  CAF_CHECK_EQUAL(counters().rejected_header_timeout, 0u);
}

CAF_TEST(a handler that never answers gets 503 at the handler deadline) {
  auto opts = options();
  opts.handler_timeout = 300ms;
  parking<http_responder> parked;
  start(opts, [&](http_server_request req, http_responder res) {
    if (req.path == "/slow")
      parked.put(std::move(res)); // kept, never answered in time
    else
      res.respond(reply(200, "fresh"));
  });
  auto t0 = clock_type::now();
  auto res = fetch(get(url("/slow")));
  auto ms = elapsed_ms(t0);
  CAF_CHECK_EQUAL(res.status, 503);
  CAF_CHECK_GREATER_OR_EQUAL(ms, 250);
  CAF_CHECK_LESS(ms, 2000);
  CAF_CHECK_EQUAL(counters().rejected_handler_timeout, 1u);
  // Answering late does nothing, and the connection serves the next
  // request with its own answer.
  auto late = parked.take();
  late.respond(reply(200, "late"));
  late.respond(reply(200, "later"));
  auto next = fetch(get(url("/next")));
  CAF_CHECK_EQUAL(next.status, 200);
  CAF_CHECK_EQUAL(next.body, "fresh");
  CAF_CHECK_EQUAL(counters().connections_total, 1u);
}

CAF_TEST(a dropped responder answers 500 and a throwing handler too) {
  auto opts = options();
  opts.handler_timeout = 5s;
  start(opts, [](http_server_request req, http_responder res) {
    if (req.path == "/throw") throw std::runtime_error("boom");
    // Neither answers nor keeps `res`.
  });
  auto t0 = clock_type::now();
  auto res = fetch(get(url("/drop")));
  CAF_CHECK_EQUAL(res.status, 500);
  CAF_CHECK_EQUAL(fetch(get(url("/throw"))).status, 500);
  CAF_CHECK_LESS(elapsed_ms(t0), 2000); // not the handler deadline
  CAF_CHECK_EQUAL(counters().rejected_handler_timeout, 0u);
}

CAF_TEST(a responder answers once from another thread) {
  parking<http_responder> parked;
  start(options(), [&](http_server_request, http_responder res) {
    parked.put(std::move(res));
  });
  std::thread worker{[&] {
    auto res = parked.take();
    auto copy = res;
    std::this_thread::sleep_for(20ms);
    // Copies share one answer: the first call wins.
    copy.respond(reply(202, "from worker"));
    res.respond(reply(200, "second"));
    res.start_stream({}).write("ignored");
  }};
  auto res = fetch(get(url("/async")));
  worker.join();
  CAF_CHECK_EQUAL(res.status, 202);
  CAF_CHECK_EQUAL(res.body, "from worker");
  // The connection is still in a clean state for the next request.
  std::thread second{[&] {
    parked.take().respond(reply(200, "again"));
  }};
  CAF_CHECK_EQUAL(fetch(get(url("/again"))).body, "again");
  second.join();
  CAF_CHECK_EQUAL(counters().connections_total, 1u);
}

CAF_TEST(connections over the limit are closed at once) {
  auto opts = options();
  opts.max_connections = 2;
  opts.header_timeout = 10s;
  start(opts, [](http_server_request, http_responder res) {
    res.respond(reply(200, "ok"));
  });
  auto first = std::make_unique<raw_client>(server->port());
  raw_client second{server->port()};
  CAF_REQUIRE(eventually([&] {
    return counters().connections_open == 2;
  }));
  raw_client third{server->port()};
  auto t0 = clock_type::now();
  auto got = third.read_all(3s);
  CAF_CHECK(got.closed);
  CAF_CHECK_EQUAL(got.data, "");
  CAF_CHECK_LESS(elapsed_ms(t0), 2000);
  CAF_CHECK_EQUAL(counters().rejected_too_many_connections, 1u);
  CAF_CHECK_EQUAL(counters().connections_open, 2u);
  // A free slot takes new connections again.
  first.reset();
  CAF_REQUIRE(eventually([&] {
    return counters().connections_open == 1;
  }));
  auto res = fetch(get(url("/")));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(counters().rejected_too_many_connections, 1u);
}

CAF_TEST(a stream delivers chunks and notices the client leaving) {
  auto opts = options();
  opts.handler_timeout = 200ms;
  parking<http_stream> streams;
  start(opts, [&](http_server_request, http_responder res) {
    streams.put(res.start_stream(
      {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}}));
  });
  raw_client c{server->port()};
  c.send(
    "GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
  auto stream = streams.take();
  // Shared: the callback may outlive this scope when a check fails.
  auto closed_calls = std::make_shared<std::atomic<int>>(0);
  stream.on_close([closed_calls] {
    ++*closed_calls;
  });
  // Written from this thread while the io thread sends.
  CAF_CHECK(stream.write("data: 1\n\n"));
  CAF_CHECK(stream.write("data: 2\n\n"));
  CAF_CHECK(stream.write("")); // ignored: an empty chunk would end it
  CAF_CHECK(stream.write("data: 3\n\n"));
  auto got = c.read_until("data: 3", 3s);
  CAF_CHECK(got.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CAF_CHECK(contains(got.data, "Content-Type: text/event-stream\r\n"));
  CAF_CHECK(contains(got.data, "Transfer-Encoding: chunked\r\n"));
  CAF_CHECK(contains(got.data,
                     "\r\n\r\n9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\n"
                     "9\r\ndata: 3\n\n\r\n"));
  CAF_CHECK(!got.closed);
  // Past the handler deadline the stream still flows.
  std::this_thread::sleep_for(400ms);
  CAF_CHECK(stream.write("data: 4\n\n"));
  got = c.read_until("data: 4", 3s);
  CAF_CHECK(contains(got.data, "9\r\ndata: 4\n\n\r\n"));
  CAF_CHECK_EQUAL(counters().rejected_handler_timeout, 0u);
  CAF_CHECK(!stream.closed());
  CAF_CHECK_EQUAL(closed_calls->load(), 0);
  // The client leaves.
  c.close();
  CAF_CHECK(eventually([&] {
    return stream.closed();
  }));
  CAF_CHECK(eventually([&] {
    return closed_calls->load() == 1;
  }));
  CAF_CHECK(!stream.write("data: 5\n\n"));
  CAF_CHECK(eventually([&] {
    return counters().connections_open == 0;
  }));
  // A callback set after the end runs at once.
  bool late_call = false;
  stream.on_close([&] {
    late_call = true;
  });
  CAF_CHECK(late_call);
  CAF_CHECK_EQUAL(closed_calls->load(), 1);
}

CAF_TEST(closing a stream ends the chunked body) {
  std::atomic<bool> closed_at_once{false};
  std::atomic<bool> refused_after{false};
  start(options(), [&](http_server_request, http_responder res) {
    auto stream = res.start_stream({{"Content-Type", "text/plain"}}, 201);
    stream.write("hello ");
    stream.write("world");
    stream.close();
    closed_at_once = stream.closed();
    refused_after = !stream.write("dropped");
  });
  auto res = fetch(get(url("/stream")));
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.body, "hello world");
  CAF_CHECK_EQUAL(res.header("transfer-encoding"), "chunked");
  CAF_CHECK(closed_at_once.load());
  CAF_CHECK(refused_after.load());
  CAF_CHECK(eventually([&] {
    return counters().connections_open == 0;
  }));
}

CAF_TEST(dropping every stream handle ends the stream) {
  start(options(), [](http_server_request, http_responder res) {
    res.start_stream({}).write("only");
  });
  auto res = fetch(get(url("/stream")));
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body, "only");
}

CAF_TEST(a stream to a client that does not read overflows its queue) {
  auto opts = options();
  opts.stream_queue_limit = 256 * 1024;
  opts.write_timeout = 10s;
  parking<http_stream> streams;
  start(opts, [&](http_server_request, http_responder res) {
    streams.put(res.start_stream({}));
  });
  raw_client c{server->port(), 4096};
  c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  auto stream = streams.take();
  auto ended = std::make_shared<std::atomic<bool>>(false);
  stream.on_close([ended] {
    *ended = true;
  });
  std::string chunk(64 * 1024, 'x');
  int accepted = 0;
  // The socket buffers fill up first; the bound keeps this loop finite.
  for (int i = 0; i < 2000 && stream.write(chunk); ++i)
    ++accepted;
  CAF_CHECK_LESS(accepted, 2000);
  CAF_CHECK(stream.closed());
  CAF_CHECK(eventually([&] {
    return ended->load();
  }));
  CAF_CHECK_EQUAL(counters().stream_overflows, 1u);
  CAF_CHECK(eventually([&] {
    return counters().connections_open == 0;
  }));
  // A single write beyond the limit fails at once.
  raw_client d{server->port()};
  d.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  auto big = streams.take();
  CAF_CHECK(!big.write(std::string(opts.stream_queue_limit + 1, 'y')));
  CAF_CHECK(big.closed());
  CAF_CHECK(eventually([&] {
    return counters().stream_overflows == 2;
  }));
}

CAF_TEST(stop lets the request in flight finish and refuses new ones) {
  auto opts = options();
  opts.shutdown_timeout = 3s;
  parking<http_responder> parked;
  start(opts, [&](http_server_request, http_responder res) {
    parked.put(std::move(res));
  });
  auto done = std::make_shared<std::promise<http_response>>();
  auto pending = done->get_future();
  client->request(get(url("/in-flight")), [done](http_response res) {
    done->set_value(res);
  });
  auto res = parked.take();
  // An idle keep-alive connection is closed right away.
  raw_client idle{server->port()};
  idle.send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  auto idle_res = parked.take();
  idle_res.respond(reply(200, "idle"));
  CAF_REQUIRE(contains(idle.read_until("idle", 3s).data, "200 OK"));
  auto stopped = std::make_shared<std::atomic<int>>(0);
  auto port = server->port();
  server->stop([stopped] {
    ++*stopped;
  });
  server->stop([stopped] {
    ++*stopped;
  }); // idempotent, both run
  auto idle_end = idle.read_all(2s);
  CAF_CHECK(idle_end.closed);
  CAF_CHECK(eventually([&] {
    raw_client probe{port};
    return !probe.connected() || probe.read_all(1s).closed;
  }));
  CAF_CHECK_EQUAL(stopped->load(), 0); // the request is still in flight
  res.respond(reply(200, "finished"));
  CAF_REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  auto answer = pending.get();
  CAF_CHECK_EQUAL(answer.status, 200);
  CAF_CHECK_EQUAL(answer.body, "finished");
  CAF_CHECK_EQUAL(answer.header("connection"), "close");
  CAF_CHECK(eventually([&] {
    return stopped->load() == 2;
  }));
  CAF_CHECK_EQUAL(counters().connections_open, 0u);
  // After the end, a callback still runs.
  server->stop([stopped] {
    ++*stopped;
  });
  CAF_CHECK(eventually([&] {
    return stopped->load() == 3;
  }));
}

CAF_TEST(stop closes what outlives the shutdown timeout) {
  auto opts = options();
  opts.shutdown_timeout = 300ms;
  opts.handler_timeout = 10s;
  parking<http_responder> parked;
  parking<http_stream> streams;
  start(opts, [&](http_server_request req, http_responder res) {
    if (req.path == "/events")
      streams.put(res.start_stream({}));
    else
      parked.put(std::move(res));
  });
  raw_client sse{server->port()};
  sse.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  auto stream = streams.take();
  auto done = std::make_shared<std::promise<http_response>>();
  auto pending = done->get_future();
  client->request(get(url("/stuck")), [done](http_response res) {
    done->set_value(res);
  });
  auto stuck = parked.take();
  auto stopped = std::make_shared<std::atomic<bool>>(false);
  auto t0 = clock_type::now();
  server->stop([stopped] {
    *stopped = true;
  });
  // Streams end at once, with the final chunk.
  auto got = sse.read_all(2s);
  CAF_CHECK(got.closed);
  CAF_CHECK(contains(got.data, "\r\n0\r\n\r\n"));
  CAF_CHECK(stream.closed());
  CAF_REQUIRE(eventually([&] {
    return stopped->load();
  }));
  auto ms = elapsed_ms(t0);
  CAF_CHECK_GREATER_OR_EQUAL(ms, 250);
  CAF_CHECK_LESS(ms, 2500);
  CAF_REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  auto answer = pending.get();
  CAF_CHECK_EQUAL(answer.status, 0);
  CAF_CHECK_NOT_EQUAL(answer.error, "");
  stuck.respond(reply(200, "too late")); // harmless
  CAF_CHECK_EQUAL(counters().connections_open, 0u);
}

CAF_TEST(dropping the server does not wait for a stuck handler) {
  auto opts = options();
  opts.shutdown_timeout = 300ms;
  opts.handler_timeout = 10s;
  parking<http_responder> parked;
  start(opts, [&](http_server_request, http_responder res) {
    parked.put(std::move(res));
  });
  auto answered = std::make_shared<std::atomic<bool>>(false);
  client->request(get(url("/stuck")), [answered](http_response) {
    *answered = true;
  });
  auto stuck = parked.take();
  auto t0 = clock_type::now();
  server.reset();
  CAF_CHECK_LESS(elapsed_ms(t0), 100);
  // The connection is closed after the shutdown timeout.
  CAF_CHECK(eventually([&] {
    return answered->load();
  }));
  stuck = http_responder{};
}

CAF_TEST(Expect 100 continue is answered before the body is read) {
  start(options(), [](http_server_request req, http_responder res) {
    res.respond(reply(200, "got " + req.body));
  });
  raw_client c{server->port()};
  c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
         "Expect: 100-continue\r\n\r\n");
  auto got = c.read_until("\r\n\r\n", 3s);
  CAF_CHECK_EQUAL(got.data, "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("hello");
  got = c.read_until("got hello", 3s);
  CAF_CHECK(got.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CAF_CHECK(contains(got.data, "got hello"));
}

CAF_TEST(malformed and oversized headers are refused) {
  auto opts = options();
  opts.header_limit = 1024;
  std::atomic<int> calls{0};
  start(opts, [&](http_server_request, http_responder res) {
    ++calls;
    res.respond(reply(200, "ok"));
  });
  {
    raw_client c{server->port()};
    c.send("GET / HTTP/1.1\r\nno colon here\r\n\r\n");
    auto got = c.read_all(3s);
    CAF_CHECK(got.data.rfind("HTTP/1.1 400 ", 0) == 0);
    CAF_CHECK(got.closed);
  }
  {
    raw_client c{server->port()};
    c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
    auto got = c.read_all(3s);
    CAF_CHECK(got.data.rfind("HTTP/1.1 431 ", 0) == 0);
    CAF_CHECK(got.closed);
  }
  CAF_CHECK_EQUAL(calls.load(), 0);
  CAF_CHECK_EQUAL(counters().rejected_bad_request, 2u);
}

CAF_TEST(HEAD gets the length without the body) {
  start(options(), [](http_server_request, http_responder res) {
    res.respond(reply(200, "twelve bytes"));
  });
  raw_client c{server->port()};
  c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto got = c.read_all(3s);
  CAF_CHECK(got.closed);
  CAF_CHECK_EQUAL(count_of(got.data, "Content-Length: 12\r\n"), 2u);
  CAF_CHECK_EQUAL(count_of(got.data, "twelve bytes"), 1u);
}

CAF_TEST(https round trip with a certificate from files) {
  tether::test::temp_dir dir{"http-server"};
  CAF_REQUIRE(!dir.path().empty());
  auto& pki = tether::test::pki();
  auto write_file = [&](const std::string& name, const std::string& text) {
    auto path = dir.path() + "/" + name;
    std::ofstream{path} << text;
    return path;
  };
  auto opts = options();
  opts.tls.cert_file = write_file("cert.pem", pki.server_cert_pem);
  opts.tls.key_file = write_file("key.pem", pki.server_key_pem);
  start(opts, [](http_server_request req, http_responder res) {
    res.respond(reply(200, "secure " + req.path + " " + req.body));
  });
  http_client_options copts;
  copts.tls.ca_file = pki.ca_file;
  auto secure = http_client::make(io, copts);
  auto res = fetch(secure, get(url("/a", "https")));
  CAF_CHECK_EQUAL(res.error, "");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body, "secure /a ");
  auto req = get(url("/b", "https"));
  req.method = "POST";
  req.body = "payload";
  CAF_CHECK_EQUAL(fetch(secure, req).body, "secure /b payload");
  CAF_CHECK_EQUAL(counters().connections_total, 1u);
  // Plain HTTP on the TLS port gets nowhere.
  auto plain = fetch(get(url("/c")));
  CAF_CHECK_EQUAL(plain.status, 0);
  secure.reset();
  // Unusable files are reported, not thrown.
  auto bad = options();
  bad.tls.cert_file = dir.path() + "/missing.pem";
  bad.tls.key_file = opts.tls.key_file;
  std::string error;
  auto none = http_server::make(
    io, bad, [](http_server_request, http_responder) {}, error);
  CAF_CHECK(none == nullptr);
  CAF_CHECK(error.rfind("tls: cannot load certificate", 0) == 0);
}

CAF_TEST(setup failures are reported) {
  start(options(), [](http_server_request, http_responder) {});
  auto opts = options();
  opts.port = server->port(); // taken
  std::string error;
  auto handler = [](http_server_request, http_responder) {};
  CAF_CHECK(http_server::make(io, opts, handler, error) == nullptr);
  CAF_CHECK(error.rfind("bind 127.0.0.1:", 0) == 0);
  opts.address = "not-an-address";
  error.clear();
  CAF_CHECK(http_server::make(io, opts, handler, error) == nullptr);
  CAF_CHECK(error.rfind("listen: bad address", 0) == 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
