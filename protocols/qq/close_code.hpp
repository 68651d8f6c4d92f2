// What to do after the QQ gateway connection closed, by close code
// (PROTOCOLS.md §2.3, error-trace/websocket.md, plus transport codes).

#pragma once

#include <string_view>

#include "protocols/gateway/close_action.hpp"

namespace tether::qq {

using gateway::close_action;
using gateway::to_string;

/// The doc's table and its summary sentence ("4009 可以重新发起 resume;
/// 4914/4915 不可以连接; 其他错误请重新发起 identify"):
/// - resume: 4008 (too fast), 4009 (connection expired), and transport
///   codes or a missing close frame (-1), which say nothing about the
///   session; a dead session then answers Resume with op 9 or 4006;
/// - fatal: 4010-4014 (shard, version, intents) and 4914/4915 (offline
///   in sandbox, banned);
/// - reidentify: everything else, i.e. 4006/4007, 4900-4913, 4001/4002
///   (the table marks these neither resumable nor identifiable, the
///   summary says identify; retrying under the supervisor's backoff is
///   safer than giving up on one bad frame), the SDK codes 4000-4005 and
///   9000-9007, and unknown codes.
close_action classify_close(int code);

/// True for 4004 ("authentication failed" in the SDK code lists): the
/// access token was rejected, so fetch a new one before identifying.
bool invalidates_token(int code);

/// Short meaning, e.g. "connection expired" for 4009; transport codes as
/// in gateway::transport_close_name; "unknown close code" otherwise.
std::string_view close_code_name(int code);

} // namespace tether::qq
