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
    route.relay_to = entry.relay_to;
    route.relay_format = entry.relay_format;
    route.final = entry.final;
    routes_.push_back(std::move(route));
  }
}

bool route_table::matches(const compiled& route, const inbound_message& msg) {
  auto& m = route.match;
  auto eq = [](const std::optional<std::string>& want,
               const std::string& have) { return !want || *want == have; };
  // Handlers written for messages never see events they did not ask for.
  auto type = m.type ? *m.type : m.event ? "event" : "message";
  if (type != "*" && type != msg.type)
    return false;
  if (m.event && *m.event != "*" && *m.event != msg.event)
    return false;
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
  return resolve(msg).handlers;
}

route_result route_table::resolve(const inbound_message& msg) const {
  route_result result;
  auto& hs = result.handlers;
  for (auto& route : routes_) {
    if (!matches(route, msg))
      continue;
    for (auto& name : route.handlers)
      if (std::find(hs.begin(), hs.end(), name) == hs.end())
        hs.push_back(name);
    for (auto& target : route.relay_to)
      // A message is never relayed back to where it came from.
      if (target.kind != msg.platform || target.name != msg.bot
          || (!target.room.empty() && target.room != msg.context.room_id))
        result.relays.emplace_back(target, route.relay_format);
    if (route.final)
      break;
  }
  return result;
}

std::string format_relay(const std::string& format,
                         const inbound_message& msg) {
  std::string out;
  out.reserve(format.size() + msg.text.size());
  for (size_t i = 0; i < format.size();) {
    if (format[i] == '{') {
      auto end = format.find('}', i);
      if (end != std::string::npos) {
        auto key = format.substr(i + 1, end - i - 1);
        const std::string* value = nullptr;
        if (key == "sender")
          value = msg.sender.name.empty() ? &msg.sender.id : &msg.sender.name;
        else if (key == "text")
          value = &msg.text;
        else if (key == "platform")
          value = &msg.platform;
        else if (key == "bot")
          value = &msg.bot;
        else if (key == "room")
          value = &msg.context.room_id;
        if (value) {
          out += *value;
          i = end + 1;
          continue;
        }
      }
    }
    out += format[i++];
  }
  return out;
}

} // namespace tether
