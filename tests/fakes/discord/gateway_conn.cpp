// One gateway WebSocket connection of the fake, in the shape of a Beast
// session: its own strand, an on_* chain, a write queue. It holds no
// protocol state; the impl decides and this class only moves bytes.

#include <utility>

#include "fakes/discord/internal.hpp"

namespace tether::fakes::detail {

using namespace std::chrono_literals;

gateway_conn::gateway_conn(fake_discord::impl& owner, uint64_t id,
                           beast::tcp_stream&& stream, bool compress)
  : owner_(owner),
    id_(id),
    ws_(std::move(stream)),
    ex_(ws_.get_executor()),
    compress_(compress) {
  if (compress_) deflater_ = std::make_unique<zlib_deflater>();
}

void gateway_conn::start(http::request<http::string_body> req) {
  // The websocket stream has its own timeout system.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout t;
  // Also bounds our close handshake when the client never answers it.
  t.handshake_timeout = 2s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws_.set_option(t);
  // Exactly the frames we ask for: the split hook must be visible.
  ws_.auto_fragment(false);
  // Read oversized frames whole so the impl can answer 4002 (not 1009).
  ws_.read_message_max(1 << 20);
  ws_.set_option(
    websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "fake-discord");
    }));
  auto target = std::string{req.target()};
  auto req_ptr
    = std::make_shared<http::request<http::string_body>>(std::move(req));
  ws_.async_accept(*req_ptr, [self = shared_from_this(), req_ptr,
                              target](beast::error_code ec) {
    if (ec) return; // never registered: nothing to tell the impl
    self->owner_.on_ws_open(self, target);
    self->do_read();
  });
}

void gateway_conn::send(std::shared_ptr<const std::string> text, int64_t seq,
                        zlib_split split) {
  asio::post(ex_, [self = shared_from_this(), text = std::move(text), seq,
                   split] {
    if (self->dead_ || self->frozen_ || self->closing_) return;
    if (!self->compress_) {
      out_item item;
      item.data = text;
      item.seq = seq;
      self->push(std::move(item));
      return;
    }
    // Compress here, on the strand, in send order: one shared context.
    auto z = self->deflater_->compress(*text);
    if (split == zlib_split::none || z.size() < 2) {
      out_item item;
      item.data = std::make_shared<const std::string>(std::move(z));
      item.binary = true;
      item.seq = seq;
      self->push(std::move(item));
      return;
    }
    auto half = z.size() / 2;
    // The first part must not look complete to the client.
    if (half >= 4 && z.compare(half - 4, 4, "\x00\x00\xff\xff", 4) == 0) --half;
    out_item first;
    first.data = std::make_shared<const std::string>(z.substr(0, half));
    first.binary = true;
    first.fin = split == zlib_split::ws_messages;
    out_item second;
    second.data = std::make_shared<const std::string>(z.substr(half));
    second.binary = true;
    second.seq = seq;
    self->push(std::move(first));
    self->push(std::move(second));
  });
}

void gateway_conn::close(uint16_t code, std::string reason) {
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

void gateway_conn::drop() {
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

void gateway_conn::half_open() {
  asio::post(ex_, [self = shared_from_this()] {
    if (self->dead_ || self->frozen_) return;
    self->frozen_ = true;
    self->clear_queue();
    // Cancelling fails the websocket stream but leaves the socket open: no
    // more reads (so no auto-pong or close echo) and no more writes.
    beast::get_lowest_layer(self->ws_).cancel();
  });
}

void gateway_conn::clear_queue() {
  // The front item's buffer belongs to a running write.
  if (writing_ && !queue_.empty())
    queue_.erase(queue_.begin() + 1, queue_.end());
  else
    queue_.clear();
}

void gateway_conn::do_read() {
  if (dead_ || frozen_) return;
  ws_.async_read(buffer_, beast::bind_front_handler(&gateway_conn::on_read,
                                                    shared_from_this()));
}

void gateway_conn::on_read(beast::error_code ec, size_t) {
  if (frozen_) return; // half-open: we pretend to have never read anything
  if (ec) {
    if (ec == websocket::error::closed)
      finish(end_kind::client_close, ws_.reason().code);
    else
      finish(end_kind::lost, 0);
    return;
  }
  auto msg = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  owner_.on_frame(id_, std::move(msg), ws_.got_binary());
  do_read();
}

void gateway_conn::push(out_item item) {
  if (dead_ || frozen_) return;
  queue_.push_back(std::move(item));
  if (!writing_) do_write();
}

void gateway_conn::do_write() {
  writing_ = true;
  auto& item = queue_.front();
  if (item.close) {
    ws_.async_close(item.reason,
                    beast::bind_front_handler(&gateway_conn::on_close,
                                              shared_from_this()));
    return;
  }
  // The opcode only matters for the first frame of a message.
  if (!mid_message_) ws_.binary(item.binary);
  mid_message_ = !item.fin;
  ws_.async_write_some(item.fin, asio::buffer(*item.data),
                       beast::bind_front_handler(&gateway_conn::on_write,
                                                 shared_from_this()));
}

void gateway_conn::on_write(beast::error_code ec, size_t) {
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
  else
    owner_.on_drained(id_);
}

void gateway_conn::on_close(beast::error_code) {
  writing_ = false;
  queue_.clear();
  dead_ = true;
  // Beast tore the connection down (or timed out); make sure of it.
  beast::get_lowest_layer(ws_).close();
  finish(end_kind::dropped, 0);
}

void gateway_conn::finish(end_kind kind, uint16_t code) {
  if (finished_) return;
  finished_ = true;
  if (!dead_) {
    dead_ = true;
    clear_queue();
    beast::get_lowest_layer(ws_).close();
  }
  owner_.on_end(id_, kind, code);
}

} // namespace tether::fakes::detail
