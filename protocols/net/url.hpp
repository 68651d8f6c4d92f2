// The parts of a ws://, wss://, http:// or https:// URL that a client
// connection needs: where to connect and what to ask for.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tether::net {

struct url {
  /// Lower case: `ws`, `wss`, `http` or `https`.
  std::string scheme;
  /// Lower case; IPv6 literals without their brackets.
  std::string host;
  /// The explicit port, or the scheme's default (80 or 443).
  uint16_t port = 0;
  /// Path and query (never empty, starts with `/`); no fragment.
  std::string target;

  /// True for `wss` and `https`.
  bool tls() const;

  /// True when `port` is the scheme's default port.
  bool default_port() const;

  /// `host[:port]` for the Host header; the port only when it is not the
  /// default, IPv6 literals in brackets.
  std::string host_header() const;

  /// `scheme://host:port`, the identity of a connection pool.
  std::string origin() const;
};

/// Parses `text`. Returns nothing and, if `error` is set, stores why there
/// (e.g. `unsupported scheme "ftp"`).
std::optional<url> parse_url(std::string_view text,
                             std::string* error = nullptr);

} // namespace tether::net
