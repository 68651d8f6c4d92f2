#include "actors/router/route_table.hpp"

#include <algorithm>

namespace tether {

route_table::route_table(const std::vector<config::route_entry>& routes) {
  for (auto& entry : routes) {
    compiled route;
    route.match = entry.match;
    if (entry.match.regex) {
      // The loader already rejected patterns that do not compile.
      route.regex = std::regex{*entry.match.regex, std::regex::ECMAScript};
      route.has_regex = true;
    }
    route.handlers = entry.handlers;
    route.final = entry.final;
    routes_.push_back(std::move(route));
  }
}

bool route_table::matches(const compiled& route, const inbound_message& msg) {
  auto& m = route.match;
  auto eq = [](const std::optional<std::string>& want,
               const std::string& have) { return !want || *want == have; };
  if (!eq(m.platform, msg.platform) || !eq(m.bot, msg.bot)
      || !eq(m.room, msg.context.room_id) || !eq(m.sender, msg.sender.id))
    return false;
  if (m.prefix && msg.text.compare(0, m.prefix->size(), *m.prefix) != 0)
    return false;
  if (m.mentions_bot && *m.mentions_bot != msg.mentions_bot)
    return false;
  if (route.has_regex && !std::regex_search(msg.text, route.regex))
    return false;
  return true;
}

std::vector<std::string>
route_table::match(const inbound_message& msg) const {
  std::vector<std::string> result;
  for (auto& route : routes_) {
    if (!matches(route, msg))
      continue;
    for (auto& name : route.handlers)
      if (std::find(result.begin(), result.end(), name) == result.end())
        result.push_back(name);
    if (route.final)
      break;
  }
  return result;
}

} // namespace tether
