// The tetherd lifecycle: build the tree, serve, reload on SIGHUP, shut down
// within the deadline on SIGTERM/SIGINT, and report to systemd.

#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"

namespace tether {

/// Exit codes of tetherd.
enum exit_code : int {
  exit_ok = 0,
  /// The root supervisor gave up (a process manager should restart us).
  exit_gave_up = 1,
  /// Usage or config error.
  exit_config = 2,
  /// Shutdown overran its deadline, or a second signal forced the exit.
  exit_forced = 3,
  /// The database (store.path) cannot be opened: corrupt, unwritable, or
  /// from a newer tetherd. Restarting will not help.
  exit_store = 4,
};

/// Runs the daemon until it is told to stop or its tree gives up.
int run_daemon(const std::string& file,
               std::shared_ptr<const config::tether_config> cfg);

} // namespace tether
