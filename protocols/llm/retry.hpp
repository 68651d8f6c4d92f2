// Which failures of a chat-completions call are worth another attempt, and
// how long to wait before it.

#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string_view>

namespace tether::llm {

enum class outcome {
  /// 2xx: parse the body.
  success,
  /// 408, 429, 5xx and transport failures (status 0: connect, timeout).
  retry,
  /// Any other status (400, 401, 403, 404, ...): retrying cannot help.
  fail,
};

outcome classify(int status);

const char* to_string(outcome x);

/// A Retry-After value: delay-seconds (`3`, also `1.5`) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, relative to `now`; a past date is 0).
/// Nullopt when absent or malformed.
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::time_t now);

/// The wait before retry number `n` (1-based): `initial`, doubling, at
/// most `cap`.
std::chrono::milliseconds
backoff_delay(std::chrono::milliseconds initial, int n,
              std::chrono::milliseconds cap = std::chrono::minutes{1});

} // namespace tether::llm
