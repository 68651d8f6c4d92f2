// `host:port` listen addresses: splitting them and telling loopback ones
// apart (the admin console needs a token anywhere else).

#pragma once

#include <cstdint>
#include <string>

namespace tether::config {

/// Splits `127.0.0.1:7070` or `[::1]:7070` into host (without brackets) and
/// port; `localhost` becomes 127.0.0.1. False if malformed.
bool split_listen(const std::string& listen, std::string& host,
                  uint16_t& port);

/// True for 127.0.0.0/8, ::1 and `localhost`.
bool is_loopback_host(const std::string& host);

/// True when `listen` splits and its host is loopback.
bool is_loopback_listen(const std::string& listen);

} // namespace tether::config
