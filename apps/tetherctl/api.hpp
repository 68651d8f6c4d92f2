// tetherctl's side of the admin API: one request with a deadline, and a
// Server-Sent Events reader for `logs -f` and `watch`.

#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace tetherctl {

struct endpoint {
  /// `http://127.0.0.1:7070`, without a trailing slash.
  std::string base;
  /// Sent as `Authorization: Bearer <token>` when not empty.
  std::string token;
};

struct api_response {
  /// 0 when no answer arrived; `error` says why.
  int status = 0;
  std::string body;
  std::string error;
};

/// Sends one request and waits at most `timeout` for the whole answer.
api_response call(const endpoint& ep, const std::string& method,
                  const std::string& path, const std::string& body,
                  std::chrono::milliseconds timeout);

/// Reads the event stream at `path`, calling `on_event(name, data)` per
/// event, until the server ends it or nothing (not even a keep-alive)
/// arrives for `idle`. Connecting and the response header have
/// `connect_timeout`. Returns the HTTP status (0 if none arrived) and sets
/// `error` when the stream failed or ended.
int stream(const endpoint& ep, const std::string& path,
           std::chrono::milliseconds connect_timeout,
           std::chrono::milliseconds idle,
           const std::function<void(const std::string&, const std::string&)>&
             on_event,
           std::string& error, std::string& body);

/// Percent-encodes a node path for a URL (keeps `/` and `:`).
std::string encode_path(const std::string& path);

} // namespace tetherctl
