// The admin API's request routing as a pure function: method and path in,
// endpoint (with its node path, percent-decoded) or an error status out.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::admin {

enum class endpoint {
  /// No match; `status` says 404 or 405.
  none,
  tree,
  node_action,
  policies,
  put_policy,
  reload,
  events,
  logs,
  healthz,
  readyz,
  metrics,
  /// A file of the web page (`/` is index.html, `/ui/NAME` is NAME).
  asset,
  /// GET /api/policies/{path}: one node's policy.
  get_policy,
  /// POST /api/sandbox/{name}/say
  sandbox_say,
  /// GET /api/sandbox/{name}/transcript
  sandbox_transcript,
};

struct route {
  endpoint ep = endpoint::none;
  /// Node path of node_action, get_policy and put_policy, the sandbox name
  /// of sandbox_*, the file name of asset (percent-decoded).
  std::string node;
  /// `restart`, `stop` or `start` for node_action.
  std::string action;
  /// For endpoint::none: 404, 405 (then `allow` lists the methods) or 400.
  int status = 404;
  std::string allow;
  /// Why, for the error body.
  std::string error;
};

/// Maps `method` and `path` (the target before `?`, not yet decoded).
route parse_route(std::string_view method, std::string_view path);

/// True for endpoints that need the token (everything under /api/ and
/// /metrics); /healthz, /readyz and the page's files never do.
bool needs_token(endpoint ep);

/// Decodes `%XX` escapes; `+` becomes a space only when `plus_is_space`
/// (query strings). Nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view str,
                                          bool plus_is_space = false);

/// The decoded value of query parameter `key` (`a=1&b=2`), or nullopt.
std::optional<std::string> query_value(std::string_view query,
                                       std::string_view key);

/// `1`, `true`, `yes` and `on` (any case) are true.
bool query_flag(std::string_view query, std::string_view key);

} // namespace tether::admin
