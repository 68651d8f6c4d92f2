// Compiled routes: which handlers see a message. Pure logic, no actors.

#pragma once

#include <regex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "protocols/message.hpp"

namespace tether {

/// What one message is routed to.
struct route_result {
  std::vector<std::string> handlers;
  /// Relay targets with the route's format.
  std::vector<std::pair<config::relay_target, std::string>> relays;
};

class route_table {
public:
  explicit route_table(const std::vector<config::route_entry>& routes);

  /// Handlers and relays for `msg`, like match().
  route_result resolve(const inbound_message& msg) const;

  /// Handler names for `msg`, in route order, each at most once. Routes
  /// are tried in order; a matching `final` route ends the search.
  std::vector<std::string> match(const inbound_message& msg) const;

  size_t size() const {
    return routes_.size();
  }

private:
  struct compiled {
    config::route_match match;
    std::regex regex;
    bool has_regex = false;
    std::vector<std::string> handlers;
    std::vector<config::relay_target> relay_to;
    std::string relay_format;
    bool final = true;
  };

  static bool matches(const compiled& route, const inbound_message& msg);

  std::vector<compiled> routes_;
};

/// `format` with `{sender}` (name, else id), `{text}`, `{platform}`,
/// `{bot}` and `{room}` replaced; other braces stay as they are.
std::string format_relay(const std::string& format,
                         const inbound_message& msg);

} // namespace tether
