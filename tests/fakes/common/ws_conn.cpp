#include "fakes/common/ws_conn.hpp"

namespace tether::fakes::common {

using namespace std::chrono_literals;

ws_conn::ws_conn(uint64_t id, beast::tcp_stream&& stream, ws_settings settings,
                 ws_callbacks callbacks)
  : id_(id),
    ws_(std::move(stream)),
    ex_(ws_.get_executor()),
    settings_(std::move(settings)),
    callbacks_(std::move(callbacks)) {
  // nop
}

ws_conn::ws_conn(uint64_t id, asio::io_context& ioc, ws_settings settings,
                 ws_callbacks callbacks)
  : id_(id),
    ws_(asio::make_strand(ioc)),
    ex_(ws_.get_executor()),
    settings_(std::move(settings)),
    callbacks_(std::move(callbacks)) {
  // nop
}

ws_conn::~ws_conn() {
  // nop
}

void ws_conn::configure() {
  // The websocket stream has its own timeout system.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout t;
  // Also bounds our close handshake when the peer never answers it.
  t.handshake_timeout = 2s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws_.set_option(t);
  if (!settings_.auto_fragment) ws_.auto_fragment(false);
  // Read oversized frames whole so that the owner can answer them.
  ws_.read_message_max(1 << 20);
}

void ws_conn::opened() {
  open_ = true;
  if (callbacks_.on_open) callbacks_.on_open(shared_from_this());
  do_read();
}

void ws_conn::accept(request req) {
  configure();
  ws_.set_option(websocket::stream_base::decorator(
    [name = settings_.name](websocket::response_type& res) {
      res.set(http::field::server, name);
    }));
  req_ = std::move(req);
  ws_.async_accept(req_, [self = shared_from_this()](beast::error_code ec) {
    if (ec) {
      self->dead_ = true;
      if (self->callbacks_.on_open_failed)
        self->callbacks_.on_open_failed(self->id_);
      return;
    }
    self->opened();
  });
}

void ws_conn::dial(std::string host, uint16_t port, std::string target,
                   header_list headers) {
  asio::dispatch(ex_, [self = shared_from_this(), host = std::move(host), port,
                       target = std::move(target),
                       headers = std::move(headers)]() mutable {
    auto fail = [self] {
      self->dead_ = true;
      if (self->callbacks_.on_open_failed)
        self->callbacks_.on_open_failed(self->id_);
    };
    auto& tcp_layer = beast::get_lowest_layer(self->ws_);
    // Bounds the connect; the handshake has its own timeout.
    tcp_layer.expires_after(5s);
    tcp::endpoint ep{asio::ip::make_address_v4("127.0.0.1"), port};
    tcp_layer.async_connect(
      ep, [self, fail, host = std::move(host), port, target = std::move(target),
           headers = std::move(headers)](beast::error_code ec) mutable {
        if (ec || self->dead_) {
          fail();
          return;
        }
        self->configure();
        self->ws_.set_option(websocket::stream_base::decorator(
          [name = self->settings_.name,
           headers = std::move(headers)](websocket::request_type& req) {
            req.set(http::field::user_agent, name);
            for (auto& [k, v] : headers)
              req.set(k, v);
          }));
        auto hostport = host + ":" + std::to_string(port);
        self->ws_.async_handshake(
          hostport, target, [self, fail](beast::error_code ec) {
            if (ec || self->dead_) {
              beast::get_lowest_layer(self->ws_).close();
              fail();
              return;
            }
            self->opened();
          });
      });
  });
}

void ws_conn::send(std::shared_ptr<const std::string> text, int64_t seq) {
  asio::post(ex_, [self = shared_from_this(), text = std::move(text), seq] {
    if (!self->writable()) return;
    out_item item;
    item.data = text;
    item.seq = seq;
    self->push(std::move(item));
  });
}

void ws_conn::close(uint16_t code, std::string reason) {
  asio::post(ex_, [self = shared_from_this(), code,
                   reason = std::move(reason)]() mutable {
    if (!self->writable()) return;
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
    // A handshake in progress fails and reports itself.
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
    if (ec == websocket::error::closed)
      finish(end_kind::client_close, ws_.reason().code);
    else
      finish(end_kind::lost, 0);
    return;
  }
  auto msg = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  callbacks_.on_message(id_, std::move(msg), ws_.got_binary());
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
  // The opcode only matters for the first frame of a message.
  if (!mid_message_) ws_.binary(item.binary);
  mid_message_ = !item.fin;
  ws_.async_write_some(item.fin, asio::buffer(*item.data),
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
  if (queue_.front().seq > 0) written_seq_ = queue_.front().seq;
  queue_.pop_front();
  if (!queue_.empty())
    do_write();
  else if (callbacks_.on_drained)
    callbacks_.on_drained(id_);
}

void ws_conn::on_close(beast::error_code) {
  writing_ = false;
  queue_.clear();
  dead_ = true;
  // Beast tore the connection down (or timed out); make sure of it.
  beast::get_lowest_layer(ws_).close();
  finish(end_kind::dropped, 0);
}

void ws_conn::finish(end_kind kind, uint16_t code) {
  if (finished_ || !open_) return;
  finished_ = true;
  if (!dead_) {
    dead_ = true;
    clear_queue();
    beast::get_lowest_layer(ws_).close();
  }
  callbacks_.on_end(id_, kind, code);
}

} // namespace tether::fakes::common
