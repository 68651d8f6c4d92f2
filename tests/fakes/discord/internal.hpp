// Internals of the fake Discord. One mutex (impl::mtx_) guards all protocol
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
#include <optional>
#include <set>
#include <string>
#include <string_view>
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
#include "fakes/discord/fake_discord.hpp"

#include <zlib.h>

namespace tether::fakes::detail {

namespace asio = boost::asio;           // from <boost/asio.hpp>
namespace beast = boost::beast;         // from <boost/beast.hpp>
namespace http = beast::http;           // from <boost/beast/http.hpp>
namespace websocket = beast::websocket; // from <boost/beast/websocket.hpp>
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using json = nlohmann::json;

// -- zlib-stream ------------------------------------------------------------

/// One deflate context for the life of a connection; every message ends
/// with Z_SYNC_FLUSH (00 00 ff ff), like Discord's zlib-stream transport.
class zlib_deflater {
public:
  zlib_deflater();
  ~zlib_deflater();
  zlib_deflater(const zlib_deflater&) = delete;
  zlib_deflater& operator=(const zlib_deflater&) = delete;

  std::string compress(std::string_view in);

private:
  z_stream zs_;
  bool ok_ = false;
};

// -- gateway connection ------------------------------------------------------

using common::end_kind;

/// A gateway WebSocket connection: zlib-stream compression on top of the
/// shared transport.
class gateway_conn : public common::ws_conn {
public:
  gateway_conn(uint64_t id, beast::tcp_stream&& stream, bool compress,
               common::ws_callbacks callbacks);

  /// Queues a text payload (compressed on the strand when zlib-stream).
  void send(std::shared_ptr<const std::string> text, int64_t seq,
            zlib_split split);

private:
  bool compress_;
  std::unique_ptr<zlib_deflater> deflater_;
};

// -- REST ------------------------------------------------------------------

struct rest_response {
  /// Never answer (the work is done, the client never learns it).
  bool hang = false;
  http::status status = http::status::ok;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

} // namespace tether::fakes::detail

namespace tether::fakes {

namespace asio = detail::asio;
namespace beast = detail::beast;
namespace http = detail::http;
namespace websocket = detail::websocket;
using detail::json;
using detail::tcp;

// -- the shared state -------------------------------------------------------

struct fake_discord::impl {
  using conn_ptr = std::shared_ptr<detail::gateway_conn>;
  using time_point = detail::time_point;

  struct log_entry {
    int64_t seq;
    std::string t;
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
    bool ended = false;
    bool closing = false;
    bool frozen = false;
    bool stall = false;
    int heartbeats = 0;
    time_point last_beat;
    std::deque<time_point> recv_times;
    /// (time, written seq) samples for the heartbeat seq check.
    std::deque<std::pair<time_point, int64_t>> written;
    size_t flood_left = 0;
    std::shared_ptr<const std::string> flood_d;
    /// Offset of the message id's digits in flood_d (npos: none found);
    /// every flooded message gets its own id there, as on Discord.
    size_t flood_id_at = std::string::npos;
    size_t flood_id_len = 0;
  };

  struct route_limit {
    std::string prefix;
    double retry_after = 0;
    int count = 0;
  };

  struct bucket {
    time_point window_start;
    int used = 0;
  };

  // -- construction ----------------------------------------------------------

  explicit impl(discord_options opts);
  ~impl();
  void start();
  void stop();

  // -- I/O callbacks (called by connections, without the lock) --------------

  void on_upgrade(beast::tcp_stream&& stream,
                  http::request<http::string_body> req);
  common::http_reply on_request(const http::request<http::string_body>& req);
  void on_ws_open(const conn_ptr& conn);
  void on_frame(uint64_t id, std::string msg, bool binary);
  void on_end(uint64_t id, detail::end_kind kind, uint16_t code);
  void on_drained(uint64_t id);
  detail::rest_response on_rest(const http::request<http::string_body>& req);

  // -- helpers (require mtx_) -----------------------------------------------

  void tick();
  void schedule_tick();
  void violation(std::string what);
  void send_locked(conn_state& c, std::string payload, int64_t seq = 0);
  void close_locked(uint64_t id, uint16_t code, std::string reason);
  void drop_locked(uint64_t id);
  void end_locked(uint64_t id, detail::end_kind kind, uint16_t code);
  int64_t dispatch_locked(session& s, std::string t,
                          std::shared_ptr<const std::string> d);
  void pump_flood_locked(uint64_t id);
  void handle_op_locked(uint64_t id, conn_state& c, const json& frame);
  void identify_locked(uint64_t id, conn_state& c, const json& d);
  void resume_locked(uint64_t id, conn_state& c, const json& d);
  void heartbeat_locked(uint64_t id, conn_state& c, const json& frame);
  session* current_session_locked(uint32_t shard);
  bool resumable_locked(const session& s, time_point now) const;
  std::vector<uint64_t> targets_locked(int shard);
  std::string gateway_url() const;
  std::string guild_id(uint32_t shard) const;
  std::string new_session_id();
  std::string snowflake() const;
  std::string guild_json(uint32_t shard) const;
  std::string message_json(const std::string& channel_id,
                           const std::string& content, const json& nonce,
                           const std::string& webhook_id,
                           const std::string& username) const;
  std::string
  message_create(const std::string& channel_id, const std::string& guild_id,
                 const std::string& content, const std::string& author_id,
                 const std::string& author_name) const;

  // -- REST helpers (require mtx_) ------------------------------------------

  detail::rest_response rate_limited(double retry_after, bool global,
                                     const std::string& scope);
  detail::rest_response
  create_message(const std::string& channel_id,
                 const http::request<http::string_body>& req, time_point now);
  detail::rest_response
  execute_webhook(const std::string& webhook_id, const std::string& query,
                  const http::request<http::string_body>& req);

  // -- member variables ------------------------------------------------------

  discord_options opts_;
  asio::io_context ioc_;
  common::listener listener_;
  std::shared_ptr<const common::http_settings> http_;
  asio::steady_timer tick_timer_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::atomic<int> split_{0};
  mutable std::atomic<uint64_t> last_snowflake_{0};

  mutable std::mutex mtx_;
  uint64_t next_conn_id_ = 1;
  std::map<uint64_t, conn_state> conns_;
  std::map<std::string, session> sessions_;
  std::map<uint32_t, shard_info> shards_;
  std::map<int, time_point> identify_buckets_;
  int identify_remaining_;
  int identify_count_ = 0;
  int resume_count_ = 0;
  int connection_count_ = 0;
  std::vector<std::string> violations_;
  // REST
  std::vector<fake_discord::posted_message> posted_;
  /// enforce_nonce cache: nonce -> the created message (Discord checks the
  /// nonce per author, and every post here comes from the bot).
  std::map<std::string, std::string> nonce_cache_;
  int duplicates_ = 0;
  /// Flooded messages so far (their ids count up from it).
  uint64_t flood_serial_ = 0;
  /// Create Message calls still to be done but never answered.
  int hang_creates_ = 0;
  std::map<std::string, bucket> channel_buckets_;
  std::vector<route_limit> route_limits_;
  std::map<std::string, time_point> route_blocked_until_;
  double global_retry_after_ = 0;
  int global_count_ = 0;
  time_point global_blocked_until_;
  std::deque<time_point> rest_times_;
  time_point last_rest_rate_violation_;
  std::set<std::string> gone_webhooks_;
  std::set<std::string> webhooks_told_gone_;
  uint64_t rng_state_;
};

} // namespace tether::fakes
