// The listener and the HTTP side of the fake: REST requests and the
// WebSocket upgrade share one port, as on a single Discord front end.

#include <utility>

#include "fakes/discord/internal.hpp"

namespace tether::fakes {

using namespace std::chrono_literals;
using detail::http_conn;

void fake_discord::impl::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec,
                                                         tcp::socket sock) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) on_accept(std::move(sock));
    do_accept();
  });
}

void fake_discord::impl::on_accept(tcp::socket&& sock) {
  bool refuse;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    refuse = detail::clock_type::now() < refuse_until_;
  }
  if (refuse) {
    // Accept-then-RST looks like a crashed front end to the client.
    beast::error_code ec;
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
    return;
  }
  std::make_shared<http_conn>(*this, std::move(sock))->start();
}

} // namespace tether::fakes

namespace tether::fakes::detail {

namespace {

bool is_gateway_path(beast::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path == "/gateway" || path == "/gateway/" || path == "/";
}

} // namespace

http_conn::http_conn(fake_discord::impl& owner, tcp::socket&& socket)
  : owner_(owner), stream_(std::move(socket)) {
  // nop
}

void http_conn::start() {
  // Run on the socket's strand from the first step on.
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&http_conn::do_read,
                                           shared_from_this()));
}

void http_conn::do_read() {
  parser_.emplace();
  parser_->body_limit(32 * 1024 * 1024);
  // Idle keep-alive connections go away after a while.
  stream_.expires_after(30s);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_conn::on_read,
                                             shared_from_this()));
}

void http_conn::on_read(beast::error_code ec, size_t) {
  if (ec) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  auto req = parser_->release();
  if (websocket::is_upgrade(req) && is_gateway_path(req.target())) {
    owner_.on_upgrade(std::move(stream_), std::move(req));
    return;
  }
  auto r = owner_.on_rest(req);
  res_ = std::make_shared<http::response<http::string_body>>();
  res_->version(req.version());
  res_->result(r.status);
  res_->set(http::field::server, "fake-discord");
  if (r.status != http::status::no_content)
    res_->set(http::field::content_type, "application/json");
  for (auto& [k, v] : r.headers)
    res_->set(k, v);
  res_->body() = std::move(r.body);
  res_->keep_alive(req.keep_alive());
  res_->prepare_payload();
  http::async_write(stream_, *res_,
                    beast::bind_front_handler(&http_conn::on_write,
                                              shared_from_this(),
                                              req.keep_alive()));
}

void http_conn::on_write(bool keep_alive, beast::error_code ec, size_t) {
  if (ec) return;
  if (!keep_alive) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  do_read();
}

} // namespace tether::fakes::detail
