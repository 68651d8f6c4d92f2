// The HTTP side of the fake: REST requests and the WebSocket upgrade share
// one port, as on a single Discord front end.

#include <utility>

#include "fakes/discord/internal.hpp"

namespace tether::fakes {

namespace {

bool is_gateway_path(beast::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path == "/gateway" || path == "/gateway/" || path == "/";
}

} // namespace

common::http_reply
fake_discord::impl::on_request(const http::request<http::string_body>& req) {
  common::http_reply reply;
  if (websocket::is_upgrade(req) && is_gateway_path(req.target())) {
    reply.upgrade = true;
    return reply;
  }
  auto r = on_rest(req);
  reply.hang = r.hang;
  reply.status = r.status;
  if (r.status != http::status::no_content)
    reply.content_type = "application/json";
  reply.headers = std::move(r.headers);
  reply.body = std::move(r.body);
  return reply;
}

} // namespace tether::fakes
