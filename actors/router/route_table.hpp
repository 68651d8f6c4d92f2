// Compiled routes: which handlers see a message. Pure logic, no actors.

#pragma once

#include <regex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "protocols/message.hpp"

namespace tether {

class route_table {
public:
  explicit route_table(const std::vector<config::route_entry>& routes);

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
    bool final = true;
  };

  static bool matches(const compiled& route, const inbound_message& msg);

  std::vector<compiled> routes_;
};

} // namespace tether
