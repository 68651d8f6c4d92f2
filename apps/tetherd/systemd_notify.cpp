#include "systemd_notify.hpp"

#include <cstdlib>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace tether::systemd {

bool notify(const std::string& state) {
  auto path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0')
    return false;
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  auto len = std::strlen(path);
  if (len >= sizeof(addr.sun_path))
    return false;
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') // abstract namespace
    addr.sun_path[0] = '\0';
  auto fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path)
                                         + len);
  // MSG_DONTWAIT: a full socket buffer must never stall the daemon.
  auto sent = ::sendto(fd, state.data(), state.size(),
                       MSG_NOSIGNAL | MSG_DONTWAIT,
                       reinterpret_cast<sockaddr*>(&addr), addr_len);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  auto usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr)
    return std::nullopt;
  if (auto pid = std::getenv("WATCHDOG_PID");
      pid != nullptr && std::atol(pid) != static_cast<long>(::getpid()))
    return std::nullopt;
  auto value = std::strtoll(usec, nullptr, 10);
  if (value <= 0)
    return std::nullopt;
  return std::chrono::microseconds{value};
}

} // namespace tether::systemd
