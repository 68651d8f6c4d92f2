// A fake OneBot v11 implementation on 127.0.0.1 for tests (PROTOCOLS.md §4).
// Forward WebSocket: the fake listens on "/" (universal), "/api" and
// "/event" (trailing slashes allowed). Reverse WebSocket: dial() makes the
// fake connect out with X-Self-ID, X-Client-Role and Authorization, and
// re-dial every reverse_reconnect_interval while the connection is down.
// Plain Asio/Beast on its own io thread(s); no CAF.
//
// With an access_token set, a forward upgrade needs "Authorization: Bearer
// <token>" or "?access_token=<token>": none gets HTTP 401, a wrong one HTTP
// 403 (OneBot's HTTP rule; go-cqhttp answers WS upgrades the same way).
//
// Event connections ("/", "/event", reverse Universal/Event) get the
// lifecycle "connect" meta event first and then heartbeat meta events
// every heartbeat_interval. API connections ("/", "/api", reverse
// Universal/API) answer actions {action, params, echo}.
//
// Every public member function is thread-safe. Faults and pushes address
// every live connection that carries the kind (events or API).

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tether::fakes {

/// How `message` is encoded in message events (event.message_format).
enum class onebot_format {
  /// CQ code string: "[CQ:face,id=178]hi".
  string,
  /// Segment array: [{"type":"face","data":{"id":"178"}}, ...].
  array,
};

/// X-Client-Role of a reverse connection.
enum class onebot_role { universal, api, event };

struct onebot_options {
  /// Empty: no authentication.
  std::string access_token = "test-token";
  int64_t self_id = 10001;
  std::string nickname = "tether-onebot-test";
  onebot_format message_format = onebot_format::string;
  /// false: no heartbeat meta events at all (heartbeat.enable).
  bool heartbeat_enabled = true;
  std::chrono::milliseconds heartbeat_interval{15000};
  /// Delay between reverse dial attempts (0: dial once, never again).
  std::chrono::milliseconds reverse_reconnect_interval{3000};
  /// Listening port on 127.0.0.1; 0 picks a free one.
  uint16_t port = 0;
  int io_threads = 1;
};

class fake_onebot {
public:
  // -- member types ----------------------------------------------------------

  struct action {
    std::string action;
    /// params as JSON ("null" if absent).
    std::string params;
    /// echo as JSON ("" if absent).
    std::string echo;
    /// "universal", "api" or "event" (the connection's role).
    std::string role;
    bool reverse;
    /// retcode answered (-1: swallowed).
    int retcode;
  };

  // -- constructors, destructors, and assignment operators -------------------

  /// Starts listening on 127.0.0.1 on its own io thread(s). Throws
  /// std::runtime_error when it cannot bind.
  explicit fake_onebot(onebot_options opts);

  /// Stops everything (including dialing); bounded with half-open peers.
  ~fake_onebot();

  fake_onebot(const fake_onebot&) = delete;
  fake_onebot& operator=(const fake_onebot&) = delete;

  // -- properties ------------------------------------------------------------

  uint16_t port() const;

  /// ws://127.0.0.1:P<path> (no token in it).
  std::string url(std::string path = "/") const;

  // -- reverse WebSocket -----------------------------------------------------

  /// Starts dialing `ws_url` (ws://127.0.0.1:P/path or ws://localhost:...;
  /// throws std::invalid_argument for anything else) as `role`. A second
  /// dial() adds another reverse connection.
  void dial(std::string ws_url, onebot_role role = onebot_role::universal);

  /// Stops re-dialing and closes the reverse connections (close 1000).
  void stop_dialing();

  /// Reverse connection attempts so far (failed ones included).
  int dial_attempts() const;

  // -- faults ----------------------------------------------------------------

  /// Closes every connection without a close frame (RST).
  void drop();

  /// Stops reading (no pongs, no answers) and writing; TCP stays open.
  void half_open();

  /// Closes new forward TCP connections right after accept for `d`.
  void refuse_for(std::chrono::milliseconds d);

  /// Sends a close frame with `code` on every connection.
  void close_all(uint16_t code, std::string reason);

  /// Stops (or restarts) heartbeat meta events; sockets stay open.
  void stop_heartbeats(bool on);

  /// Never answers the next `count` actions named `name` (count < 0: all
  /// from now on; an empty name matches every action).
  void swallow(std::string name, int count = -1);

  /// The next `count` actions named `name` get status "failed" and
  /// `retcode` (e.g. 100, 1404).
  void fail_action(std::string name, int retcode, int count = 1);

  /// Changes the message format of later message events.
  void set_message_format(onebot_format f);

  // -- pushes ----------------------------------------------------------------

  /// A private (friend) message event; `cq_message` is a CQ-code string,
  /// sent as is or converted to segments. Returns the message_id.
  int32_t push_private_message(int64_t user_id, std::string cq_message,
                               std::string nickname = "alice");

  /// A group message event (sub_type normal). Returns the message_id.
  int32_t push_group_message(int64_t group_id, int64_t user_id,
                             std::string cq_message,
                             std::string card = "alice");

  /// notice_type group_increase (sub_type approve).
  void push_group_increase(int64_t group_id, int64_t user_id);

  /// request_type friend.
  void push_friend_request(int64_t user_id, std::string comment,
                           std::string flag);

  /// Any event object; time and self_id are filled in when missing.
  void push_raw(std::string event_json);

  // -- observers (thread-safe snapshots) -------------------------------------

  std::vector<action> actions() const;

  int action_count(const std::string& name) const;

  /// Live connections (forward and reverse), authenticated ones only.
  int live_connections() const;

  /// Forward upgrades accepted so far.
  int connection_count() const;

  /// Upgrades rejected with 401 or 403.
  int auth_failures() const;

  /// Heartbeat meta events sent so far (all connections).
  int heartbeats_sent() const;

  /// "<kind>: <detail>" strings. Kinds: bad-frame (not JSON or no action),
  /// action-on-event-connection, binary-frame.
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
