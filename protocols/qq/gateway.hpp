// QQ bot gateway wire format (PROTOCOLS.md §2.2-2.3): the payload
// envelope, the control payloads a session reacts to, and the commands it
// sends. Pure functions: no I/O, no clocks. A session loop is
//   frame = parse_frame(text); switch (classify(*frame)) { ... }
// with parse_hello / parse_ready / parse_invalid_session for the bodies.

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tether::qq {

enum class opcode : int {
  dispatch = 0,
  heartbeat = 1,
  identify = 2,
  resume = 6,
  reconnect = 7,
  invalid_session = 9,
  hello = 10,
  heartbeat_ack = 11,
  /// Webhook only.
  http_callback_ack = 12,
  /// Webhook only: callback URL validation.
  callback_validation = 13,
};

/// Name of an opcode for logs, e.g. "heartbeat_ack"; "unknown" otherwise.
std::string_view opcode_name(int op);

/// The envelope `{"id":..,"op":..,"d":..,"s":..,"t":..}`.
struct gateway_frame {
  int op = -1;
  /// Sequence number; set on dispatches.
  std::optional<int64_t> s;
  /// Event name of a dispatch, e.g. "AT_MESSAGE_CREATE"; empty otherwise.
  std::string t;
  /// The event id (QQ-specific); empty when absent.
  std::string id;
  /// The JSON text of `d`, compact; "null" when absent.
  std::string d;
};

/// Parses one payload. Keys may come in any order; unknown keys are
/// ignored. Returns nullopt and sets `*error` on malformed JSON, a
/// non-object, a missing or non-integer `op`, or `s`/`t`/`id` of the
/// wrong type.
std::optional<gateway_frame> parse_frame(std::string_view json,
                                         std::string* error = nullptr);

/// What a session does with a frame.
enum class frame_kind {
  /// op 10: start heartbeating, then Identify or Resume.
  hello,
  /// op 0 READY: store session_id; the session is up.
  ready,
  /// op 0 RESUMED: replay finished; the session is up again.
  resumed,
  /// Any other op 0: an event; remember `s`.
  dispatch,
  /// op 11.
  heartbeat_ack,
  /// op 1 from the server: answer with a heartbeat now.
  heartbeat_request,
  /// op 7: close, reconnect and resume.
  reconnect,
  /// op 9: the session is gone; see parse_invalid_session.
  invalid_session,
  /// Anything else (webhook opcodes, unknown ops): ignore.
  other,
};

frame_kind classify(const gateway_frame& frame);

std::string_view to_string(frame_kind x);

/// `heartbeat_interval` of a Hello `d`; nullopt unless a positive integer.
std::optional<std::chrono::milliseconds> parse_hello(std::string_view d);

struct ready_info {
  int version = 0;
  std::string session_id;
  std::string user_id;
  std::string user_name;
  bool bot = false;
  /// `[shard_id, shard_count]` when READY had it.
  std::optional<std::pair<uint32_t, uint32_t>> shard;
};

/// Reads a READY `d`; needs `session_id` and `user.id`.
std::optional<ready_info> parse_ready(std::string_view d);

/// The `d` of op 9: whether the session may be resumed. The QQ doc does
/// not show this body, and botpy treats every op 9 as "identify anew", so
/// anything but a literal `true` (false, null, absent, an object) is
/// false.
bool parse_invalid_session(std::string_view d);

struct identify_params {
  /// The bare access token; the builder adds the `QQBot ` prefix.
  std::string access_token;
  uint64_t intents = 0;
  /// Use [0, 1] when not sharding.
  uint32_t shard_id = 0, shard_count = 1;
  /// Ignored by the server but part of the documented frame.
  std::string os = "linux", browser = "tether", device = "tether";
};

/// op 2: `{"op":2,"d":{"token":"QQBot ..","intents":..,"shard":[id,n],
/// "properties":{"$os":..,"$browser":..,"$device":..}}}`; empty when
/// shard_id >= shard_count or the token is empty.
std::string make_identify(const identify_params& params);

/// op 6: `{"op":6,"d":{"token":"QQBot ..","session_id":..,"seq":..}}`.
std::string make_resume(std::string_view access_token,
                        std::string_view session_id, int64_t seq);

/// op 1: `{"op":1,"d":<seq or null>}`; null before any dispatch.
std::string make_heartbeat(std::optional<int64_t> seq);

/// `url` of the `GET /gateway` (or `/gateway/bot`) body.
std::optional<std::string> parse_gateway_url(std::string_view body);

struct session_start_limit {
  int64_t total = 0, remaining = 0;
  int64_t reset_after_ms = 0;
  /// Sessions that may start per 5 s.
  int64_t max_concurrency = 1;
};

struct gateway_bot {
  std::string url;
  uint32_t shards = 1;
  session_start_limit limit;
};

/// Reads the `GET /gateway/bot` body; needs `url` and `shards` >= 1. A
/// missing `session_start_limit` keeps the defaults; max_concurrency below
/// 1 is read as 1.
std::optional<gateway_bot> parse_gateway_bot(std::string_view body,
                                             std::string* error = nullptr);

} // namespace tether::qq
