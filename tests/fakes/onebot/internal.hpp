// Internals of the fake OneBot. One mutex (impl::mtx_) guards all protocol
// state; connections are dumb transports on their own strands that report
// to the impl and take commands through asio::post. Lock order: the impl
// mutex may be held while posting to a connection, never the reverse.

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
#include "fakes/onebot/fake_onebot.hpp"

namespace tether::fakes::onebot_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using json = nlohmann::json;
using request = http::request<http::string_body>;
using header_list = std::vector<std::pair<std::string, std::string>>;

using ws_conn = common::ws_conn;

} // namespace tether::fakes::onebot_detail

namespace tether::fakes {

struct fake_onebot::impl {
  using conn_ptr = std::shared_ptr<onebot_detail::ws_conn>;
  using json = onebot_detail::json;
  using time_point = onebot_detail::time_point;
  using request = onebot_detail::request;

  struct conn_state {
    conn_ptr io;
    onebot_role role = onebot_role::universal;
    bool reverse = false;
    /// Index into dials_ for reverse connections.
    size_t dial = 0;
    bool open = false;
    bool closing = false;
    bool frozen = false;
    std::shared_ptr<onebot_detail::asio::steady_timer> heartbeat;
  };

  struct dial_target {
    std::string host;
    uint16_t port = 0;
    std::string target;
    onebot_role role = onebot_role::universal;
    bool active = true;
  };

  struct rule {
    std::string name;
    int count;
    int retcode = 0;
  };

  explicit impl(onebot_options opts);
  ~impl();
  void start();
  void stop();

  // -- I/O callbacks (called by connections, without the lock) --------------

  /// The callbacks every WebSocket connection reports to.
  common::ws_callbacks ws_callbacks();
  common::http_reply on_request(const request& req);
  /// 0: accept the upgrade; otherwise the HTTP status to answer with.
  unsigned check_upgrade(const request& req);
  void on_upgrade(onebot_detail::beast::tcp_stream&& stream, request req);
  void on_ws_open(uint64_t id);
  void on_dial_failed(uint64_t id);
  void on_frame(uint64_t id, std::string msg, bool binary);
  void on_end(uint64_t id);

  // -- helpers (require mtx_) -----------------------------------------------

  void violation(std::string what);
  void send_locked(conn_state& c, std::string payload);
  void close_locked(uint64_t id, uint16_t code, std::string reason);
  void dial_locked(size_t index);
  void schedule_redial_locked(size_t index);
  void arm_heartbeat_locked(uint64_t id);
  json base_event(const char* post_type) const;
  json lifecycle_event() const;
  json heartbeat_event() const;
  json message_field(const std::string& cq) const;
  json execute_locked(const std::string& name, const json& params);
  rule* take_rule_locked(std::vector<rule>& rules, const std::string& name);
  /// Sends `event` to every open event-carrying connection.
  void push_locked(const json& event);

  // -- member variables ------------------------------------------------------

  onebot_options opts_;
  onebot_detail::asio::io_context ioc_;
  common::listener listener_;
  std::shared_ptr<const common::http_settings> http_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  mutable std::mutex mtx_;
  uint64_t next_conn_id_ = 1;
  std::map<uint64_t, conn_state> conns_;
  std::vector<dial_target> dials_;
  int dial_attempts_ = 0;
  bool heartbeats_stopped_ = false;
  std::vector<rule> swallow_;
  std::vector<rule> fail_;
  std::vector<fake_onebot::action> actions_;
  std::vector<std::string> violations_;
  int32_t next_message_id_ = 2000;
  int connection_count_ = 0;
  int auth_failures_ = 0;
  int heartbeats_sent_ = 0;
};

} // namespace tether::fakes
