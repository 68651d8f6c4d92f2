#include "supervision/event.hpp"

#include "config/logging.hpp"

namespace tether::supervision {

std::string_view to_string(event_kind x) {
  switch (x) {
    case event_kind::start: return "start";
    case event_kind::ready: return "ready";
    case event_kind::exit: return "exit";
    case event_kind::restart: return "restart";
    case event_kind::park: return "park";
    case event_kind::give_up: return "give_up";
    case event_kind::stop: return "stop";
    case event_kind::kill: return "kill";
  }
  return "?";
}

void log_event(const supervisor_event& x) {
  using spdlog::level::level_enum;
  auto lvl = level_enum::info;
  switch (x.kind) {
    case event_kind::start:
    case event_kind::ready:
    case event_kind::stop: lvl = level_enum::debug; break;
    case event_kind::exit:
    case event_kind::restart: lvl = level_enum::warn; break;
    case event_kind::park:
    case event_kind::give_up:
    case event_kind::kill: lvl = level_enum::err; break;
  }
  std::vector<logging::field> fields;
  fields.push_back({"path", x.path});
  if (!x.reason.empty())
    fields.push_back({"reason", x.reason});
  if (x.kind == event_kind::restart || x.kind == event_kind::park)
    fields.push_back({"delay", format_duration(x.delay)});
  if (x.restarts_total > 0) {
    fields.push_back({"restarts_in_window",
                      std::to_string(x.restarts_in_window)});
    fields.push_back({"restarts_total", std::to_string(x.restarts_total)});
  }
  logging::log(lvl, "supervisor", to_string(x.kind), fields);
}

} // namespace tether::supervision
