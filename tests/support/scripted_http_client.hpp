// Stands in for net::http_client in actor tests: records each request with
// its completion handler and never touches the network. The test answers
// a request with answer(); the handler runs on the test's thread, and the
// actor gets its message through the test scheduler.

#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "protocols/net/http_client.hpp"

namespace tether::test {

class scripted_http_client : public net::http_client {
public:
  struct call {
    net::http_request request;
    handler done;
    bool answered = false;
  };

  void request(net::http_request req, handler done) override {
    calls.push_back({std::move(req), std::move(done), false});
  }

  void shutdown() override {
    // nop
  }

  /// Answers request `index` (in the order made) with `status` and `body`;
  /// status 0 with `error` is a transport failure.
  void answer(size_t index, int status, std::string body = {},
              std::string error = {}) {
    auto& c = calls.at(index);
    c.answered = true;
    net::http_response resp;
    resp.status = status;
    resp.body = std::move(body);
    resp.error = std::move(error);
    c.done(std::move(resp));
  }

  /// Requests not answered yet.
  size_t open() const {
    size_t n = 0;
    for (auto& c : calls)
      if (!c.answered)
        ++n;
    return n;
  }

  std::vector<call> calls;
};

} // namespace tether::test
