// An HTTP/1.1 server (plain or TLS) for webhook ingress and the admin
// console, in the shape of a Beast server: one object per connection on its
// own strand, an on_* chain. Every phase of a connection has a deadline, so
// no client and no handler can hold a connection forever:
//
//   TLS handshake + first header   header_timeout (from accept)
//   wait for the next request      idle_timeout (keep-alive)
//   one header, once it started    header_timeout
//   the body                       body_timeout
//   the application's answer       handler_timeout (then 503)
//   each write                     write_timeout
//
// The handler runs on an io thread and must not block: it answers through
// the `http_responder` it gets, at once or later from any thread.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::net {

/// Same alias as in http_client.hpp.
using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_server_tls {
  /// PEM file with the server certificate, followed by its chain. Empty =
  /// plain HTTP.
  std::string cert_file;
  /// PEM file with the private key of the certificate.
  std::string key_file;
};

struct http_server_options {
  /// An IP address (v4 or v6) to listen on.
  std::string address = "127.0.0.1";
  /// 0 picks a free port; http_server::port() tells which.
  uint16_t port = 0;
  /// Larger bodies get 413 and the connection is closed.
  size_t body_limit = 1024 * 1024;
  /// Larger request headers get 431 and the connection is closed.
  size_t header_limit = 16 * 1024;
  /// From accept (TLS handshake included), or from the first byte of a
  /// later request, until its header is complete. Then the connection is
  /// closed without an answer.
  std::chrono::milliseconds header_timeout{10'000};
  /// From the end of the header until the end of the body. Then the
  /// connection is closed without an answer.
  std::chrono::milliseconds body_timeout{30'000};
  /// An idle keep-alive connection is closed after this long.
  std::chrono::milliseconds idle_timeout{60'000};
  /// One response (or one stream chunk) until it is fully written.
  std::chrono::milliseconds write_timeout{10'000};
  /// From the complete request until the application answers (or starts a
  /// stream). Then the server answers 503 itself.
  std::chrono::milliseconds handler_timeout{10'000};
  /// How long stop() lets requests in flight finish.
  std::chrono::milliseconds shutdown_timeout{5'000};
  /// Connections beyond this many are closed at once, without reading or
  /// answering anything: under overload, a response is work we cannot
  /// afford, and a TLS handshake even more so.
  size_t max_connections = 1024;
  /// Bytes a stream may have waiting to be written; a write beyond this
  /// closes the stream (the client does not keep up).
  size_t stream_queue_limit = 1024 * 1024;
  http_server_tls tls;
};

/// One request, complete with its body.
struct http_server_request {
  /// As sent, e.g. `POST`.
  std::string method;
  /// As sent: path and query, e.g. `/hook?a=1`.
  std::string target;
  /// The target up to `?`, not percent-decoded.
  std::string path;
  /// The target after `?` (without it), not percent-decoded.
  std::string query;
  /// Names in lower case, values as sent, in arrival order.
  header_list headers;
  /// The raw bytes of the body (signatures are computed over them).
  std::string body;
  /// The peer's IP address and port.
  std::string remote_address;
  uint16_t remote_port = 0;

  /// The first header named `name` (any case), or empty.
  std::string header(const std::string& name) const;
};

struct http_server_response {
  int status = 200;
  /// Content-Length and Transfer-Encoding are set by the server. A
  /// `Connection: close` here closes the connection after the response.
  header_list headers;
  std::string body;
};

/// Counter values at one moment.
struct http_server_counters {
  uint64_t connections_open = 0;
  uint64_t connections_total = 0;
  /// Requests whose header was read completely.
  uint64_t requests_total = 0;
  /// 413: the body was larger than `body_limit`.
  uint64_t rejected_too_large = 0;
  /// Closed because a header was not complete within `header_timeout`.
  uint64_t rejected_header_timeout = 0;
  /// Closed because a body was not complete within `body_timeout`.
  uint64_t rejected_body_timeout = 0;
  /// Closed at once because `max_connections` were open.
  uint64_t rejected_too_many_connections = 0;
  /// 503: the application did not answer within `handler_timeout`.
  uint64_t rejected_handler_timeout = 0;
  /// 400 or 431: a request the parser refused.
  uint64_t rejected_bad_request = 0;
  /// Closed because a write did not finish within `write_timeout`.
  uint64_t write_timeouts = 0;
  /// Streams closed because their queue exceeded `stream_queue_limit`.
  uint64_t stream_overflows = 0;
};

namespace detail {

class http_exchange;
class http_stream_state;

} // namespace detail

/// The sending side of a streamed response (Server-Sent Events): chunks go
/// out in the order written. Copies share one stream; when the last copy is
/// gone, the stream is closed. Thread-safe.
class http_stream {
public:
  /// A stream that is already closed.
  http_stream() = default;

  /// Made by the server.
  explicit http_stream(std::shared_ptr<detail::http_stream_state> state);

  /// Queues `data` as one chunk. Returns false (and drops `data`) when the
  /// stream is closed, or closes it when the queue would grow beyond
  /// `stream_queue_limit`. Empty data is ignored.
  bool write(std::string data);

  /// Ends the stream once the queued chunks are written, then closes the
  /// connection. Idempotent.
  void close();

  /// True once writes are refused: after close(), an overflow, a client
  /// that went away, or stop().
  bool closed() const;

  /// Runs `f` once when the stream has ended for any reason, on an io
  /// thread; at once (on this thread) when it already has.
  void on_close(std::function<void()> f);

private:
  class owner;

  std::shared_ptr<owner> owner_;
};

/// Answers one request, exactly once, from any thread. Copies share one
/// answer: the first respond() or start_stream() wins, later calls do
/// nothing. When the last copy is gone without an answer, the client gets
/// 500. After the handler deadline (503) every call does nothing.
class http_responder {
public:
  /// A responder whose calls do nothing.
  http_responder() = default;

  /// Made by the server.
  explicit http_responder(std::shared_ptr<detail::http_exchange> exchange);

  void respond(http_server_response res);

  /// Sends `status` and `headers` now and the body later, through the
  /// returned stream; the handler deadline no longer applies. A stream is
  /// the last response on its connection. Returns a closed stream when the
  /// request was already answered.
  http_stream start_stream(header_list headers, int status = 200);

private:
  std::shared_ptr<detail::http_exchange> exchange_;
};

class http_server {
public:
  using handler = std::function<void(http_server_request, http_responder)>;

  /// Binds, listens and starts accepting. Returns null and stores why in
  /// `error` when the address, the port or the TLS files are unusable.
  static std::shared_ptr<http_server>
  make(boost::asio::io_context& io, http_server_options opts,
       handler on_request, std::string& error);

  /// Calls stop() and returns at once; connections wind down on the
  /// io_context.
  virtual ~http_server();

  /// The bound port.
  virtual uint16_t port() const = 0;

  /// Thread-safe.
  virtual http_server_counters counters() const = 0;

  /// Stops accepting and closes idle connections; requests in flight may
  /// finish (with `Connection: close`) within `shutdown_timeout`, then every
  /// connection is closed. Streams end at once. `on_stopped` runs on an io
  /// thread when no connection is left. Thread-safe, idempotent.
  virtual void stop(std::function<void()> on_stopped = {}) = 0;
};

} // namespace tether::net
