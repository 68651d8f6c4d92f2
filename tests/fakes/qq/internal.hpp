// Internals of the fake QQ. One mutex (impl::mtx_) guards all protocol
// state; connections are dumb transports on their own strands that report
// to the impl and take commands through asio::post. Lock order: the impl
// mutex may be held while posting to a connection, never the reverse.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
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
#include "fakes/qq/fake_qq.hpp"

namespace tether::fakes::qq_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using json = nlohmann::json;

using common::end_kind;
using ws_conn = common::ws_conn;

struct rest_response {
  http::status status = http::status::ok;
  std::string body;
  /// Never answer; keep the connection until the client gives up.
  bool hang = false;
};

} // namespace tether::fakes::qq_detail

namespace tether::fakes {

struct fake_qq::impl {
  using conn_ptr = std::shared_ptr<qq_detail::ws_conn>;
  using time_point = qq_detail::time_point;
  using json = qq_detail::json;
  using end_kind = qq_detail::end_kind;
  using rest_response = qq_detail::rest_response;
  using request = qq_detail::http::request<qq_detail::http::string_body>;

  struct log_entry {
    int64_t seq;
    std::string t;
    std::string event_id;
    std::shared_ptr<const std::string> d;
  };

  struct session {
    std::string id;
    uint32_t shard = 0;
    uint32_t shard_count = 1;
    int64_t seq = 0;
    std::deque<log_entry> log;
    /// Gateway connection id (0: none).
    uint64_t conn = 0;
    bool invalid = false;
    time_point disconnected_at;
  };

  struct shard_info {
    std::string session_id;
    int identifies = 0;
    int resumes = 0;
    int heartbeats = 0;
    uint16_t last_close_code = 0;
  };

  struct conn_state {
    conn_ptr io;
    std::string session_id;
    bool hello_sent = false;
    bool closing = false;
    bool frozen = false;
    bool stall = false;
    int heartbeats = 0;
    time_point last_beat;
    /// (time, written seq) samples for the heartbeat seq check.
    std::deque<std::pair<time_point, int64_t>> written;
  };

  struct rest_fault {
    unsigned status;
    int count;
    std::string prefix;
  };

  // -- construction ----------------------------------------------------------

  explicit impl(qq_options opts);
  ~impl();
  void start();
  void stop();

  // -- I/O callbacks (called by connections, without the lock) --------------

  void on_upgrade(qq_detail::beast::tcp_stream&& stream, request req);
  common::http_reply on_request(const request& req);
  void on_ws_open(const conn_ptr& conn);
  void on_frame(uint64_t id, std::string msg, bool binary);
  void on_end(uint64_t id, end_kind kind, uint16_t code);
  rest_response on_rest(const request& req);

  // -- helpers (require mtx_) -----------------------------------------------

  void tick();
  void schedule_tick();
  void violation(std::string what);
  void send_locked(conn_state& c, std::string payload, int64_t seq = 0);
  void close_locked(uint64_t id, uint16_t code, std::string reason);
  void drop_locked(uint64_t id);
  void end_locked(uint64_t id, end_kind kind, uint16_t code);
  void hello_locked(uint64_t id);
  int64_t dispatch_locked(session& s, const std::string& t,
                          const std::string& event_id,
                          std::shared_ptr<const std::string> d);
  void handle_op_locked(uint64_t id, conn_state& c, const json& frame);
  void identify_locked(uint64_t id, conn_state& c, const json& d);
  void resume_locked(uint64_t id, conn_state& c, const json& d);
  void heartbeat_locked(conn_state& c, const json& frame);
  /// Checks a gateway "QQBot <token>"; closes 4004 and returns false if bad.
  bool check_gateway_token_locked(uint64_t id, const json& token,
                                  const char* what);
  bool token_valid_locked(const std::string& token, time_point now) const;
  session* current_session_locked(uint32_t shard);
  bool resumable_locked(const session& s, time_point now) const;
  std::vector<uint64_t> targets_locked(int shard);
  /// A random UUID-shaped id.
  std::string new_id() const;
  std::string gateway_url() const;

  // -- REST (require mtx_) --------------------------------------------------

  rest_response token_request(const request& req);
  rest_response gateway_info(bool bot);
  rest_response post_message(const std::string& scene,
                             const std::string& target, const request& req);

  // -- member variables ------------------------------------------------------

  qq_options opts_;
  qq_detail::asio::io_context ioc_;
  common::listener listener_;
  std::shared_ptr<const common::http_settings> http_;
  qq_detail::asio::steady_timer tick_timer_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  mutable std::mutex mtx_;
  uint64_t next_conn_id_ = 1;
  std::map<uint64_t, conn_state> conns_;
  std::map<std::string, session> sessions_;
  std::map<uint32_t, shard_info> shards_;
  std::deque<time_point> identify_times_;
  int session_remaining_;
  int identify_count_ = 0;
  int resume_count_ = 0;
  int connection_count_ = 0;
  /// 4914/4915 sent: the bot may not connect any more.
  uint16_t fatal_code_ = 0;
  std::vector<std::string> violations_;
  // tokens
  /// Every token ever issued -> until when it is accepted.
  std::map<std::string, time_point> tokens_;
  std::string current_token_;
  int token_fetches_ = 0;
  int token_fault_count_ = 0;
  qq_token_fault token_fault_kind_ = qq_token_fault::http_500;
  // REST
  std::vector<fake_qq::posted_message> posted_;
  std::set<std::pair<std::string, int64_t>> reply_seqs_;
  std::vector<rest_fault> rest_faults_;
  mutable uint64_t rng_state_;
};

} // namespace tether::fakes
