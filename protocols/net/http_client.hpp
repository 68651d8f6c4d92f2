// An HTTP/1.1 client (http:// and https://) with a keep-alive connection
// pool per host, used by every REST sender. Every request has a deadline
// and a body limit. Completion handlers run on an io thread: an actor
// wraps them into messages and never waits.

#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "protocols/net/tls.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::net {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "GET";
  /// `http://host[:port]/path?query` or `https://...`.
  std::string url;
  header_list headers;
  std::string body;
  /// From the call until the whole response is read (connect included).
  std::chrono::milliseconds timeout{10'000};
  /// Larger response bodies fail the request.
  size_t body_limit = 8 * 1024 * 1024;
};

struct http_response {
  /// 0 when the request failed before a response arrived.
  int status = 0;
  /// Header names in lower case, in arrival order.
  header_list headers;
  std::string body;
  /// Empty on success; otherwise the failed step and why, e.g.
  /// `connect: Connection refused` or `timeout after 10000ms`.
  std::string error;

  /// The first header named `name` (lower case), or empty.
  std::string header(const std::string& name) const;
};

struct http_client_options {
  /// Idle keep-alive connections kept per host.
  size_t max_idle_per_host = 8;
  /// Idle connections are closed after this long.
  std::chrono::milliseconds idle_timeout{60'000};
  std::string user_agent = "tether";
  tls_options tls;
};

class http_client {
public:
  using handler = std::function<void(http_response)>;

  static std::shared_ptr<http_client> make(boost::asio::io_context& io,
                                           http_client_options opts);

  virtual ~http_client();

  /// Sends `req`; `done` runs exactly once, on an io thread. Thread-safe.
  virtual void request(http_request req, handler done) = 0;

  /// Closes idle connections and fails queued requests. Thread-safe.
  virtual void shutdown() = 0;
};

} // namespace tether::net
