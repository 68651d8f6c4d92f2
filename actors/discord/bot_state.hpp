// What one Discord bot keeps across the restarts of its actors: resume
// state per shard (saved to disk so a restarted daemon resumes instead of
// spending an identify), the shard plan, and the handles siblings need.

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "config/config.hpp"

namespace tether::net {
class http_client;
class ws_session;
struct ws_options;
} // namespace tether::net

namespace tether::discord {

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

private:
  mutable std::mutex mtx_;
  std::string session_id_;
  std::string resume_url_;
  std::atomic<int64_t> seq_{0};
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
  bot_state(std::string name, config::discord_settings settings,
            std::string state_file);

  const std::string& name() const {
    return name_;
  }

  const config::discord_settings& settings() const {
    return settings_;
  }

  std::shared_ptr<session_slot> slot(uint32_t shard);

  /// Writes every shard's resume data (atomically: temp file + rename).
  /// Returns false and sets `error` on failure.
  bool save(std::string* error = nullptr) const;

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
  config::discord_settings settings_;
  std::string state_file_;
  mutable std::mutex mtx_;
  std::map<uint32_t, std::shared_ptr<session_slot>> slots_;
  std::optional<shard_plan> plan_;
  std::string user_id_;
  caf::actor_addr identify_queue_;
  caf::actor_addr shards_;
  std::shared_ptr<net::http_client> http_;
  ws_factory sessions_;
};

using bot_ptr = std::shared_ptr<bot_state>;

} // namespace tether::discord
