// The HTTP routing of the fake OneBot: forward WebSocket upgrades on the
// role paths. The shared transports move the bytes.

#include <string>

#include "fakes/onebot/internal.hpp"

namespace tether::fakes {

common::http_reply fake_onebot::impl::on_request(const request& req) {
  namespace http = onebot_detail::http;
  common::http_reply reply;
  auto status = onebot_detail::websocket::is_upgrade(req) ? check_upgrade(req)
                                                          : 404u;
  if (status == 0) {
    reply.upgrade = true;
    return reply;
  }
  // Only forward WebSocket is faked; plain HTTP API calls get 404.
  reply.status = static_cast<http::status>(status);
  reply.content_type = "text/plain";
  reply.body = std::string{http::obsolete_reason(reply.status)};
  reply.keep_alive = false;
  return reply;
}

} // namespace tether::fakes
