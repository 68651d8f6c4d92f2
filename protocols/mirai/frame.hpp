// mirai-api-http v2 WebSocket adapter (PROTOCOLS.md §3): the connect URL,
// the session frame that answers the connect, pushed messages and events,
// and the commands a bot sends. Pure functions: no I/O, no clocks.
//
// Every server frame is `{"syncId":..,"data":{..}}`. A session loop is
//   frame = parse_frame(text);
//   syncId ""   → parse_session(frame->data)  (first frame; errors too)
//   syncId "-1" → parse_push(frame->data, ..)  (messages and events)
//   otherwise   → parse_response(frame->data) for the command with that id.
// The server never pings (§3.1), so the session sends `about` when idle.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/message.hpp"

namespace tether::mirai {

/// The syncId the adapter pushes messages and events with
/// (`reservedSyncId`, configurable on the server).
constexpr std::string_view default_reserved_sync_id = "-1";

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view x);

/// `base` + `/` + channel + `?verifyKey=..&qq=..`, e.g.
/// `ws://localhost:8080/all?verifyKey=1234567890&qq=12345678`. `base` is
/// `ws://host:port` (a trailing `/` is dropped); `channel` is `all`,
/// `message` or `event`. An empty `verify_key` (verification disabled on
/// the server) leaves the parameter out.
std::string ws_url(std::string_view base, std::string_view verify_key,
                   int64_t qq, std::string_view channel = "all");

enum class frame_type {
  /// syncId "": the answer to connecting (session key or error).
  session,
  /// The reserved syncId: a message or event.
  push,
  /// Any other syncId: the answer to the command sent with it.
  response,
};

struct frame {
  frame_type type = frame_type::push;
  std::string sync_id;
  /// The JSON text of `data`.
  std::string data;
};

/// Reads `{"syncId":..,"data":{..}}`; syncId may be a string or a number
/// (the server's JSON is lenient). Returns nullopt and sets `*error` on
/// malformed JSON, a missing syncId, or `data` that is not an object.
std::optional<frame>
parse_frame(std::string_view json, std::string* error = nullptr,
            std::string_view reserved_sync_id = default_reserved_sync_id);

/// StateCode (mirai-api-http-spi common/StateCode.kt).
namespace state_code {

constexpr int success = 0;
constexpr int wrong_verify_key = 1;
constexpr int bot_not_exist = 2;
constexpr int illegal_session = 3;
constexpr int not_verified_session = 4;
constexpr int no_element = 5;
constexpr int no_operate_support = 6;
constexpr int permission_denied = 10;
constexpr int bot_muted = 20;
constexpr int message_too_large = 30;
constexpr int invalid_parameter = 400;
constexpr int internal_error = 500;

} // namespace state_code

/// Short meaning of a StateCode; "unknown state code" otherwise.
std::string_view state_code_name(int code);

/// What a failed connect means for the next attempt.
enum class session_error_kind {
  /// Reconnecting with the same settings cannot help: wrong verifyKey
  /// (1), invalid parameter (400, e.g. no qq).
  fatal,
  /// Worth retrying with backoff: bot not (yet) logged in (2), session
  /// gone (3, 4), internal errors and unknown codes.
  retry,
};

std::string_view to_string(session_error_kind x);

session_error_kind classify_session_error(int code);

struct session_result {
  /// The session key; empty on error.
  std::string session;
  /// 0 on success.
  int code = 0;
  std::string msg;
  session_error_kind kind = session_error_kind::retry;

  bool ok() const {
    return code == 0 && !session.empty();
  }
};

/// Reads the `data` of the first frame: `{"code":0,"session":"KEY"}` or
/// `{"code":1,"msg":"Auth Key错误"}` (after which the server closes with
/// 1000). Nullopt for anything else.
std::optional<session_result> parse_session(std::string_view data);

/// The bot's own connection state, from the Bot*Event pushes.
enum class bot_status {
  /// BotOnlineEvent: logged in.
  online,
  /// BotOfflineEventActive: logged out on purpose.
  offline_active,
  /// BotOfflineEventForce: pushed out by another login.
  offline_force,
  /// BotOfflineEventDropped: dropped by the server or the network.
  offline_dropped,
  /// BotReloginEvent: logged in again after a drop.
  relogin,
};

std::string_view to_string(bot_status x);

/// The bot status a push `type` announces, if it is one of the above.
std::optional<bot_status> bot_status_of(std::string_view type);

enum class push_kind {
  /// FriendMessage, GroupMessage or TempMessage; see `message`.
  message,
  /// A Bot*Event about the bot's login; see `status`.
  bot_status,
  /// Any other event or message type (kept only as `type` and raw data).
  other,
};

struct push_event {
  push_kind kind = push_kind::other;
  /// The `type` member, e.g. "GroupMessage", "BotOfflineEventDropped".
  std::string type;
  std::optional<inbound_message> message;
  std::optional<bot_status> status;
  /// The account the status event is about (`qq`); 0 when absent.
  int64_t qq = 0;
};

/// Reads the `data` of a push. Messages become inbound_message:
/// - `platform` "mirai", `bot` = `bot_name`, `raw` = `data`;
/// - `id` and `timestamp` from the Source element (id as decimal text);
/// - `sender` = sender.id and nickname (friend) or memberName;
/// - `context.room_id` = `friend:<qq>`, `group:<group>` or `temp:<qq>`
///   (gateway/room.hpp), with `guild_id` = the group for group and temp
///   messages, which a temp reply needs;
/// - `segments` and `text`: Plain as `text`; At as `mention` (target =
///   qq, text = display, else `@qq`); AtAll as `mention_all` (`@全体成员`);
///   Face as `emoji` (target = faceId, text `[name]`); Image and
///   FlashImage as `image` segments with no text plus an attachment
///   (url, name = imageId); other elements are skipped;
/// - `reply_to` = the Quote element's id;
/// - `mentions_bot` when an At targets `bot_qq`.
/// Returns nullopt and sets `*error` when `data` is not an object with a
/// string `type`, or a message lacks sender.id, a group, or a Source.
std::optional<push_event> parse_push(std::string_view data, int64_t bot_qq,
                                     const std::string& bot_name,
                                     std::string* error = nullptr);

/// Command syncIds: "1", "2", ..., wrapping before INT32_MAX, never the
/// empty string or a negative number (which the reserved id is).
class sync_id_allocator {
public:
  std::string next();

private:
  int32_t last_ = 0;
};

/// `{"syncId":..,"command":"sendGroupMessage","subCommand":null,
/// "content":{"target":group,"quote":..,"messageChain":[{"type":"Plain",
/// "text":..}]}}`; `quote` only when given.
std::string make_send_group_message(std::string_view sync_id, int64_t group,
                                    std::string_view text,
                                    std::optional<int64_t> quote = {});

/// As above with command sendFriendMessage and `target` = qq.
std::string make_send_friend_message(std::string_view sync_id, int64_t qq,
                                     std::string_view text,
                                     std::optional<int64_t> quote = {});

/// sendTempMessage with `qq` and `group`.
std::string make_send_temp_message(std::string_view sync_id, int64_t qq,
                                   int64_t group, std::string_view text,
                                   std::optional<int64_t> quote = {});

/// The right send command for `reply` (room and guild_id as parse_push
/// set them; reply_to quoted when it is a decimal message id); nullopt
/// when the room is not a mirai room.
std::optional<std::string> make_reply(std::string_view sync_id,
                                      const outbound_reply& reply);

/// `{"syncId":..,"command":"about","subCommand":null,"content":{}}`, a
/// cheap request that doubles as the idle heartbeat.
std::string make_about(std::string_view sync_id);

struct command_result {
  int code = 0;
  std::string msg;
  /// Set by the send commands.
  std::optional<int64_t> message_id;

  bool ok() const {
    return code == 0;
  }
};

/// Reads the `data` of a command response, `{"code":0,"msg":"success",
/// "messageId":1234567890}`; nullopt unless an object with an integer
/// `code`.
std::optional<command_result> parse_response(std::string_view data);

} // namespace tether::mirai
