// Small blocking Beast clients for checking the fake servers byte by byte:
// a WebSocket client speaking JSON and a one-shot HTTP call. Every I/O step
// has a deadline.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace tether::test::raw {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;
using header_list = std::vector<std::pair<std::string, std::string>>;

constexpr std::chrono::milliseconds io_timeout{2000};

/// How long we wait to be sure that something does *not* arrive.
constexpr std::chrono::milliseconds silence{300};

/// Runs `ioc` until `done` holds or `timeout` passed; on timeout calls
/// `cancel` and lets the aborted handler finish.
template<class Cancel>
bool run_until(asio::io_context& ioc, const bool& done,
               std::chrono::milliseconds timeout, Cancel cancel) {
  ioc.restart();
  auto deadline = steady::now() + timeout;
  while (!done && steady::now() < deadline)
    ioc.run_one_for(deadline - steady::now());
  if (done) return true;
  cancel();
  ioc.restart();
  for (int i = 0; i < 100 && !done; ++i)
    ioc.run_one_for(std::chrono::milliseconds{20});
  return false;
}

/// A minimal blocking WebSocket client for JSON messages.
class ws_client {
public:
  ws_client(uint16_t port, std::string target, header_list headers = {});

  bool connect();

  bool send(const json& frame);

  /// One message as JSON; nullopt on timeout, close or error. A read that
  /// times out stays pending (the connection stays usable) and the next
  /// call picks up its result.
  std::optional<json> read(std::chrono::milliseconds timeout = io_timeout);

  /// Reads until `pred` holds for a message (at most 50 messages).
  template<class Pred>
  std::optional<json>
  read_until(Pred pred, std::chrono::milliseconds timeout = io_timeout) {
    for (int i = 0; i < 50; ++i) {
      auto msg = read(timeout);
      if (!msg) return std::nullopt;
      if (pred(*msg)) return msg;
    }
    return std::nullopt;
  }

  /// Waits for the server's close frame; returns its code (0: none).
  uint16_t wait_closed();

  void close(uint16_t code);

  websocket::response_type response;
  uint16_t close_code = 0;
  std::string close_reason;

private:
  uint16_t port_;
  std::string target_;
  header_list headers_;
  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool reading_ = false;
  bool read_done_ = false;
  beast::error_code read_ec_;
};

struct http_result {
  bool ok = false;
  http::response<http::string_body> res;
  /// The parsed body (discarded if not JSON).
  json body;

  unsigned status() const {
    return res.result_int();
  }

  std::string header(const char* name) const {
    return std::string{res[name]};
  }
};

/// One request on a fresh connection; `timeout` bounds every step.
http_result http_call(uint16_t port, http::verb verb, const std::string& target,
                      const std::string& body = {},
                      const header_list& headers = {},
                      std::chrono::milliseconds timeout = io_timeout);

} // namespace tether::test::raw
