#include "protocols/net/url.hpp"

#include <cctype>

namespace tether::net {

namespace {

std::string lower(std::string_view x) {
  std::string result{x};
  for (auto& ch : result)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return result;
}

bool is_host_char(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.'
         || ch == '_';
}

bool is_ipv6_char(char ch) {
  return std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':'
         || ch == '.';
}

std::optional<url> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

} // namespace

bool url::tls() const {
  return scheme == "wss" || scheme == "https";
}

bool url::default_port() const {
  return port == (tls() ? 443 : 80);
}

std::string url::host_header() const {
  auto result = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port()) result += ":" + std::to_string(port);
  return result;
}

std::string url::origin() const {
  auto bracketed = host.find(':') != std::string::npos;
  return scheme + "://" + (bracketed ? "[" + host + "]" : host) + ":"
         + std::to_string(port);
}

std::optional<url> parse_url(std::string_view text, std::string* error) {
  url result;
  auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return fail(error, "missing scheme in \"" + std::string{text} + "\"");
  result.scheme = lower(text.substr(0, sep));
  if (result.scheme != "ws" && result.scheme != "wss" && result.scheme != "http"
      && result.scheme != "https")
    return fail(error, "unsupported scheme \"" + result.scheme + "\"");
  auto rest = text.substr(sep + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  auto tail = authority_end == std::string_view::npos
                ? std::string_view{}
                : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return fail(error, "user info in URLs is not supported");
  // Split host and port; IPv6 literals come in brackets.
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail(error, "unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(error, "invalid host");
      port = after.substr(1);
      has_port = true;
    }
    if (host.empty()) return fail(error, "missing host");
    for (auto ch : host)
      if (!is_ipv6_char(ch)) return fail(error, "invalid IPv6 address");
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return fail(error, "missing host");
    for (auto ch : host)
      if (!is_host_char(ch))
        return fail(error, "invalid host \"" + std::string{host} + "\"");
  }
  result.host = lower(host);
  if (has_port) {
    if (port.empty() || port.size() > 5)
      return fail(error, "invalid port \"" + std::string{port} + "\"");
    uint32_t value = 0;
    for (auto ch : port) {
      if (!std::isdigit(static_cast<unsigned char>(ch)))
        return fail(error, "invalid port \"" + std::string{port} + "\"");
      value = value * 10 + static_cast<uint32_t>(ch - '0');
    }
    if (value == 0 || value > 65535)
      return fail(error, "invalid port \"" + std::string{port} + "\"");
    result.port = static_cast<uint16_t>(value);
  } else {
    result.port = result.tls() ? 443 : 80;
  }
  // The fragment never goes on the wire.
  tail = tail.substr(0, tail.find('#'));
  for (auto ch : tail)
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f)
      return fail(error, "invalid character in path");
  if (tail.empty())
    result.target = "/";
  else if (tail.front() == '?')
    result.target = "/" + std::string{tail};
  else
    result.target = std::string{tail};
  return result;
}

} // namespace tether::net
