// Stands in for a WebSocket session in actor tests: records what the actor
// sends and never touches the network. The test plays the peer by sending
// ws_* messages (protocols/type_ids.hpp) to the owning actor.

#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "protocols/net/ws_session.hpp"

namespace tether::test {

class recording_ws_session : public net::ws_session {
public:
  explicit recording_ws_session(net::ws_options opts) : opts(std::move(opts)) {
    // nop
  }

  void start() override {
    started = true;
  }

  void send_text(std::string text) override {
    sent.push_back(std::move(text));
  }

  void send_binary(std::string bytes) override {
    sent.push_back(std::move(bytes));
  }

  void close(uint16_t code, std::string) override {
    close_code = code;
  }

  void abort() override {
    aborted = true;
  }

  net::ws_options opts;
  bool started = false;
  bool aborted = false;
  int close_code = -1;
  std::vector<std::string> sent;
};

} // namespace tether::test
