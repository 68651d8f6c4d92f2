// What a gateway connection needs to know about its platform. Discord and
// QQ share the gateway shape (op 10 Hello, op 2 Identify, op 6 Resume, op 1
// Heartbeat, op 11 ACK, op 7 Reconnect, op 9 Invalid Session, op 0
// Dispatch with `s` and `t`), so one connection actor serves both; the
// payloads, close codes and events differ, and live behind this interface.
// Implementations are pure: no actors, no I/O.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/gateway/bot_state.hpp"
#include "protocols/gateway/close_action.hpp"
#include "protocols/message.hpp"
#include "protocols/net/http_client.hpp"

namespace tether::gateway {

/// What READY tells the connection.
struct ready_info {
  std::string session_id;
  /// Empty: resume on the normal gateway URL.
  std::string resume_url;
  std::string user_id;
};

/// What became of one dispatch.
struct dispatch_result {
  /// A unified message (or event) for the router.
  std::optional<inbound_message> route;
  /// Non-empty: the dispatch could not be decoded (logged and counted).
  std::string error;
};

class dialect {
public:
  virtual ~dialect();

  /// The URL to dial for `base` (the plan's gateway URL or a resume URL).
  virtual std::string connect_url(const std::string& base,
                                  bool compress) const = 0;

  /// The `GET /gateway/bot` request; nullopt while it cannot be made yet
  /// (no access token so far): the identify_queue asks again later.
  virtual std::optional<net::http_request> plan_request() const = 0;

  /// The Identify payload; nullopt when it cannot be made (no token).
  virtual std::optional<std::string> identify(uint32_t shard,
                                              uint32_t count) const = 0;

  /// The Resume payload; nullopt when it cannot be made (no token).
  virtual std::optional<std::string>
  resume(const session_info& session) const = 0;

  virtual std::string heartbeat(std::optional<int64_t> seq) const = 0;

  /// Pass -1 when the connection ended without a close frame.
  virtual close_action classify_close(int code) const = 0;

  /// Short lowercase meaning of a close code, for logs and reasons.
  virtual std::string close_name(int code) const = 0;

  /// Reads READY's `d`; nullopt when it lacks a session id.
  virtual std::optional<ready_info> ready(std::string_view d) const = 0;

  /// Any dispatch besides READY and RESUMED. `wanted` says whether the
  /// bot's `events` list names `t` (the platform's messages are always
  /// wanted).
  virtual dispatch_result dispatch(const std::string& t, const std::string& d,
                                   const std::string& bot_user_id,
                                   bool wanted)
    = 0;
};

} // namespace tether::gateway
