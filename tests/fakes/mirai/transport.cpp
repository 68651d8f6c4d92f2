// The HTTP routing of the fake mirai-api-http: only the WebSocket adapter is
// faked. The shared transports move the bytes.

#include <utility>

#include "fakes/mirai/internal.hpp"

namespace tether::fakes {

namespace {

bool is_channel_path(mirai_detail::beast::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path == "/all" || path == "/message" || path == "/event";
}

} // namespace

common::http_reply fake_mirai::impl::on_request(const request& req) {
  common::http_reply reply;
  if (mirai_detail::websocket::is_upgrade(req)
      && is_channel_path(req.target())) {
    reply.upgrade = true;
    return reply;
  }
  // Only the WebSocket adapter is faked; the HTTP adapter is not enabled.
  reply.status = mirai_detail::http::status::not_found;
  reply.content_type = "text/plain";
  reply.body = "404 Not Found";
  reply.keep_alive = false;
  return reply;
}

} // namespace tether::fakes
