// OneBot v11 actions and connections (PROTOCOLS.md §4.1-4.2): requests and
// responses over WebSocket, the reverse-WS handshake a server accepts, and
// the forward-WS URLs a client dials.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/message.hpp"
#include "protocols/onebot/cq_code.hpp"

namespace tether::onebot {

// -- actions ------------------------------------------------------------------

/// `{"action":..,"params":<params_json>,"echo":".."}` for any action, with
/// `params_json` (an object, key order kept) as given; empty when
/// `params_json` is not a JSON object.
std::string make_action(std::string_view action, std::string_view params_json,
                        std::string_view echo);

/// `{"action":"send_private_msg","params":{"user_id":..,"message":[..]},
/// "echo":".."}`; message as a segment array.
std::string make_send_private_msg(int64_t user_id, const cq_message& message,
                                  std::string_view echo);

/// `send_group_msg` with `group_id`.
std::string make_send_group_msg(int64_t group_id, const cq_message& message,
                                std::string_view echo);

enum class message_type {
  private_chat,
  group,
};

/// `send_msg` with `message_type` and `user_id` or `group_id`.
std::string make_send_msg(message_type type, int64_t id,
                          const cq_message& message, std::string_view echo);

/// The send action for `reply` (room as parse_event set it): a `reply`
/// segment quoting reply_to when it is a message id, then the text; nullopt
/// when the room is not a OneBot room.
std::optional<std::string> make_reply(const outbound_reply& reply,
                                      std::string_view echo);

struct api_response {
  /// "ok", "async" or "failed".
  std::string status;
  int64_t retcode = 0;
  /// `data` as JSON text ("null" when absent).
  std::string data;
  /// `echo` as sent when it is a string, otherwise its JSON text; empty
  /// when absent.
  std::string echo;
  /// `data.message_id` of the send actions.
  std::optional<int64_t> message_id;

  /// status ok (retcode 0) or async (retcode 1).
  bool ok() const {
    return (status == "ok" && retcode == 0)
           || (status == "async" && retcode == 1);
  }
};

/// Reads `{"status":"ok","retcode":0,"data":{..},"echo":".."}`; needs
/// `status` and an integer `retcode`. On WebSocket, 1404 means an unknown
/// action (HTTP 404), 1400/1401/1403 bad request/auth.
std::optional<api_response> parse_response(std::string_view json,
                                           std::string* error = nullptr);

// -- reverse WebSocket (OneBot dials us) --------------------------------------

enum class client_role {
  universal,
  api,
  event,
};

std::string_view to_string(client_role x);

struct handshake_result {
  /// 0 when accepted; otherwise the HTTP status to refuse the upgrade
  /// with: 400 bad headers, 401 missing credentials, 403 wrong ones.
  int status = 0;
  std::string reason;
  int64_t self_id = 0;
  client_role role = client_role::universal;

  bool ok() const {
    return status == 0;
  }
};

/// Checks the upgrade headers of a reverse connection: `X-Self-ID` (the
/// bot's QQ, decimal), `X-Client-Role` (`Universal`, `API` or `Event`, any
/// case; absent means Universal), and, when `access_token` is not empty,
/// `Authorization: Bearer <token>` or `Token <token>`, compared in
/// constant time. With `expected_self_id` non-zero, another X-Self-ID is
/// refused (403).
handshake_result
check_handshake(std::string_view x_self_id, std::string_view x_client_role,
                std::string_view authorization, std::string_view access_token,
                int64_t expected_self_id = 0);

/// Equality whose time depends only on the lengths.
bool constant_time_equal(std::string_view x, std::string_view y);

// -- forward WebSocket (we dial OneBot) ---------------------------------------

enum class forward_endpoint {
  /// `/`: API and events on one connection.
  universal,
  /// `/api`: actions only.
  api,
  /// `/event`: events only.
  event,
};

/// `base` (e.g. `ws://127.0.0.1:6700`, trailing `/` dropped) plus the
/// endpoint's path.
std::string forward_url(std::string_view base, forward_endpoint which);

using header_list = std::vector<std::pair<std::string, std::string>>;

/// `Authorization: Bearer <token>` when `access_token` is not empty, so
/// the token stays out of URLs and logs.
header_list auth_headers(std::string_view access_token);

} // namespace tether::onebot
