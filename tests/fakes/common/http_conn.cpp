#include "fakes/common/http_conn.hpp"

namespace tether::fakes::common {

using namespace std::chrono_literals;

http_conn::http_conn(tcp::socket&& socket,
                     std::shared_ptr<const http_settings> cfg)
  : cfg_(std::move(cfg)),
    stream_(std::move(socket)),
    delay_timer_(stream_.get_executor()) {
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
  parser_->body_limit(cfg_->body_limit);
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
  auto r = cfg_->on_request(req);
  if (r.upgrade) {
    cfg_->on_upgrade(std::move(stream_), std::move(req));
    return;
  }
  if (r.hang) {
    // Wait for the client to give up; the stream timeout bounds the wait.
    stream_.expires_after(60s);
    stream_.async_read_some(asio::buffer(sink_),
                            beast::bind_front_handler(&http_conn::on_hang,
                                                      shared_from_this()));
    return;
  }
  auto keep_alive = r.keep_alive && req.keep_alive();
  res_ = std::make_shared<http::response<http::string_body>>();
  res_->version(req.version());
  res_->result(r.status);
  res_->set(http::field::server, cfg_->name);
  if (!r.content_type.empty())
    res_->set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers)
    res_->set(k, v);
  res_->body() = std::move(r.body);
  res_->keep_alive(keep_alive);
  res_->prepare_payload();
  if (r.delay.count() > 0) {
    delay_timer_.expires_after(r.delay);
    delay_timer_.async_wait(
      [self = shared_from_this(), keep_alive](beast::error_code ec) {
        if (!ec) self->do_write(keep_alive);
      });
    return;
  }
  do_write(keep_alive);
}

void http_conn::do_write(bool keep_alive) {
  http::async_write(stream_, *res_,
                    beast::bind_front_handler(&http_conn::on_write,
                                              shared_from_this(), keep_alive));
}

void http_conn::on_hang(beast::error_code ec, size_t) {
  if (!ec) {
    // More bytes (a pipelined request?): keep ignoring them.
    stream_.async_read_some(asio::buffer(sink_),
                            beast::bind_front_handler(&http_conn::on_hang,
                                                      shared_from_this()));
    return;
  }
  stream_.close();
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

} // namespace tether::fakes::common
