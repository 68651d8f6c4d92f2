// Exit reasons as the supervision layer sees them: which are fatal, which
// mean "asked to stop", and how to print any of them for humans.

#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tether::supervision {

/// Errors raised by supervisors themselves (category `supervisor`).
enum class sup_errc : uint8_t {
  none = 0,
  /// A child restarted more often than its intensity allows.
  reached_max_restart_intensity,
  /// The child's start function threw or returned no actor.
  start_failed,
  /// The child says retrying cannot help (e.g. rejected credentials).
  fatal,
  /// No child with that id.
  unknown_child,
  /// A child with that id exists already.
  already_present,
  /// The operation needs a stopped child.
  child_running,
  /// The supervisor is shutting down and takes no new work.
  shutting_down,
  /// The child ignored its shutdown deadline and was killed.
  shutdown_timeout,
};

std::string to_string(sup_errc x);

/// An exit reason that parks the child instead of restarting it.
caf::error make_fatal(std::string why);

/// True for reasons made by make_fatal().
bool is_fatal(const caf::error& reason);

/// True for `normal` and `user_shutdown`: the child was asked to stop or
/// finished its work.
bool is_clean_exit(const caf::error& reason);

/// Renders any reason for logs and snapshots, e.g.
/// `fatal: discord closed with 4004 (authentication failed)`.
std::string describe(const caf::error& reason);

/// Lets another layer render its own error category in describe().
using reason_renderer = std::function<std::string(uint8_t code)>;
void register_category(caf::atom_value category, reason_renderer renderer);

} // namespace tether::supervision

CAF_ERROR_CODE_ENUM(tether::supervision::sup_errc, "supervisor")
