// A fake OpenAI-compatible chat-completions server on 127.0.0.1 for tests.
// `POST /v1/chat/completions` answers deterministically with
// `echo: <last user text> [<N> messages]`, so a test sees what was sent
// and how much history came along. Plain Asio/Beast on its own io
// threads (the shared fakes transport); no CAF.
//
// A request without `Authorization: Bearer <api_key>` gets 401 with an
// OpenAI-style error object that quotes the key it got (so tests can check
// that a client never logs it). Faults apply to the next requests in this
// order: hang, 429, 500, malformed; a slow answer delays any of them.
// Every request is recorded. Every public member function is thread-safe.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tether::fakes {

struct openai_options {
  /// The expected key; empty accepts any (or no) Authorization.
  std::string api_key = "test-openai-key";
  /// Listening port on 127.0.0.1; 0 picks a free one.
  uint16_t port = 0;
  int io_threads = 2;
};

class fake_openai {
public:
  // -- member types ----------------------------------------------------------

  struct request {
    std::string method;
    std::string target;
    std::string authorization;
    std::string body;
    /// From the body, when it parsed: the model, the number of messages,
    /// the content and name of the last one.
    std::string model;
    size_t messages = 0;
    std::string last_text;
    std::string last_name;
    /// What the fake did: the status sent, or 0 for a hang.
    int status = 0;
  };

  // -- constructors, destructors, and assignment operators -------------------

  /// Starts listening; throws std::runtime_error when it cannot bind.
  explicit fake_openai(openai_options opts = {});

  /// Stops everything; bounded even with hanging requests.
  ~fake_openai();

  fake_openai(const fake_openai&) = delete;
  fake_openai& operator=(const fake_openai&) = delete;

  // -- properties ------------------------------------------------------------

  uint16_t port() const;

  /// `http://127.0.0.1:P/v1`, the `base_url` of a client.
  std::string base_url() const;

  // -- faults ----------------------------------------------------------------

  /// Answers every request `d` late (0 turns it off).
  void slow(std::chrono::milliseconds d);

  /// The next `count` requests get 429 with `Retry-After: retry_after`
  /// (empty: no header).
  void rate_limit(int count, std::string retry_after = "1");

  /// The next `count` requests get 500 with an error object.
  void server_error(int count);

  /// The next `count` requests get 200 with a truncated JSON body.
  void malformed(int count);

  /// The next `count` requests are never answered (count < 0: all).
  void hang(int count);

  /// Answers with `content` instead of the echo (nullopt: echo again).
  void answer_with(std::optional<std::string> content);

  // -- observers -------------------------------------------------------------

  /// Requests so far, in arrival order.
  std::vector<request> requests() const;

  size_t request_count() const;

  /// "<kind>: <detail>" for requests that break the API's rules: bad-json,
  /// bad-request (no model, no messages, a message without role or
  /// content), content-type.
  std::vector<std::string> violations() const;

  /// Polls `pred` every 5 ms until it holds or `timeout` passes.
  bool wait_for(std::function<bool()> pred,
                std::chrono::milliseconds timeout) const;

  // -- implementation --------------------------------------------------------

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace tether::fakes
