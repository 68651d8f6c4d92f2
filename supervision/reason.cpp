#include "supervision/reason.hpp"

#include <map>
#include <mutex>

#include <caf/exit_reason.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace tether::supervision {

namespace {

std::mutex renderers_mtx;

std::map<caf::atom_value, reason_renderer>& renderers() {
  static std::map<caf::atom_value, reason_renderer> instance;
  return instance;
}

std::string render_context(const caf::message& ctx) {
  std::string out;
  for (size_t i = 0; i < ctx.size(); ++i) {
    if (!out.empty())
      out += ": ";
    if (ctx.match_element<std::string>(i))
      out += ctx.get_as<std::string>(i);
    else
      out += ctx.stringify(i);
  }
  return out;
}

} // namespace

std::string to_string(sup_errc x) {
  switch (x) {
    case sup_errc::none: return "none";
    case sup_errc::reached_max_restart_intensity:
      return "reached_max_restart_intensity";
    case sup_errc::start_failed: return "start_failed";
    case sup_errc::fatal: return "fatal";
    case sup_errc::unknown_child: return "unknown_child";
    case sup_errc::already_present: return "already_present";
    case sup_errc::child_running: return "child_running";
    case sup_errc::shutting_down: return "shutting_down";
    case sup_errc::shutdown_timeout: return "shutdown_timeout";
  }
  return "unknown";
}

caf::error make_fatal(std::string why) {
  return caf::make_error(sup_errc::fatal, std::move(why));
}

bool is_fatal(const caf::error& reason) {
  return reason == sup_errc::fatal;
}

bool is_clean_exit(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::user_shutdown;
}

std::string describe(const caf::error& reason) {
  if (!reason)
    return "normal";
  std::string head;
  auto code = reason.code();
  auto category = reason.category();
  if (category == caf::atom("supervisor")) {
    head = to_string(static_cast<sup_errc>(code));
  } else if (category == caf::atom("exit")) {
    head = caf::to_string(static_cast<caf::exit_reason>(code));
  } else if (category == caf::atom("system")) {
    head = caf::to_string(static_cast<caf::sec>(code));
  } else {
    std::unique_lock<std::mutex> guard{renderers_mtx};
    auto i = renderers().find(category);
    if (i != renderers().end())
      head = i->second(code);
    else
      head = caf::to_string(category) + "#" + std::to_string(code);
  }
  auto ctx = render_context(reason.context());
  return ctx.empty() ? head : head + ": " + ctx;
}

void register_category(caf::atom_value category, reason_renderer renderer) {
  std::unique_lock<std::mutex> guard{renderers_mtx};
  renderers()[category] = std::move(renderer);
}

} // namespace tether::supervision
