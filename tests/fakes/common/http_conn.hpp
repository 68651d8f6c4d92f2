// The HTTP side of a fake: one connection that reads requests, answers them
// or hands the stream over for a WebSocket upgrade.

#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tether::fakes::common {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using request = http::request<http::string_body>;

/// The owner's answer to one request.
struct http_reply {
  /// Take the stream over as a WebSocket (the rest is ignored).
  bool upgrade = false;
  /// Never answer; keep the connection until the client gives up.
  bool hang = false;
  /// Answer this much later (a slow server).
  std::chrono::milliseconds delay{0};
  http::status status = http::status::ok;
  /// Content-Type (empty: none).
  std::string content_type;
  /// Set after Server and Content-Type.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Keep the connection when the request allows it.
  bool keep_alive = true;
};

struct http_settings {
  /// The Server header.
  std::string name;
  size_t body_limit = 4 * 1024 * 1024;
  std::function<http_reply(const request&)> on_request;
  /// Receives the stream when on_request asks for an upgrade.
  std::function<void(beast::tcp_stream&&, request)> on_upgrade;
};

class http_conn : public std::enable_shared_from_this<http_conn> {
public:
  http_conn(tcp::socket&& socket, std::shared_ptr<const http_settings> cfg);

  void start();

private:
  void do_read();
  void on_read(beast::error_code ec, size_t n);
  void do_write(bool keep_alive);
  void on_write(bool keep_alive, beast::error_code ec, size_t n);
  void on_hang(beast::error_code ec, size_t n);

  std::shared_ptr<const http_settings> cfg_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> res_;
  asio::steady_timer delay_timer_;
  char sink_[64];
};

} // namespace tether::fakes::common
