// Discord gateway v10 wire format (PROTOCOLS.md §1.1-1.7): reading the
// payload envelope and the few control payloads the session needs, and
// building the commands it sends. Pure functions: no I/O, no clocks.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tether::discord {

/// The gateway API version in every URL we build.
constexpr int api_version = 10;

/// Discord closes the connection (4002) on client frames above this.
constexpr size_t max_send_frame = 4096;

enum class opcode : int {
  dispatch = 0,
  heartbeat = 1,
  identify = 2,
  presence_update = 3,
  voice_state_update = 4,
  resume = 6,
  reconnect = 7,
  request_guild_members = 8,
  invalid_session = 9,
  hello = 10,
  heartbeat_ack = 11,
};

/// Name of an opcode for logs, e.g. "heartbeat_ack"; "unknown" otherwise.
std::string_view opcode_name(int op);

/// The envelope `{"op":..,"d":..,"s":..,"t":..}` of a received payload.
struct gateway_frame {
  int op = -1;
  /// Sequence number; set only on dispatches (op 0).
  std::optional<int64_t> s;
  /// Event name of a dispatch, e.g. "MESSAGE_CREATE"; empty otherwise.
  std::string t;
  /// The raw JSON text of `d`, verbatim; "null" when absent or null.
  std::string d;
};

/// Reads the envelope of one gateway payload without parsing `d` into a
/// tree: simdjson on-demand skips over it and `d` is copied as text. Keys
/// may come in any order; unknown keys are ignored. The interior of `d` is
/// only checked for balanced brackets, closed strings and UTF-8; the
/// parse_* functions below check the rest. Returns nullopt on malformed
/// input (not an object, missing or non-integer `op`, wrong types of
/// `s`/`t`, trailing data) and then sets `*error` to a short reason.
/// Costs about 0.4 us of CPU per 1.4 KB MESSAGE_CREATE frame (0.1 us for a
/// heartbeat ACK); nlohmann::json::parse needs about 11 us for the same.
std::optional<gateway_frame> parse_frame(std::string_view json,
                                         std::string* error = nullptr);

/// `heartbeat_interval` of a Hello `d`; nullopt unless a positive integer.
std::optional<std::chrono::milliseconds> parse_hello(std::string_view d);

struct ready_info {
  std::string session_id;
  /// Empty if READY lacked it; then resume on the normal gateway URL.
  std::string resume_gateway_url;
  std::string user_id;
  std::string user_name;
  /// `[shard_id, shard_count]` when the connection is sharded.
  std::optional<std::pair<uint32_t, uint32_t>> shard;
};

/// Reads a READY `d`; needs `session_id` and `user.id`.
std::optional<ready_info> parse_ready(std::string_view d);

/// The `d` of op 9: whether the session may be resumed.
std::optional<bool> parse_invalid_session(std::string_view d);

struct identify_params {
  std::string token;
  uint64_t intents = 0;
  uint32_t shard_id = 0, shard_count = 1;
  /// Discord accepts 50..250; other values are clamped into that range.
  int large_threshold = 250;
  std::string os = "linux", browser = "tether", device = "tether";
};

// The builders below return the exact frame text (keys in the order of
// the Discord docs), or an empty string when the frame would exceed
// max_send_frame, because Discord would answer it with close code 4002.

/// op 2: `{"op":2,"d":{"token":..,"properties":{"os":..,"browser":..,
/// "device":..},"large_threshold":..,"shard":[id,count],"intents":..}}`.
std::string make_identify(const identify_params& params);

/// op 6: `{"op":6,"d":{"token":..,"session_id":..,"seq":..}}`.
std::string make_resume(const std::string& token, const std::string& session_id,
                        int64_t seq);

/// op 1: `{"op":1,"d":<seq or null>}`.
std::string make_heartbeat(std::optional<int64_t> seq);

struct session_start_limit {
  int total = 0, remaining = 0;
  int64_t reset_after_ms = 0;
  int max_concurrency = 1;
};

struct gateway_bot {
  std::string url;
  uint32_t shards = 1;
  session_start_limit limit;
};

/// Reads the body of `GET /gateway/bot`; needs `url`, `shards` >= 1 and the
/// whole `session_start_limit` (max_concurrency >= 1).
std::optional<gateway_bot> parse_gateway_bot(std::string_view body);

/// Adds `v=10&encoding=json` (and `compress=zlib-stream`) to a gateway URL
/// such as `wss://gateway.discord.gg` or a READY's resume_gateway_url. A
/// missing path becomes `/`; other query parameters are kept, earlier
/// `v`/`encoding`/`compress` values are replaced and a fragment is dropped.
std::string gateway_query_url(std::string base_url, bool zlib_stream);

} // namespace tether::discord
