// A fake mirai-api-http v2 WebSocket adapter on 127.0.0.1 for tests. It
// follows PROTOCOLS.md §3: channels /all, /message and /event; verifyKey,
// qq and sessionKey from a header or the query; the auth frame with
// syncId ""; pushes with the reserved syncId "-1"; commands answered with
// the request's syncId. Plain Asio/Beast on its own io thread(s); no CAF.
//
// Auth failures send {"syncId":"","data":{"code":N,"msg":"..."}} and then
// close with 1000 and reason = msg, like closeWithCode: code 1 for a wrong
// verifyKey, 2 for a qq that is not a logged-in bot, 3 for an unknown
// sessionKey, 400 when neither qq nor sessionKey is given. Like the real
// adapter the fake never pings; clients must find dead sockets themselves.
//
// Every public member function is thread-safe. Faults and pushes address
// every authenticated connection (pushes only those whose channel carries
// the kind: messages go to /all and /message, events to /all and /event).

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tether::fakes {

struct mirai_options {
  std::string verify_key = "test-verify-key";
  /// false: any verifyKey (or none) is accepted, like enableVerify: false.
  bool enable_verify = true;
  /// The logged-in bot accounts; the first one is the default.
  std::vector<int64_t> bots{10001};
  /// syncId of pushed messages and events.
  std::string reserved_sync_id = "-1";
  /// Listening port on 127.0.0.1; 0 picks a free one.
  uint16_t port = 0;
  int io_threads = 1;
};

/// A message chain under construction (PROTOCOLS.md §3.3). The fake adds
/// the leading Source {id, time} when the chain is pushed.
class mirai_chain {
public:
  mirai_chain& plain(std::string text);
  mirai_chain& at(int64_t target, std::string display = "");
  mirai_chain& at_all();
  mirai_chain& face(int face_id, std::string name = "");
  mirai_chain& image(std::string image_id, std::string url = "");
  /// Quotes message `id`; `origin_text` is the quoted text.
  mirai_chain& quote(int32_t id, int64_t group_id, int64_t sender_id,
                     int64_t target_id, std::string origin_text);
  /// Any element, as a JSON object.
  mirai_chain& raw(std::string element_json);

  /// The elements as a JSON array (no Source).
  std::string dump() const;

private:
  std::vector<std::string> elements_;
};

class fake_mirai {
public:
  // -- member types ----------------------------------------------------------

  struct command {
    /// Always a string: a numeric syncId is kept in its decimal form.
    std::string sync_id;
    std::string command;
    std::string sub_command;
    /// The content object as JSON ("null" if absent).
    std::string content;
    /// The channel of the connection ("all", "message" or "event").
    std::string channel;
    /// Whether the fake answered (false: swallowed or not yet delayed).
    bool answered;
  };

  struct connection_state {
    uint64_t id;
    std::string channel;
    std::string session_key;
    int64_t qq;
    bool authenticated;
    bool frozen;
  };

  // -- constructors, destructors, and assignment operators -------------------

  /// Starts listening on 127.0.0.1 on its own io thread(s). Throws
  /// std::runtime_error when it cannot bind.
  explicit fake_mirai(mirai_options opts);

  /// Stops everything; bounded even with half-open clients.
  ~fake_mirai();

  fake_mirai(const fake_mirai&) = delete;
  fake_mirai& operator=(const fake_mirai&) = delete;

  // -- properties ------------------------------------------------------------

  uint16_t port() const;

  /// ws://127.0.0.1:P/<channel>?verifyKey=<key>&qq=<first bot>
  std::string url(std::string channel = "all") const;

  // -- faults ----------------------------------------------------------------

  /// Closes every connection without a close frame (RST).
  void drop();

  /// Stops reading (so no pongs, no answers) and writing; TCP stays open.
  void half_open();

  /// Closes new TCP connections right after accepting them for `d`.
  void refuse_for(std::chrono::milliseconds d);

  /// Sends a close frame with `code` on every connection.
  void close_all(uint16_t code, std::string reason);

  /// Never answers the next `count` commands named `command` (count < 0:
  /// all of them from now on; an empty name matches every command).
  void swallow(std::string command, int count = -1);

  /// Answers every command `d` late (0 turns it off).
  void delay_answers(std::chrono::milliseconds d);

  /// The next `count` commands named `command` get {"code":code,"msg":...}.
  void fail_command(std::string command, int code, int count = 1);

  // -- pushes ----------------------------------------------------------------

  /// Pushes a FriendMessage; returns the Source id.
  int32_t push_friend_message(int64_t sender, const mirai_chain& chain,
                              std::string nickname = "alice");

  /// Pushes a GroupMessage; returns the Source id.
  int32_t push_group_message(int64_t group, int64_t sender,
                             const mirai_chain& chain,
                             std::string member_name = "alice",
                             std::string group_name = "test group");

  /// Pushes a TempMessage (group member, not a friend); returns the id.
  int32_t push_temp_message(int64_t group, int64_t sender,
                            const mirai_chain& chain,
                            std::string member_name = "alice");

  /// {"type":"BotOfflineEventDropped","qq":<bot>}
  void push_bot_offline_dropped();

  /// {"type":"BotReloginEvent","qq":<bot>}
  void push_bot_relogin();

  /// Pushes `data_json` as {"syncId":"-1","data":...}; a type ending in
  /// "Message" goes to message channels, anything else to event channels.
  void push_raw(std::string data_json);

  // -- observers (thread-safe snapshots) -------------------------------------

  std::vector<command> commands() const;

  /// Commands named `name` received so far.
  int command_count(const std::string& name) const;

  std::vector<connection_state> connections() const;

  /// Successful authentications so far.
  int session_count() const;

  /// WebSocket upgrades so far (failed auth included).
  int connection_count() const;

  /// "<kind>: <detail>" strings. Kinds: bad-frame (not JSON, no command
  /// or no syncId), sync-id-reserved (a command used "" or the reserved
  /// syncId, so its answer looks like a push), binary-frame.
  std::vector<std::string> violations() const;

  bool has_violation(const std::string& prefix) const;

  bool wait_for(std::function<bool()> pred,
                std::chrono::milliseconds timeout) const;

  // -- implementation --------------------------------------------------------

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace tether::fakes
