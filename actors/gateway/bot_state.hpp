// What one gateway bot (Discord, QQ) keeps across the restarts of its
// actors: resume state per shard (saved to disk so a restarted daemon
// resumes instead of spending an identify), the shard plan, the platform's
// dialect, and the handles siblings need.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "config/config.hpp"

namespace tether::net {
class http_client;
class ws_session;
struct ws_options;
} // namespace tether::net

namespace tether::gateway {

class dialect;

/// The gateway part of a bot's settings; each platform fills it from its
/// own config section.
struct gateway_settings {
  /// Platform kind (`discord`, `qq`): log component and sender key.
  std::string platform;
  /// `shards: auto` takes the count from GET /gateway/bot.
  bool shards_auto = true;
  uint32_t shard_count = 1;
  uint32_t shard_first = 0;
  uint32_t shard_last = 0;
  /// zlib-stream transport compression.
  bool compress = false;
  /// Empty: the URL from GET /gateway/bot.
  std::string gateway_url;
  config::duration ping_interval = std::chrono::seconds{15};
  config::duration ping_timeout = std::chrono::seconds{10};
  config::duration connect_timeout = std::chrono::seconds{15};
  config::duration request_timeout = std::chrono::seconds{15};
  std::string ca_file;
  std::string user_agent = "tether";
  /// Dispatches besides the platform's messages passed to the router.
  std::vector<std::string> events;
  /// Seconds between identifies of one bucket (Discord: 5).
  std::chrono::milliseconds identify_spacing{5250};
};

/// Makes the dialect of one connection (dialects may keep per-connection
/// state, such as the guilds a shard serves).
using dialect_factory = std::function<std::unique_ptr<dialect>()>;

/// Resume data of one shard (twilight's `Session`, Nostrum's
/// `resume_information`).
struct session_info {
  std::string session_id;
  int64_t seq = 0;
  std::string resume_url;
};

/// The live resume slot of one shard. The connection updates `seq` on
/// every dispatch without a lock; the strings change rarely.
class session_slot {
public:
  std::optional<session_info> get() const;
  void set(session_info x);
  void clear();
  void seq(int64_t x) {
    seq_.store(x, std::memory_order_relaxed);
  }
  /// Counts a connection start of the shard; returns the earlier ones.
  uint64_t count_start() {
    return starts_.fetch_add(1, std::memory_order_relaxed);
  }

private:
  mutable std::mutex mtx_;
  std::string session_id_;
  std::string resume_url_;
  std::atomic<int64_t> seq_{0};
  std::atomic<uint64_t> starts_{0};
};

/// How many shards run here and where to connect.
struct shard_plan {
  uint32_t count = 1;
  uint32_t first = 0;
  uint32_t last = 0;
  int max_concurrency = 1;
  std::string gateway_url;
};

class bot_state {
public:
  /// `state_file` empty: nothing is persisted.
  bot_state(std::string name, gateway_settings settings,
            dialect_factory dialects, std::string state_file);

  const std::string& name() const {
    return name_;
  }

  const gateway_settings& settings() const {
    return settings_;
  }

  /// A new dialect for one connection.
  std::unique_ptr<dialect> make_dialect() const;

  std::shared_ptr<session_slot> slot(uint32_t shard);

  /// Writes every shard's resume data (atomically: temp file + rename).
  /// Returns false and sets `error` on failure.
  bool save(std::string* error = nullptr) const;

  /// Saves unless the last save is less than a second old. Saving on every
  /// READY is quadratic when a thousand shards start at once; what a
  /// skipped save misses is written by the next READY after the second or
  /// at shutdown.
  bool save_if_due(std::chrono::steady_clock::time_point now,
                   std::string* error = nullptr);

  /// Reads what an earlier run saved; a missing file is not an error.
  bool load(std::string* error = nullptr);

  std::optional<shard_plan> plan() const;
  void plan(shard_plan x);

  std::string user_id() const;
  void user_id(std::string x);

  caf::actor identify_queue() const;
  void identify_queue(caf::actor x);

  caf::actor shards() const;
  void shards(caf::actor x);

  /// Makes the gateway connections' WebSocket sessions; tests put a
  /// recording fake here. Empty: real sessions on the runtime's io_context.
  using ws_factory = std::function<std::shared_ptr<net::ws_session>(
    caf::actor_addr owner, const net::ws_options& opts)>;
  void sessions(ws_factory x);
  ws_factory sessions() const;

  /// One HTTP client (and keep-alive pool) per bot, made on first use.
  void http(std::shared_ptr<net::http_client> x);
  std::shared_ptr<net::http_client> http() const;

private:
  std::string name_;
  gateway_settings settings_;
  dialect_factory dialects_;
  std::string state_file_;
  mutable std::mutex mtx_;
  std::optional<std::chrono::steady_clock::time_point> last_save_;
  std::map<uint32_t, std::shared_ptr<session_slot>> slots_;
  std::optional<shard_plan> plan_;
  std::string user_id_;
  caf::actor_addr identify_queue_;
  caf::actor_addr shards_;
  std::shared_ptr<net::http_client> http_;
  ws_factory sessions_;
};

using bot_ptr = std::shared_ptr<bot_state>;

} // namespace tether::gateway
