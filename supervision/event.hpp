// Supervisor events: one per decision. The default sink writes one
// structured log line each; tests and the admin console add their own.

#pragma once

#include <functional>
#include <memory>
#include <string>

#include "supervision/policy.hpp"

namespace tether::supervision {

enum class event_kind {
  /// A child was started (first start or restart).
  start,
  /// A child reported it is ready.
  ready,
  /// A child exited on its own.
  exit,
  /// A restart was scheduled after a backoff delay.
  restart,
  /// A child was parked (intensity exhausted with `park`, or a fatal reason).
  park,
  /// A supervisor gave up: it stops its children and exits.
  give_up,
  /// A child was stopped on request (shutdown, terminate, group restart).
  stop,
  /// A child ignored its shutdown deadline and was killed.
  kill,
};

std::string_view to_string(event_kind x);

struct supervisor_event {
  event_kind kind;
  /// The node the event is about.
  std::string path;
  /// Exit reason, rendered; empty where none applies.
  std::string reason;
  /// Backoff or cooldown before the next start; zero where none applies.
  duration delay{0};
  /// Restarts in the intensity window and in total.
  size_t restarts_in_window = 0;
  size_t restarts_total = 0;
};

using event_sink = std::function<void(const supervisor_event&)>;

/// Writes one structured log line per event (component `supervisor`).
void log_event(const supervisor_event& x);

} // namespace tether::supervision
