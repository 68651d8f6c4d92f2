// The signature of a forwarded message (docs/handlers.md): the receiver
// recomputes it to know the request came from this tetherd and was not
// replayed long after.
//
//   X-Tether-Timestamp: <unix seconds>
//   X-Tether-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tether::forward {

/// The `X-Tether-Signature` value for `body` sent at `timestamp`.
std::string sign(std::string_view secret, int64_t timestamp,
                 std::string_view body);

/// Whether `signature` (the header value) matches; constant time.
bool verify(std::string_view secret, std::string_view timestamp,
            std::string_view body, std::string_view signature);

} // namespace tether::forward
