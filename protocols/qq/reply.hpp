// Sending replies over the QQ OpenAPI (PROTOCOLS.md §2.5): the endpoint
// per scene, the JSON body, the msg_seq bookkeeping that keeps a
// (msg_id, msg_seq) pair from being sent twice, and API error bodies.
// Since 2025-04-21 only passive replies (quoting a received msg_id inside
// its window) are delivered; proactive messages are rejected.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocols/message.hpp"
#include "protocols/qq/message.hpp"

namespace tether::qq {

constexpr std::string_view production_api_base = "https://api.sgroup.qq.com";
constexpr std::string_view sandbox_api_base
  = "https://sandbox.api.sgroup.qq.com";

/// The OpenAPI host; the sandbox only sees the sandbox guild/group/C2C
/// configured in the portal.
std::string_view api_base(bool sandbox);

/// The send path (no host) for a message in `s` whose endpoint key is `id`:
/// `/channels/{channel_id}/messages`, `/dms/{guild_id}/messages`,
/// `/v2/groups/{group_openid}/messages` or `/v2/users/{openid}/messages`.
/// Empty when `id` is empty or holds characters that would change the
/// path (`/`, `?`, `#`, `%`, whitespace, controls).
std::string send_path(scene s, std::string_view id);

/// How long after the received message a passive reply may quote its
/// msg_id: C2C 60 min; group, guild channel and guild DM 5 min.
std::chrono::seconds passive_reply_window(scene s);

/// Passive replies allowed per received message: 5 for C2C and group;
/// 0 (no documented limit) for the guild scenes.
uint32_t passive_reply_limit(scene s);

/// The JSON body: `{"content":..,"msg_type":0,"msg_id":..,"msg_seq":..}`;
/// without `msg_id` and `msg_seq` when `msg_id` is empty (a proactive
/// message, which the platform no longer accepts).
std::string make_text_body(std::string_view content, std::string_view msg_id,
                           uint32_t msg_seq);

/// Hands out msg_seq values per received msg_id: 1, 2, 3, ... so that no
/// (msg_id, msg_seq) pair repeats while the platform would still accept
/// the msg_id. Entries expire with the scene's passive-reply window, and
/// at most `capacity` are kept; when full, the entry closest to expiry is
/// dropped (a reply to it would then be numbered 1 again). Time is passed
/// in, so a caller can use actor clocks and tests need no sleeping.
class msg_seq_tracker {
public:
  // -- member types -----------------------------------------------------------

  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  enum class status {
    ok,
    /// The window of this msg_id has passed; the platform would reject
    /// the reply.
    window_expired,
    /// The scene's passive-reply limit for this msg_id is used up.
    limit_reached,
  };

  struct grant {
    msg_seq_tracker::status status = status::ok;
    /// The msg_seq to send; 0 unless status is ok.
    uint32_t seq = 0;
  };

  // -- constructors, destructors, and assignment operators -------------------

  explicit msg_seq_tracker(size_t capacity = 4096);

  // -- modifiers --------------------------------------------------------------

  /// Records that `msg_id` arrived at `received`, starting its window. A
  /// msg_id never noted starts its window at its first next().
  void note_received(const std::string& msg_id, scene s, time_point received);

  /// The msg_seq for the next reply to `msg_id` at `now`.
  grant next(const std::string& msg_id, scene s, time_point now);

  /// Checks a msg_seq chosen by the caller (the reply's index from the
  /// outbox, the same on every resend) against the window and the limit,
  /// and notes it as used so that next() hands out higher numbers. A
  /// `seq` of 0 is next().
  grant use(const std::string& msg_id, scene s, uint32_t seq, time_point now);

  /// Drops entries whose window ended at or before `now`.
  void expire(time_point now);

  // -- observers --------------------------------------------------------------

  size_t size() const {
    return entries_.size();
  }

  size_t capacity() const {
    return capacity_;
  }

private:
  struct entry;
  using expiry_index = std::multimap<time_point, std::string>;

  struct entry {
    scene where;
    time_point expires;
    uint32_t used = 0;
    expiry_index::iterator slot;
  };

  entry& insert(const std::string& msg_id, scene s, time_point start);

  size_t capacity_;
  std::unordered_map<std::string, entry> entries_;
  expiry_index by_expiry_;
};

std::string_view to_string(msg_seq_tracker::status x);

/// Where and what to POST for a reply; see make_request().
struct send_request {
  /// api_base(sandbox) + send_path(...).
  std::string url;
  std::string body;
};

/// The request answering `reply` (whose context.room_id came from
/// convert_message and whose reply_to is the received msg_id) with
/// `msg_seq`; nullopt when the room is not a QQ room.
std::optional<send_request> make_request(const outbound_reply& reply,
                                         bool sandbox, uint32_t msg_seq);

/// The code QQ answers a reused (msg_id, msg_seq) pair with ("消息被去重，
/// 请检查请求msgseq"): the first send of that pair got through.
constexpr int64_t duplicate_msg_seq_code = 40054005;

struct api_error {
  int64_t code = 0;
  std::string message;
  /// The `err_code` some endpoints add; 0 when absent.
  int64_t err_code = 0;
};

/// Reads an OpenAPI error body `{"code":22009,"message":"msg limit
/// exceed"}`; nullopt when the body is not such an object.
std::optional<api_error> parse_api_error(std::string_view body);

struct sent_message {
  std::string id;
  std::string timestamp;
};

/// Reads a successful send response `{"id":..,"timestamp":..}`.
std::optional<sent_message> parse_send_response(std::string_view body);

} // namespace tether::qq
