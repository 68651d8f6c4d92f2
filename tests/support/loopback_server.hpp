// A small Beast server on 127.0.0.1 for transport tests: a WebSocket echo
// server and an HTTP responder, plain or TLS, on a thread of its own.
//
// The WebSocket server echoes every message (text as text, binary as
// binary) except text commands:
//
//   !close CODE REASON   starts the close handshake with CODE and REASON
//   !drop                drops TCP without a close frame
//   !binary N            sends a binary message of N bytes
//   !big N               sends a text message of N bytes
//   !mute                stops reading: no more echoes, pongs or close
//                        replies, but TCP stays open

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tether::test {

using header_pairs = std::vector<std::pair<std::string, std::string>>;

/// What the HTTP responder does with one request.
struct http_reply {
  int status = 200;
  header_pairs headers;
  std::string body = "ok";
  /// Waits this long before answering.
  std::chrono::milliseconds delay{0};
  /// Reads the request and then says nothing (TCP stays open).
  bool never_answer = false;
  /// Drops TCP instead of answering.
  bool drop = false;
  /// Drops TCP after the answer, without announcing it.
  bool close_after = false;
};

/// A request the server received (HTTP, or a WebSocket upgrade).
struct seen_request {
  std::string method;
  std::string target;
  /// Names in lower case.
  header_pairs headers;
  std::string body;
  /// Which accepted connection carried it (1-based).
  size_t connection = 0;

  /// The first header named `name` (lower case), or empty.
  std::string header(const std::string& name) const;
};

class loopback_server {
public:
  enum class protocol { websocket, http };

  struct config {
    protocol proto = protocol::websocket;
    bool tls = false;
    /// Presents a certificate for `wrong.invalid` instead of localhost.
    bool wrong_host_cert = false;
    /// Accepts TCP, then never answers (no TLS handshake, no upgrade).
    bool silent = false;
    /// HTTP only; runs on the server thread. Default: 200 "ok".
    std::function<http_reply(const seen_request&)> responder;
  };

  explicit loopback_server(config cfg);

  ~loopback_server();

  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  uint16_t port() const;

  /// `ws://127.0.0.1:PORT` + `path` (or wss, http, https).
  std::string url(const std::string& path = "/") const;

  /// TCP connections accepted so far.
  size_t accepted() const;

  /// Requests received so far.
  std::vector<seen_request> requests() const;

  /// Waits up to `timeout` for the client's close frame; returns its code
  /// and reason, or -1 when none arrived.
  std::pair<int, std::string>
  wait_close_seen(std::chrono::milliseconds timeout) const;

  struct state;

private:
  std::unique_ptr<state> st_;
};

} // namespace tether::test
