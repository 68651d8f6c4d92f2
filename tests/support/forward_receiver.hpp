// A receiver for the `forward` handler: a loopback HTTP server that checks
// each request's signature (X-Tether-Signature over "<timestamp>.<body>")
// and answers according to a fault mode that a test may switch at any
// time. Runs on a thread of its own (loopback_server).

#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/loopback_server.hpp"

namespace tether::test {

class forward_receiver {
public:
  enum class mode {
    /// 204, no body.
    no_content,
    /// 200 {"reply": "echo: TEXT"}.
    json_reply,
    /// 200 {"replies": ["one: TEXT", "two: TEXT"]}.
    json_replies,
    /// 200 text/plain "text: TEXT".
    text_reply,
    /// 500 on the first attempt of each message, then like json_reply.
    fail_then_ok,
    /// 500 always.
    always_500,
    /// Reads the request and never answers.
    hang,
    /// 200 with Content-Type application/json and a body that is not JSON.
    garbage,
    /// 403 with a short body.
    forbidden,
  };

  /// `secret` empty: requests must come unsigned.
  explicit forward_receiver(std::string secret);

  ~forward_receiver();

  void set_mode(mode m) {
    mode_ = m;
  }

  /// `http://127.0.0.1:PORT/hook`.
  std::string url() const;

  /// Requests received so far.
  size_t requests() const;

  /// Requests whose signature (or its absence, without a secret) was right.
  size_t verified() const;

  /// Requests with a missing or wrong signature or timestamp, or a body
  /// that is not a message.
  size_t rejected() const;

  /// The `content.text` of every request, in arrival order.
  std::vector<std::string> texts() const;

  /// Raw bodies, in arrival order.
  std::vector<std::string> bodies() const;

private:
  http_reply respond(const seen_request& req);

  std::string secret_;
  std::atomic<mode> mode_{mode::json_reply};
  mutable std::mutex mtx_;
  size_t verified_ = 0;
  size_t rejected_ = 0;
  std::vector<std::string> texts_;
  std::vector<std::string> bodies_;
  /// Attempts per message id (fail_then_ok).
  std::map<std::string, size_t> attempts_;
  std::unique_ptr<loopback_server> server_;
};

} // namespace tether::test
