// The sd_notify protocol (a datagram to $NOTIFY_SOCKET), so tetherd can run
// as a systemd Type=notify service with a watchdog, without libsystemd.

#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace tether::systemd {

/// Sends `state` (e.g. `READY=1`) to $NOTIFY_SOCKET. Returns false when the
/// variable is unset or the send failed.
bool notify(const std::string& state);

/// The watchdog interval systemd expects pings within ($WATCHDOG_USEC),
/// when it is meant for this process ($WATCHDOG_PID unset or ours).
std::optional<std::chrono::microseconds> watchdog_interval();

} // namespace tether::systemd
