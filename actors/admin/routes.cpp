#include "actors/admin/routes.hpp"

#include <algorithm>
#include <cctype>

namespace tether::admin {

namespace {

constexpr std::string_view nodes_prefix = "/api/nodes/";
constexpr std::string_view policies_prefix = "/api/policies/";
constexpr std::string_view sandbox_prefix = "/api/sandbox/";
constexpr std::string_view ui_prefix = "/ui/";

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

route not_allowed(std::string allow) {
  route r;
  r.status = 405;
  r.allow = std::move(allow);
  r.error = "method not allowed; use " + r.allow;
  return r;
}

route bad_request(std::string why) {
  route r;
  r.status = 400;
  r.error = std::move(why);
  return r;
}

// One fixed path and its method.
std::optional<route> fixed(std::string_view method, std::string_view path,
                           std::string_view want_path,
                           std::string_view want_method, endpoint ep) {
  if (path != want_path)
    return std::nullopt;
  if (method != want_method)
    return not_allowed(std::string{want_method});
  route r;
  r.ep = ep;
  return r;
}

} // namespace

route parse_route(std::string_view method, std::string_view path) {
  // A trailing slash is forgiven: `/api/tree/` is `/api/tree`.
  if (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  struct entry {
    std::string_view path;
    std::string_view method;
    endpoint ep;
  };
  static constexpr entry table[] = {
    {"/api/tree", "GET", endpoint::tree},
    {"/api/policies", "GET", endpoint::policies},
    {"/api/reload", "POST", endpoint::reload},
    {"/api/events", "GET", endpoint::events},
    {"/api/logs", "GET", endpoint::logs},
    {"/healthz", "GET", endpoint::healthz},
    {"/readyz", "GET", endpoint::readyz},
    {"/metrics", "GET", endpoint::metrics},
  };
  for (auto& e : table)
    if (auto r = fixed(method, path, e.path, e.method, e.ep))
      return *r;
  if (path.substr(0, nodes_prefix.size()) == nodes_prefix) {
    auto rest = path.substr(nodes_prefix.size());
    auto slash = rest.rfind('/');
    if (slash == std::string_view::npos || slash == 0)
      return bad_request("expected /api/nodes/PATH/restart, /stop or /start");
    auto action = rest.substr(slash + 1);
    if (action != "restart" && action != "stop" && action != "start")
      return bad_request("unknown action `" + std::string{action}
                         + "`; use restart, stop or start");
    if (method != "POST")
      return not_allowed("POST");
    auto node = percent_decode(rest.substr(0, slash));
    if (!node || node->empty())
      return bad_request("malformed node path");
    route r;
    r.ep = endpoint::node_action;
    r.node = std::move(*node);
    r.action = std::string{action};
    return r;
  }
  if (path.substr(0, policies_prefix.size()) == policies_prefix) {
    if (method != "PUT" && method != "GET")
      return not_allowed("GET, PUT");
    auto node = percent_decode(path.substr(policies_prefix.size()));
    if (!node || node->empty())
      return bad_request("malformed node path");
    route r;
    r.ep = method == "GET" ? endpoint::get_policy : endpoint::put_policy;
    r.node = std::move(*node);
    return r;
  }
  if (path.substr(0, sandbox_prefix.size()) == sandbox_prefix) {
    auto rest = path.substr(sandbox_prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0)
      return bad_request("expected /api/sandbox/NAME/say or /transcript");
    auto what = rest.substr(slash + 1);
    auto name = percent_decode(rest.substr(0, slash));
    if (!name || name->empty() || name->find('/') != std::string::npos)
      return bad_request("malformed sandbox name");
    route r;
    r.node = std::move(*name);
    if (what == "say") {
      if (method != "POST")
        return not_allowed("POST");
      r.ep = endpoint::sandbox_say;
    } else if (what == "transcript") {
      if (method != "GET")
        return not_allowed("GET");
      r.ep = endpoint::sandbox_transcript;
    } else {
      r.status = 404;
      r.error = "no such endpoint";
    }
    return r;
  }
  if (path == "/" || path.substr(0, ui_prefix.size()) == ui_prefix) {
    auto name = path == "/" ? std::optional<std::string>{"index.html"}
                            : percent_decode(path.substr(ui_prefix.size()));
    if (!name || name->empty() || name->find('/') != std::string::npos) {
      route r;
      r.error = "no such file";
      return r;
    }
    if (method != "GET")
      return not_allowed("GET");
    route r;
    r.ep = endpoint::asset;
    r.node = std::move(*name);
    return r;
  }
  route r;
  r.status = 404;
  r.error = "no such endpoint";
  return r;
}

bool needs_token(endpoint ep) {
  return ep != endpoint::healthz && ep != endpoint::readyz
         && ep != endpoint::asset;
}

std::optional<std::string> percent_decode(std::string_view str,
                                          bool plus_is_space) {
  std::string out;
  out.reserve(str.size());
  for (size_t i = 0; i < str.size(); ++i) {
    auto c = str[i];
    if (c == '%') {
      if (i + 2 >= str.size())
        return std::nullopt;
      auto hi = hex_value(str[i + 1]);
      auto lo = hex_value(str[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> query_value(std::string_view query,
                                       std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    auto eq = item.find('=');
    auto name = percent_decode(item.substr(0, eq), true);
    if (!name || *name != key)
      continue;
    if (eq == std::string_view::npos)
      return std::string{};
    return percent_decode(item.substr(eq + 1), true);
  }
  return std::nullopt;
}

bool query_flag(std::string_view query, std::string_view key) {
  auto value = query_value(query, key);
  if (!value)
    return false;
  std::string lower;
  for (auto c : *value)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "1" || lower == "true" || lower == "yes" || lower == "on";
}

} // namespace tether::admin
