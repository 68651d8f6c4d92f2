// A fake Discord (gateway v10 + REST) on 127.0.0.1 for tests and benchmarks.
// It speaks the wire protocol of ../shared/PROTOCOLS.md §1 faithfully, checks
// the client against Discord's rules (violations()) and injects faults on
// demand. Plain Asio/Beast on its own io thread(s); no CAF.
//
// Every public member function is thread-safe. Faults and events address a
// shard's *current* connection (the one bound to the shard's newest
// session); shard = -1 addresses every live gateway connection.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tether::fakes {

/// How a zlib-stream message is put on the wire (test hook).
enum class zlib_split {
  /// One WS message, one frame: what Discord does.
  none,
  /// One WS message in two frames (FIN only on the second).
  ws_frames,
  /// Two WS messages; only the second ends in 00 00 ff ff. Clients must
  /// buffer until the Z_SYNC_FLUSH suffix.
  ws_messages,
};

struct discord_options {
  /// "Bot <token>" on REST, identify/resume token on the gateway.
  std::string token = "test-token";
  /// /gateway/bot "shards"; identify must use exactly this count.
  uint32_t shards = 1;
  /// session_start_limit.max_concurrency (identify buckets per 5 s).
  int max_concurrency = 1;
  /// session_start_limit.remaining, decremented per accepted identify.
  int identify_remaining = 1000;
  std::chrono::milliseconds heartbeat_interval{41250};
  std::string bot_user_id = "1000";
  std::string bot_name = "tether-test";
  /// How long a dropped session stays resumable.
  std::chrono::milliseconds resume_window{120000};
  int io_threads = 1;
  // -- extensions ------------------------------------------------------------
  /// Listening port on 127.0.0.1; 0 picks a free one.
  uint16_t port = 0;
  /// After READY, flood this many MESSAGE_CREATE into the connection.
  size_t flood_after_ready = 0;
  /// Dispatches kept per session for resume replay; older ones make a
  /// resume from before them fail with op 9 false.
  size_t replay_limit = 10000;
  /// How compressed messages go on the wire (see also split_compressed()).
  zlib_split split = zlib_split::none;
  /// Close 4009 when a connection sends no heartbeat for
  /// 2 * heartbeat_interval + 1 s (Discord's zombie-client cleanup).
  bool enforce_heartbeats = true;
};

class fake_discord {
public:
  // -- member types ----------------------------------------------------------

  struct shard_state {
    uint32_t shard;
    bool connected;
    std::string session_id;
    int64_t last_seq;
    /// Identify (op 2) frames for this shard, accepted or not.
    int identifies;
    /// Resume (op 6) frames that named a session of this shard.
    int resumes;
    /// Heartbeats (op 1) received on connections of this shard.
    int heartbeats;
    bool resumable;
    /// Close code of the client's last close frame (0: none or a drop).
    uint16_t last_close_code;
  };

  struct posted_message {
    /// The channel id; "webhook:<id>" for webhook executions.
    std::string channel_id;
    std::string content;
    std::string nonce;
    bool enforce_nonce;
    /// The raw request body.
    std::string body;
  };

  // -- constructors, destructors, and assignment operators -------------------

  /// Starts listening on 127.0.0.1 on its own io thread(s). Throws
  /// std::runtime_error when it cannot bind.
  explicit fake_discord(discord_options opts);

  /// Stops everything; returns within about 2 s even with half-open clients.
  ~fake_discord();

  fake_discord(const fake_discord&) = delete;
  fake_discord& operator=(const fake_discord&) = delete;

  // -- properties ------------------------------------------------------------

  uint16_t port() const;

  /// ws://127.0.0.1:P/gateway
  std::string gateway_url() const;

  /// http://127.0.0.1:P/api/v10
  std::string api_base() const;

  /// The guild id that the fake sends in GUILD_CREATE to `shard`; it maps
  /// to `shard` by Discord's formula (id >> 22) % shards.
  std::string guild_id(uint32_t shard) const;

  // -- faults ----------------------------------------------------------------

  /// Closes the TCP connection without a close frame (RST).
  void drop(int shard);

  /// Stops reading and sending (no ACKs, no auto-pongs) but keeps TCP open.
  void half_open(int shard);

  /// Closes new TCP connections right after accepting them for `d`.
  void refuse_for(std::chrono::milliseconds d);

  /// Sends op 7 Reconnect.
  void send_reconnect(int shard);

  /// Sends op 9 Invalid Session; `resumable` false also ends the session.
  void send_invalid_session(int shard, bool resumable);

  /// Sends a close frame; 4004, 4007, 4009 and 4010-4014 end the session.
  void close_with(int shard, uint16_t code, std::string reason);

  /// Keeps the connection but stops (or resumes) sending op 11.
  void stall_acks(int shard, bool on);

  /// Sends op 1: the client must heartbeat at once.
  void request_heartbeat(int shard);

  /// The next `count` REST calls whose path (with or without the /api/v10
  /// prefix) starts with `route_prefix` get a 429.
  void rate_limit_route(std::string route_prefix, double retry_after_s,
                        int count);

  /// The next `count` Create Message calls create their message (and
  /// remember its nonce) but are never answered: the client cannot know
  /// the message exists.
  void hang_creates(int count);

  /// The next `count` REST calls get a global 429.
  void rate_limit_global(double retry_after_s, int count);

  /// Executions of this webhook get 404 Unknown Webhook from now on.
  void webhook_gone(std::string webhook_id);

  /// Changes how compressed messages are framed from now on.
  void split_compressed(zlib_split mode);

  // -- events ----------------------------------------------------------------

  /// Sends op 0 with the shard session's next seq (or just logs it for
  /// resume replay while disconnected). Returns the seq, or -1 when the
  /// shard has no session. shard = -1: every shard, returns the last seq.
  int64_t dispatch(int shard, std::string t, std::string d_json);

  /// A realistic (~1 KB) MESSAGE_CREATE `d` object.
  std::string message_create_json(std::string channel_id, std::string guild_id,
                                  std::string content,
                                  std::string author_id = "42",
                                  std::string author_name = "alice") const;

  /// `n` MESSAGE_CREATE dispatches of `d_json`, as fast as the connection
  /// takes them (generated in chunks as the write queue drains).
  void flood(int shard, size_t n, std::string d_json);

  // -- observers (thread-safe snapshots) -------------------------------------

  std::vector<shard_state> shards() const;

  /// "<kind>: <detail>" strings. Kinds: identify-rate, identify-limit,
  /// gateway-send-rate, bad-frame, oversized-frame, unknown-opcode,
  /// not-authenticated, already-authenticated, heartbeat-seq,
  /// heartbeat-missed, 429-ignored, rest-global-rate, rest-400, rest-401,
  /// user-agent, webhook-gone-reused. Informational entries start with
  /// "note: " ("note: session closed with 1000 ...", "note: identify while
  /// resumable ...").
  std::vector<std::string> violations() const;

  /// True if some entry of violations() starts with `prefix`.
  bool has_violation(const std::string& prefix) const;

  /// violations() without the "note: " entries.
  std::vector<std::string> errors() const;

  /// Create Message bodies (deduplicated by nonce when enforce_nonce is set)
  /// and webhook executions, in arrival order.
  std::vector<posted_message> posted() const;

  /// Create Message calls answered from the nonce cache.
  int duplicate_count() const;

  /// Op 2 frames received (all shards, accepted or not).
  int identify_count() const;

  /// Op 6 frames received.
  int resume_count() const;

  /// Gateway (WebSocket) connections accepted.
  int connection_count() const;

  /// Polls `pred` every 5 ms until it holds or `timeout` passed.
  bool wait_for(std::function<bool()> pred,
                std::chrono::milliseconds timeout) const;

  // -- implementation --------------------------------------------------------

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace tether::fakes
