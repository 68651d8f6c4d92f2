// A WebSocket client connection (ws:// or wss://) on the io_context, in the
// shape of a Beast session: one object per connection, its own strand, an
// on_* chain, a write queue. Every step has a deadline. It reports to its
// owning actor by message (protocols/type_ids.hpp):
//
//   ws_open_atom                          handshake done
//   ws_frame_atom, std::string, bool      one message (bool: binary)
//   ws_frames_atom                        messages wait in take_frames()
//                                         (only with ws_options::batch)
//   ws_closed_atom, net::ws_close_info    the end; nothing follows
//
// The owner must call close() or abort() when it exits (attach_functor).

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>

#include "protocols/net/tls.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::net {

struct ws_options {
  /// `ws://host[:port]/path?query` or `wss://...`.
  std::string url;
  /// Resolve + TCP connect.
  std::chrono::milliseconds connect_timeout{10'000};
  /// TLS handshake + WebSocket upgrade.
  std::chrono::milliseconds handshake_timeout{10'000};
  /// Our close frame until the peer's close frame (then the socket is
  /// dropped).
  std::chrono::milliseconds close_timeout{5'000};
  /// One queued message until it is fully written.
  std::chrono::milliseconds write_timeout{10'000};
  /// Largest incoming message; bigger ones fail the connection (1009).
  size_t read_limit = 16 * 1024 * 1024;
  /// Send a WS ping when nothing was received for this long; 0 = never.
  std::chrono::milliseconds ping_interval{0};
  /// Fail the connection (`read: timed out (ping)`) when no frame at all
  /// (pong included) arrives within this long after a ping.
  std::chrono::milliseconds ping_timeout{10'000};
  /// Messages waiting to be written beyond this fail the connection.
  size_t max_queue = 4096;
  /// Hand messages over in batches: the session queues them and sends one
  /// `ws_frames_atom` when the queue turns non-empty; the owner takes all
  /// of them with take_frames(). Under load this costs one actor message
  /// per batch instead of one per frame.
  bool batch = false;
  /// With `batch`: reading pauses while this many bytes wait untaken, so
  /// a slow owner pushes back on the peer instead of growing memory.
  size_t max_pending_bytes = 8 * 1024 * 1024;
  std::string user_agent = "tether";
  /// Extra request headers for the upgrade.
  std::vector<std::pair<std::string, std::string>> headers;
  tls_options tls;
};

/// One received message.
struct ws_message {
  std::string payload;
  bool binary = false;
};

class ws_session {
public:
  static std::shared_ptr<ws_session>
  make(boost::asio::io_context& io, caf::actor_addr owner, ws_options opts);

  virtual ~ws_session();

  /// Resolves, connects, upgrades. Call once.
  virtual void start() = 0;

  /// Queues a text message. Thread-safe.
  virtual void send_text(std::string text) = 0;

  /// Queues a binary message. Thread-safe.
  virtual void send_binary(std::string bytes) = 0;

  /// Starts the close handshake with `code` (bounded by close_timeout).
  /// Thread-safe, idempotent.
  virtual void close(uint16_t code, std::string reason) = 0;

  /// Drops the TCP connection without a close frame (what a crashed
  /// process does). Thread-safe, idempotent.
  virtual void abort() = 0;

  /// With ws_options::batch: moves every waiting message to the end of
  /// `out` in arrival order and returns how many. Thread-safe.
  virtual size_t take_frames(std::vector<ws_message>& out);
};

} // namespace tether::net
