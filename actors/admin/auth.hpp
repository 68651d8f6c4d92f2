// The admin API's bearer-token check.

#pragma once

#include <string>
#include <string_view>

namespace tether::admin {

/// Compares in time that depends only on the lengths, not on where the
/// first difference is, so that a client cannot find the token byte by
/// byte by timing the answers.
bool constant_time_equal(std::string_view x, std::string_view y);

/// True when no token is configured, or `authorization` (the header value)
/// is `Bearer <token>` (the scheme in any case).
bool authorized(std::string_view authorization, const std::string& token);

} // namespace tether::admin
