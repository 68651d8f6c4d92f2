// The listener and the two connection kinds of the fake mirai-api-http, in
// the shape of Beast sessions: own strand, on_* chain, write queue. They hold
// no protocol state; the impl decides and these classes only move bytes.

#include <utility>

#include "fakes/mirai/internal.hpp"

namespace tether::fakes {

namespace beast = mirai_detail::beast;
using mirai_detail::tcp;

void fake_mirai::impl::do_accept() {
  acceptor_.async_accept(
    mirai_detail::asio::make_strand(ioc_),
    [this](beast::error_code ec, tcp::socket sock) {
      if (ec == mirai_detail::asio::error::operation_aborted || stopping_)
        return;
      if (!ec) on_accept(std::move(sock));
      do_accept();
    });
}

void fake_mirai::impl::on_accept(tcp::socket&& sock) {
  bool refuse;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    refuse = mirai_detail::clock_type::now() < refuse_until_;
  }
  if (refuse) {
    // Accept-then-RST looks like a crashed front end to the client.
    beast::error_code ec;
    sock.set_option(mirai_detail::asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
    return;
  }
  std::make_shared<mirai_detail::http_conn>(*this, std::move(sock))->start();
}

} // namespace tether::fakes

namespace tether::fakes::mirai_detail {

using namespace std::chrono_literals;

namespace {

bool is_channel_path(beast::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path == "/all" || path == "/message" || path == "/event";
}

} // namespace

// -- ws_conn ------------------------------------------------------------------

ws_conn::ws_conn(fake_mirai::impl& owner, uint64_t id,
                 beast::tcp_stream&& stream)
  : owner_(owner), id_(id), ws_(std::move(stream)), ex_(ws_.get_executor()) {
  // nop
}

void ws_conn::start(request req) {
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout t;
  // Also bounds our close handshake when the client never answers it.
  t.handshake_timeout = 2s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws_.set_option(t);
  ws_.read_message_max(1 << 20);
  ws_.set_option(
    websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "fake-mirai");
    }));
  req_ = std::move(req);
  ws_.async_accept(req_, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return; // never registered with the impl
    self->owner_.on_ws_open(self);
    self->do_read();
  });
}

void ws_conn::send(std::shared_ptr<const std::string> text) {
  asio::post(ex_, [self = shared_from_this(), text = std::move(text)] {
    if (self->dead_ || self->frozen_ || self->closing_) return;
    out_item item;
    item.data = text;
    self->push(std::move(item));
  });
}

void ws_conn::close(uint16_t code, std::string reason) {
  asio::post(ex_, [self = shared_from_this(), code,
                   reason = std::move(reason)]() mutable {
    if (self->dead_ || self->frozen_ || self->closing_) return;
    out_item item;
    item.close = true;
    // Application codes (4xxx) are not in Beast's close_code enum.
    item.reason.code = code;
    item.reason.reason = reason;
    self->push(std::move(item));
    self->closing_ = true;
  });
}

void ws_conn::drop() {
  asio::post(ex_, [self = shared_from_this()] {
    if (self->dead_) return;
    self->dead_ = true;
    self->clear_queue();
    auto& sock = beast::get_lowest_layer(self->ws_).socket();
    beast::error_code ec;
    // RST instead of FIN: what a crashed peer or a dead NAT looks like.
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    beast::get_lowest_layer(self->ws_).close();
  });
}

void ws_conn::half_open() {
  asio::post(ex_, [self = shared_from_this()] {
    if (self->dead_ || self->frozen_) return;
    self->frozen_ = true;
    self->clear_queue();
    // Cancelling fails the websocket stream but leaves the socket open: no
    // more reads (so no auto-pong or close echo) and no more writes.
    beast::get_lowest_layer(self->ws_).cancel();
  });
}

void ws_conn::clear_queue() {
  // The front item's buffer belongs to a running write.
  if (writing_ && !queue_.empty())
    queue_.erase(queue_.begin() + 1, queue_.end());
  else
    queue_.clear();
}

void ws_conn::do_read() {
  if (dead_ || frozen_) return;
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_conn::on_read,
                                                    shared_from_this()));
}

void ws_conn::on_read(beast::error_code ec, size_t) {
  if (frozen_) return; // half-open: pretend to have never read anything
  if (ec) {
    finish();
    return;
  }
  auto msg = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  owner_.on_frame(id_, std::move(msg), ws_.got_binary());
  do_read();
}

void ws_conn::push(out_item item) {
  if (dead_ || frozen_) return;
  queue_.push_back(std::move(item));
  if (!writing_) do_write();
}

void ws_conn::do_write() {
  writing_ = true;
  auto& item = queue_.front();
  if (item.close) {
    ws_.async_close(item.reason, beast::bind_front_handler(&ws_conn::on_close,
                                                           shared_from_this()));
    return;
  }
  ws_.text(true);
  ws_.async_write(asio::buffer(*item.data),
                  beast::bind_front_handler(&ws_conn::on_write,
                                            shared_from_this()));
}

void ws_conn::on_write(beast::error_code ec, size_t) {
  writing_ = false;
  if (dead_ || frozen_) {
    queue_.clear();
    return;
  }
  if (ec) {
    // The read fails as well and reports the end.
    dead_ = true;
    queue_.clear();
    beast::get_lowest_layer(ws_).close();
    return;
  }
  queue_.pop_front();
  if (!queue_.empty()) do_write();
}

void ws_conn::on_close(beast::error_code) {
  writing_ = false;
  queue_.clear();
  dead_ = true;
  beast::get_lowest_layer(ws_).close();
  finish();
}

void ws_conn::finish() {
  if (finished_) return;
  finished_ = true;
  if (!dead_) {
    dead_ = true;
    clear_queue();
    beast::get_lowest_layer(ws_).close();
  }
  owner_.on_end(id_);
}

// -- http_conn ----------------------------------------------------------------

http_conn::http_conn(fake_mirai::impl& owner, tcp::socket&& socket)
  : owner_(owner), stream_(std::move(socket)) {
  // nop
}

void http_conn::start() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&http_conn::do_read,
                                           shared_from_this()));
}

void http_conn::do_read() {
  parser_.emplace();
  parser_->body_limit(4 * 1024 * 1024);
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
  if (websocket::is_upgrade(req) && is_channel_path(req.target())) {
    owner_.on_upgrade(std::move(stream_), std::move(req));
    return;
  }
  // Only the WebSocket adapter is faked; the HTTP adapter is not enabled.
  res_ = std::make_shared<http::response<http::string_body>>();
  res_->version(req.version());
  res_->result(http::status::not_found);
  res_->set(http::field::server, "fake-mirai");
  res_->set(http::field::content_type, "text/plain");
  res_->body() = "404 Not Found";
  res_->keep_alive(false);
  res_->prepare_payload();
  http::async_write(stream_, *res_,
                    beast::bind_front_handler(&http_conn::on_write,
                                              shared_from_this()));
}

void http_conn::on_write(beast::error_code ec, size_t) {
  if (ec) return;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

} // namespace tether::fakes::mirai_detail
