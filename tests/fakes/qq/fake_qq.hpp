// A fake QQ official bot API v2 (token endpoint, OpenAPI REST and the
// WebSocket gateway) on 127.0.0.1 for tests. It follows PROTOCOLS.md §2,
// checks the client against QQ's rules (violations()) and injects faults on
// demand. Plain Asio/Beast on its own io thread(s); no CAF.
//
// Token endpoint, REST and gateway share one port, so token_url(),
// api_base() and gateway_url() all point at the same listener.
//
// Choices where the QQ docs are silent (so tests can rely on them):
// - A wrong appId/clientSecret gets HTTP 200 with {"code":100016,
//   "message":"invalid appid or secret"} and no access_token: clients have
//   to look at the body, as with the real endpoint.
// - A REST call without a currently valid "QQBot <token>" gets HTTP 401
//   {"code":11244,"message":"token not exist or expire"}.
// - A reused (msg_id, msg_seq) pair gets HTTP 400 {"code":40054005,
//   "message":"消息被去重，请检查请求msgseq"} and a "msg-seq-reused"
//   violation. The pair is checked across all scenes and targets.
// - Passive-reply windows (5/60 min) and the 5-replies-per-msg_id budget
//   are not checked; proactive sends (no msg_id) are accepted.
// - A gateway identify/resume with an unknown, expired or badly prefixed
//   token is closed with 4004 (the code QQ SDKs handle as "invalid
//   token"; QQ's own table has none).
// - Identifying more than max_concurrency times within 5 s gets op 9
//   (d=false) and an "identify-rate" violation.
// - After the fake closed a connection with 4914 or 4915, every later
//   identify or resume is closed with the same code and recorded as
//   "reconnect-after-fatal".
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

struct qq_options {
  std::string app_id = "102000001";
  std::string client_secret = "test-secret";
  /// expires_in of issued tokens (sent as a string, like QQ does).
  std::chrono::seconds token_lifetime{7200};
  /// How long the previous token keeps working after a rotation (60 s on
  /// the real service).
  std::chrono::milliseconds token_grace{60000};
  /// true: every token fetch issues a new token. false: QQ's own rule, a
  /// new token only within token_grace of the current one's expiry.
  bool rotate_on_fetch = true;
  /// /gateway/bot "shards"; identify must use exactly this count.
  uint32_t shards = 1;
  /// session_start_limit.max_concurrency (identifies per 5 s).
  int max_concurrency = 1;
  /// session_start_limit.total and the starting "remaining".
  int session_total = 1000;
  std::chrono::milliseconds heartbeat_interval{45000};
  /// Hello goes out this long after the upgrade; an identify that arrives
  /// earlier is an "identify-before-hello" violation.
  std::chrono::milliseconds hello_delay{0};
  /// Intents the bot may use; identifying with other bits gets 4014.
  uint64_t granted_intents = ~uint64_t{0};
  std::string bot_user_id = "6158788878435714165";
  std::string bot_name = "tether-qq-test";
  /// How long a dropped session stays resumable.
  std::chrono::milliseconds resume_window{120000};
  /// Dispatches kept per session for resume replay.
  size_t replay_limit = 10000;
  /// Close 4009 when a connection sends no heartbeat for
  /// 2 * heartbeat_interval + 1 s.
  bool enforce_heartbeats = true;
  /// Listening port on 127.0.0.1; 0 picks a free one.
  uint16_t port = 0;
  int io_threads = 1;
};

/// What the token endpoint does with the next requests (fail_token()).
enum class qq_token_fault {
  /// HTTP 500 with an error body.
  http_500,
  /// Reads the request and never answers (the client's timeout must fire).
  timeout,
};

class fake_qq {
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
    /// "channel", "dms", "group" or "c2c".
    std::string scene;
    /// channel_id, guild_id, group_openid or user openid from the path.
    std::string target;
    std::string content;
    int msg_type;
    std::string msg_id;
    /// 1 when the body has none (QQ's default).
    int64_t msg_seq;
    std::string event_id;
    /// HTTP status the fake answered with.
    unsigned status;
    /// The raw request body.
    std::string body;
  };

  // -- constructors, destructors, and assignment operators -------------------

  /// Starts listening on 127.0.0.1 on its own io thread(s). Throws
  /// std::runtime_error when it cannot bind.
  explicit fake_qq(qq_options opts);

  /// Stops everything; bounded even with half-open or hanging clients.
  ~fake_qq();

  fake_qq(const fake_qq&) = delete;
  fake_qq& operator=(const fake_qq&) = delete;

  // -- properties ------------------------------------------------------------

  uint16_t port() const;

  /// http://127.0.0.1:P/app/getAppAccessToken
  std::string token_url() const;

  /// http://127.0.0.1:P (OpenAPI root: /gateway, /v2/users/..., ...)
  std::string api_base() const;

  /// ws://127.0.0.1:P/websocket
  std::string gateway_url() const;

  /// The newest issued token ("" before the first fetch).
  std::string current_token() const;

  /// Whether `token` (without "QQBot ") is accepted right now.
  bool token_valid(const std::string& token) const;

  // -- faults ----------------------------------------------------------------

  /// Closes the TCP connection without a close frame (RST).
  void drop(int shard);

  /// Stops reading and sending (no ACKs, no pongs) but keeps TCP open.
  void half_open(int shard);

  /// Closes new TCP connections (HTTP and WS) right after accept for `d`.
  void refuse_for(std::chrono::milliseconds d);

  /// Sends a close frame. 4001-4002, 4006, 4007, 4010-4014 and 4900-4915
  /// end the session (no resume); 4008 and 4009 keep it resumable.
  void close_with(int shard, uint16_t code, std::string reason);

  /// Sends op 7 Reconnect.
  void send_reconnect(int shard);

  /// Sends op 9 Invalid Session (d=false) and ends the session.
  void send_invalid_session(int shard);

  /// Keeps the connection but stops (or resumes) sending op 11.
  void stall_acks(int shard, bool on);

  /// The next `count` token requests fail as `kind`.
  void fail_token(int count, qq_token_fault kind);

  /// Every issued token stops being valid now (forces a refresh).
  void expire_tokens();

  /// The next `count` OpenAPI calls (not the token endpoint) whose path
  /// starts with `path_prefix` get `status` (e.g. 429, 500, 503).
  void fail_rest(unsigned status, int count, std::string path_prefix = "");

  // -- events ----------------------------------------------------------------

  /// Sends op 0 {id, op, d, s, t} with the session's next seq (or logs it
  /// for replay while the session is disconnected but resumable). An empty
  /// `event_id` becomes "<t>:<uuid>". Returns the seq, or -1 when the
  /// shard has no live session. shard = -1: every shard, the last seq.
  int64_t dispatch(int shard, std::string t, std::string d_json,
                   std::string event_id = "");

  /// Dispatches the same `d` (same msg id, same event id) twice with two
  /// seqs, as QQ does when it re-pushes a message. Returns the second seq.
  int64_t dispatch_twice(int shard, std::string t, std::string d_json);

  /// AT_MESSAGE_CREATE / MESSAGE_CREATE body of a guild channel message.
  /// `mention_bot` prefixes "<@!bot_id> " and lists the bot in mentions.
  /// An empty `msg_id` gets a fresh one.
  std::string guild_message_json(std::string channel_id, std::string guild_id,
                                 std::string content, bool mention_bot,
                                 std::string author_id = "42",
                                 std::string msg_id = "") const;

  /// DIRECT_MESSAGE_CREATE body.
  std::string direct_message_json(std::string guild_id, std::string channel_id,
                                  std::string content,
                                  std::string author_id = "42",
                                  std::string msg_id = "") const;

  /// GROUP_AT_MESSAGE_CREATE body.
  std::string
  group_at_message_json(std::string group_openid, std::string member_openid,
                        std::string content, std::string msg_id = "") const;

  /// C2C_MESSAGE_CREATE body.
  std::string c2c_message_json(std::string user_openid, std::string content,
                               std::string msg_id = "") const;

  // -- observers (thread-safe snapshots) -------------------------------------

  std::vector<shard_state> shards() const;

  /// "<kind>: <detail>" strings. Kinds: identify-before-hello, stale-token,
  /// bad-token-format, identify-rate, identify-limit, not-authenticated,
  /// already-authenticated, bad-frame, unknown-opcode, heartbeat-seq,
  /// heartbeat-missed, session-ended (client closed with 1000/1001),
  /// reconnect-after-fatal, msg-seq-reused, rest-401, rest-400.
  /// Informational entries start with "note: ".
  std::vector<std::string> violations() const;

  /// True if some entry of violations() starts with `prefix`.
  bool has_violation(const std::string& prefix) const;

  /// violations() without the "note: " entries.
  std::vector<std::string> errors() const;

  /// Message sends (accepted or rejected after auth), in arrival order.
  std::vector<posted_message> posted() const;

  /// Requests to the token endpoint (failed ones included).
  int token_fetch_count() const;

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
