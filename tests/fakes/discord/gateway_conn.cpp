// The gateway side of the fake: the shared WebSocket transport plus Discord's
// zlib-stream compression, done on the strand in send order.

#include <utility>

#include "fakes/discord/internal.hpp"

namespace tether::fakes::detail {

gateway_conn::gateway_conn(uint64_t id, beast::tcp_stream&& stream,
                           bool compress, common::ws_callbacks callbacks)
  : common::ws_conn(id, std::move(stream),
                    // Exactly the frames we ask for: the split hook must be
                    // visible.
                    common::ws_settings{"fake-discord", false},
                    std::move(callbacks)),
    compress_(compress) {
  if (compress_) deflater_ = std::make_unique<zlib_deflater>();
}

void gateway_conn::send(std::shared_ptr<const std::string> text, int64_t seq,
                        zlib_split split) {
  if (!compress_) {
    common::ws_conn::send(std::move(text), seq);
    return;
  }
  auto self = std::static_pointer_cast<gateway_conn>(shared_from_this());
  asio::post(executor(), [self, text = std::move(text), seq, split] {
    if (!self->writable()) return;
    // Compress here, on the strand, in send order: one shared context.
    auto z = self->deflater_->compress(*text);
    if (split == zlib_split::none || z.size() < 2) {
      common::out_item item;
      item.data = std::make_shared<const std::string>(std::move(z));
      item.binary = true;
      item.seq = seq;
      self->push(std::move(item));
      return;
    }
    auto half = z.size() / 2;
    // The first part must not look complete to the client.
    if (half >= 4 && z.compare(half - 4, 4, "\x00\x00\xff\xff", 4) == 0) --half;
    common::out_item first;
    first.data = std::make_shared<const std::string>(z.substr(0, half));
    first.binary = true;
    first.fin = split == zlib_split::ws_messages;
    common::out_item second;
    second.data = std::make_shared<const std::string>(z.substr(half));
    second.binary = true;
    second.seq = seq;
    self->push(std::move(first));
    self->push(std::move(second));
  });
}

} // namespace tether::fakes::detail
