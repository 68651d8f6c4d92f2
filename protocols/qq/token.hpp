// App access tokens (PROTOCOLS.md §2.1): the getAppAccessToken exchange
// and when to refresh. Tokens live at most 7200 s; within the last 60 s a
// fetch returns a new token while the old one stays valid, so refreshing
// inside that minute never leaves a gap.

#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tether::qq {

/// Same endpoint for production and sandbox.
constexpr std::string_view token_url
  = "https://bots.qq.com/app/getAppAccessToken";

/// The documented upper bound of `expires_in`.
constexpr std::chrono::seconds max_token_lifetime{7200};

/// The overlap during which old and new token are both valid.
constexpr std::chrono::seconds default_refresh_margin{60};

/// `{"appId":"..","clientSecret":".."}`, the POST body for token_url.
std::string make_token_request(std::string_view app_id,
                               std::string_view client_secret);

struct access_token {
  std::string token;
  std::chrono::seconds expires_in{0};
};

/// Reads `{"access_token":"..","expires_in":"7200"}`; `expires_in` may
/// be a string (as in the doc's example) or a number (as in its table),
/// and must be positive. An error body such as `{"code":100016,
/// "message":"invalid appid or secret"}` yields nullopt with `*error` =
/// `code 100016: invalid appid or secret`.
std::optional<access_token> parse_token_response(std::string_view body,
                                                 std::string* error = nullptr);

/// How long after receiving a token to fetch the next one: `expires_in`
/// (capped at 7200 s) minus `margin`; when that leaves less than a
/// second, half the lifetime instead; never below one second.
std::chrono::seconds
refresh_after(std::chrono::seconds expires_in,
              std::chrono::seconds margin = default_refresh_margin);

/// The value of the `Authorization` header and of Identify's `token`:
/// `QQBot {access_token}`.
std::string authorization(std::string_view access_token);

} // namespace tether::qq
