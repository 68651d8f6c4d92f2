// Restart policies as plain data. This header has no CAF dependency so that
// the config layer can parse into it and tools can print it.

#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tether::supervision {

using duration = std::chrono::nanoseconds;

/// When a child is restarted (OTP semantics).
enum class restart_type {
  /// Always restarted.
  permanent,
  /// Restarted only after an abnormal exit.
  transient,
  /// Never restarted; removed from its supervisor once it exits.
  temporary,
};

/// Which siblings restart together with a failed child.
enum class strategy {
  one_for_one,
  one_for_all,
  rest_for_one,
};

/// What a supervisor does when a child exceeds its restart intensity.
enum class exhausted_action {
  /// Stop all children in reverse order and exit, naming the child.
  escalate,
  /// Keep the child stopped and retry it after the cooldown.
  park,
};

enum class child_kind {
  worker,
  supervisor,
};

/// Exponential backoff between restarts.
struct backoff_policy {
  /// Delay before the first restart after a stable run. Zero restarts at once.
  duration initial = std::chrono::milliseconds{500};
  /// Factor applied per consecutive failure.
  double multiplier = 2.0;
  /// Upper bound of the delay (before jitter).
  duration max = std::chrono::seconds{30};
  /// Relative jitter in [0, 1]: the delay is scaled by 1 + jitter * u with u
  /// drawn uniformly from [-1, 1].
  double jitter = 0.2;
  /// A child that ran this long before exiting starts over at `initial`.
  duration reset_after = std::chrono::seconds{60};

  bool operator==(const backoff_policy& other) const;
  bool operator!=(const backoff_policy& other) const {
    return !(*this == other);
  }
};

/// The restart policy of one node, resolved from defaults and overrides.
struct restart_policy {
  /// Intensity: at most this many restarts of the node ...
  size_t max_restarts = 5;
  /// ... within this sliding window.
  duration within = std::chrono::seconds{60};
  backoff_policy backoff;
  exhausted_action on_exhausted = exhausted_action::escalate;
  /// How long a parked node waits before its next try (not for fatal reasons).
  duration cooldown = std::chrono::minutes{5};
  /// Time the node gets to stop before it is killed; nullopt = brutal_kill.
  std::optional<duration> shutdown = std::chrono::seconds{5};

  bool operator==(const restart_policy& other) const;
  bool operator!=(const restart_policy& other) const {
    return !(*this == other);
  }
};

// -- names ------------------------------------------------------------------

std::string_view to_string(restart_type x);
std::string_view to_string(strategy x);
std::string_view to_string(exhausted_action x);
std::string_view to_string(child_kind x);

std::optional<restart_type> parse_restart_type(std::string_view str);
std::optional<strategy> parse_strategy(std::string_view str);
std::optional<exhausted_action> parse_exhausted_action(std::string_view str);

/// Renders a duration the way the config accepts it: `250ms`, `30s`, `5m`.
std::string format_duration(duration x);

/// One line, e.g. `max_restarts=5 within=1m backoff=500ms*2..30s±0.2 ...`.
std::string to_string(const restart_policy& x);

} // namespace tether::supervision
