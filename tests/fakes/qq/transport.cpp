// The HTTP routing of the fake QQ: the token endpoint, the OpenAPI and the
// gateway upgrade share one port. The shared transports move the bytes.

#include <utility>

#include "fakes/qq/internal.hpp"

namespace tether::fakes {

namespace {

bool is_gateway_path(qq_detail::beast::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path == "/websocket" || path == "/websocket/";
}

} // namespace

common::http_reply fake_qq::impl::on_request(const request& req) {
  common::http_reply reply;
  if (qq_detail::websocket::is_upgrade(req) && is_gateway_path(req.target())) {
    reply.upgrade = true;
    return reply;
  }
  auto r = on_rest(req);
  reply.hang = r.hang;
  reply.status = r.status;
  reply.content_type = "application/json";
  reply.body = std::move(r.body);
  return reply;
}

} // namespace tether::fakes
