// The listener and the two connection kinds of the fake OneBot, in the
// shape of Beast sessions: own strand, on_* chain, write queue. A ws_conn is
// either accepted (forward WS) or dialed (reverse WS). They hold no protocol
// state; the impl decides and these classes only move bytes.

#include <utility>

#include "fakes/onebot/internal.hpp"

namespace tether::fakes {

namespace beast = onebot_detail::beast;
using onebot_detail::tcp;

void fake_onebot::impl::do_accept() {
  acceptor_.async_accept(
    onebot_detail::asio::make_strand(ioc_),
    [this](beast::error_code ec, tcp::socket sock) {
      if (ec == onebot_detail::asio::error::operation_aborted || stopping_)
        return;
      if (!ec) on_accept(std::move(sock));
      do_accept();
    });
}

void fake_onebot::impl::on_accept(tcp::socket&& sock) {
  bool refuse;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    refuse = onebot_detail::clock_type::now() < refuse_until_;
  }
  if (refuse) {
    // Accept-then-RST looks like a crashed front end to the client.
    beast::error_code ec;
    sock.set_option(onebot_detail::asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
    return;
  }
  std::make_shared<onebot_detail::http_conn>(*this, std::move(sock))->start();
}

} // namespace tether::fakes

namespace tether::fakes::onebot_detail {

using namespace std::chrono_literals;

// -- ws_conn ------------------------------------------------------------------

ws_conn::ws_conn(fake_onebot::impl& owner, uint64_t id,
                 beast::tcp_stream&& stream)
  : owner_(owner), id_(id), ws_(std::move(stream)), ex_(ws_.get_executor()) {
  // nop
}

ws_conn::ws_conn(fake_onebot::impl& owner, uint64_t id, asio::io_context& ioc)
  : owner_(owner),
    id_(id),
    ws_(asio::make_strand(ioc)),
    ex_(ws_.get_executor()) {
  // nop
}

void ws_conn::configure() {
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout t;
  // Also bounds our close handshake when the peer never answers it.
  t.handshake_timeout = 2s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws_.set_option(t);
  ws_.read_message_max(1 << 20);
}

void ws_conn::accept(request req) {
  configure();
  ws_.set_option(
    websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "fake-onebot");
    }));
  auto req_ptr = std::make_shared<request>(std::move(req));
  ws_.async_accept(*req_ptr,
                   [self = shared_from_this(), req_ptr](beast::error_code ec) {
                     if (ec) {
                       self->dead_ = true;
                       self->owner_.on_dial_failed(self->id_);
                       return;
                     }
                     self->open_ = true;
                     self->owner_.on_ws_open(self->id_);
                     self->do_read();
                   });
}

void ws_conn::dial(std::string host, uint16_t port, std::string target,
                   header_list headers) {
  asio::dispatch(ex_, [self = shared_from_this(), host = std::move(host), port,
                       target = std::move(target),
                       headers = std::move(headers)]() mutable {
    auto& tcp_layer = beast::get_lowest_layer(self->ws_);
    // Bounds the connect; the handshake has its own timeout.
    tcp_layer.expires_after(5s);
    tcp::endpoint ep{asio::ip::make_address_v4("127.0.0.1"), port};
    tcp_layer.async_connect(ep, [self, host = std::move(host), port,
                                 target = std::move(target),
                                 headers = std::move(headers)](
                                  beast::error_code ec) mutable {
      if (ec || self->dead_) {
        self->dead_ = true;
        self->owner_.on_dial_failed(self->id_);
        return;
      }
      self->configure();
      self->ws_.set_option(websocket::stream_base::decorator(
        [headers = std::move(headers)](websocket::request_type& req) {
          req.set(http::field::user_agent, "fake-onebot");
          for (auto& [k, v] : headers)
            req.set(k, v);
        }));
      auto hostport = host + ":" + std::to_string(port);
      self->ws_.async_handshake(hostport, target, [self](beast::error_code ec) {
        if (ec || self->dead_) {
          self->dead_ = true;
          beast::get_lowest_layer(self->ws_).close();
          self->owner_.on_dial_failed(self->id_);
          return;
        }
        self->open_ = true;
        self->owner_.on_ws_open(self->id_);
        self->do_read();
      });
    });
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
    // A dial in progress fails and reports itself.
    if (self->dead_ || !self->open_) return;
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
    if (self->dead_ || self->frozen_ || !self->open_) return;
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
  if (finished_ || !open_) return;
  finished_ = true;
  if (!dead_) {
    dead_ = true;
    clear_queue();
    beast::get_lowest_layer(ws_).close();
  }
  owner_.on_end(id_);
}

// -- http_conn ----------------------------------------------------------------

http_conn::http_conn(fake_onebot::impl& owner, tcp::socket&& socket)
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
  auto status = websocket::is_upgrade(req) ? owner_.check_upgrade(req) : 404u;
  if (status == 0) {
    owner_.on_upgrade(std::move(stream_), std::move(req));
    return;
  }
  // Only forward WebSocket is faked; plain HTTP API calls get 404.
  res_ = std::make_shared<http::response<http::string_body>>();
  res_->version(req.version());
  res_->result(static_cast<http::status>(status));
  res_->set(http::field::server, "fake-onebot");
  res_->set(http::field::content_type, "text/plain");
  res_->body() = std::string{http::obsolete_reason(res_->result())};
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

} // namespace tether::fakes::onebot_detail
