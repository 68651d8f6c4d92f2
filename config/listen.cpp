#include "config/listen.hpp"

#include <algorithm>

namespace tether::config {

bool split_listen(const std::string& listen, std::string& host,
                  uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    return false;
  if (host == "localhost")
    host = "127.0.0.1";
  auto digits = listen.substr(colon + 1);
  if (digits.size() > 5
      || !std::all_of(digits.begin(), digits.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  auto n = std::stoi(digits);
  if (n > 65535)
    return false;
  port = static_cast<uint16_t>(n);
  return true;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1")
    return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (host.compare(0, 4, "127.") != 0)
    return false;
  int dots = 0;
  for (auto c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

bool is_loopback_listen(const std::string& listen) {
  std::string host;
  uint16_t port = 0;
  return split_listen(listen, host, port) && is_loopback_host(host);
}

} // namespace tether::config
