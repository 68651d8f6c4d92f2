// Internals of the fake mirai-api-http. One mutex (impl::mtx_) guards all
// protocol state; connections are dumb transports on their own strands that
// report to the impl and take commands through asio::post. Lock order: the
// impl mutex may be held while posting to a connection, never the reverse.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "fakes/common/http_conn.hpp"
#include "fakes/common/listener.hpp"
#include "fakes/common/ws_conn.hpp"
#include "fakes/mirai/fake_mirai.hpp"

namespace tether::fakes::mirai_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using json = nlohmann::json;
using request = http::request<http::string_body>;

using ws_conn = common::ws_conn;

} // namespace tether::fakes::mirai_detail

namespace tether::fakes {

struct fake_mirai::impl {
  using conn_ptr = std::shared_ptr<mirai_detail::ws_conn>;
  using json = mirai_detail::json;
  using time_point = mirai_detail::time_point;
  using request = mirai_detail::request;

  struct conn_state {
    conn_ptr io;
    std::string channel;
    std::string session_key;
    int64_t qq = 0;
    bool authed = false;
    bool closing = false;
    bool frozen = false;
  };

  struct rule {
    std::string command;
    int count;
    int code = 0;
  };

  explicit impl(mirai_options opts);
  ~impl();
  void start();
  void stop();

  // -- I/O callbacks (called by connections, without the lock) --------------

  /// The callbacks every WebSocket connection reports to.
  common::ws_callbacks ws_callbacks();
  common::http_reply on_request(const request& req);
  void on_upgrade(mirai_detail::beast::tcp_stream&& stream,
                  mirai_detail::request req);
  void on_ws_open(const conn_ptr& conn);
  void on_frame(uint64_t id, std::string msg, bool binary);
  void on_end(uint64_t id);

  // -- helpers (require mtx_) -----------------------------------------------

  void violation(std::string what);
  void send_locked(conn_state& c, std::string payload);
  void close_locked(uint64_t id, uint16_t code, std::string reason);
  void reject_locked(uint64_t id, int code, const std::string& msg);
  void answer_locked(uint64_t id, const std::string& sync_id, json data);
  json execute_locked(const std::string& command, const json& content);
  /// Takes one use of the first rule matching `command`; nullptr if none.
  rule* take_rule_locked(std::vector<rule>& rules, const std::string& command);
  void push_locked(const json& data);
  json source_chain_locked(const mirai_chain& chain, int32_t& id);
  json member_sender(int64_t sender, const std::string& member_name,
                     int64_t group, const std::string& group_name) const;

  // -- member variables ------------------------------------------------------

  mirai_options opts_;
  mirai_detail::asio::io_context ioc_;
  common::listener listener_;
  std::shared_ptr<const common::http_settings> http_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  mutable std::mutex mtx_;
  uint64_t next_conn_id_ = 1;
  std::map<uint64_t, conn_state> conns_;
  std::vector<rule> swallow_;
  std::vector<rule> fail_;
  std::chrono::milliseconds delay_{0};
  std::vector<fake_mirai::command> commands_;
  std::vector<std::string> violations_;
  int32_t next_message_id_ = 1000;
  int session_count_ = 0;
  int connection_count_ = 0;
  uint64_t next_session_ = 1;
};

} // namespace tether::fakes
