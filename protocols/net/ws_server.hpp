// A WebSocket listener (plain ws://) on the io_context, for peers that dial
// us. Every accepted TCP connection gets its own strand and must deliver
// its HTTP upgrade request within handshake_timeout; accept_check (called
// on an io thread) decides from the path and headers; the WebSocket
// handshake follows. An upgraded connection is handed to the owner actor:
//
//   ws_accept_atom, net::ws_accepted     a new connection, not started
//
// ws_accepted::session is a net::ws_session: start() makes it report to
// the owner (ws_open, ws_frame(s), ws_closed) exactly like a client
// session, with the same pings, write queue and deadlines; dropping the
// handle without start() drops the connection.
//
// The owner must call stop() when it exits (attach_functor); the
// destructor stops, too, and never waits for the peers.

#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "protocols/net/ws_session.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::net {

/// ws server -> owner (ws_accepted): an upgraded connection.
using ws_accept_atom = caf::atom_constant<caf::atom("wsaccept")>;

struct ws_server_options {
  /// Address to bind ("127.0.0.1", "0.0.0.0", "::1"); no names.
  std::string host = "127.0.0.1";
  /// 0 picks a free port (see ws_server::port()).
  uint16_t port = 0;
  /// Connections (upgrading or open) beyond this are closed at accept.
  size_t max_connections = 64;
  /// Reading the upgrade request plus the WebSocket handshake.
  std::chrono::milliseconds handshake_timeout{10'000};
  /// Largest upgrade request (start line and headers).
  size_t header_limit = 16 * 1024;
  /// What accepted sessions use: ping_interval, ping_timeout,
  /// close_timeout, write_timeout, read_limit, max_queue, batch,
  /// max_pending_bytes, user_agent (sent as Server). url, headers, tls and
  /// the connect/handshake timeouts are ignored.
  ws_options session;
};

/// The upgrade request of a connecting peer.
struct ws_upgrade {
  /// Request target as sent (path plus query).
  std::string target;
  /// The target up to `?`.
  std::string path;
  /// Header fields in order (names as sent).
  std::vector<std::pair<std::string, std::string>> headers;
  /// "address:port" of the peer.
  std::string remote;

  /// The first field named `name` (any case); empty when absent.
  std::string header(std::string_view name) const;
};

/// accept_check's answer.
struct ws_verdict {
  /// 0 accepts; otherwise the HTTP status the upgrade is refused with.
  int status = 0;
  /// Sent as the body of a refusal.
  std::string reason;

  static ws_verdict accept() {
    return {};
  }

  static ws_verdict reject(int status, std::string reason) {
    return {status, std::move(reason)};
  }
};

/// Decides about one upgrade; runs on an io thread, so it must be quick
/// and thread-safe.
using accept_check = std::function<ws_verdict(const ws_upgrade&)>;

/// What the owner receives for an upgraded connection.
struct ws_accepted {
  std::shared_ptr<ws_session> session;
  ws_upgrade upgrade;
  /// Becomes true when the session has ended, before its ws_closed is
  /// sent. Tells an owner with several sessions which one a ws_closed is
  /// about (the messages carry no session).
  std::shared_ptr<const std::atomic<bool>> finished;
};

class ws_server {
public:
  // -- constructors, destructors, and assignment operators --------------------

  static std::shared_ptr<ws_server> make(boost::asio::io_context& io,
                                         caf::actor_addr owner,
                                         ws_server_options opts,
                                         accept_check check);

  virtual ~ws_server();

  // -- modifiers --------------------------------------------------------------

  /// Opens, binds and listens (synchronously), then accepts on the
  /// io_context. Returns false with the reason in `error` when it cannot.
  /// Call once.
  virtual bool start(std::string& error) = 0;

  /// Stops accepting and drops every connection that is still upgrading
  /// or not started; started sessions belong to their owner. Thread-safe,
  /// idempotent.
  virtual void stop() = 0;

  // -- observers --------------------------------------------------------------

  /// The bound port (after a successful start()).
  virtual uint16_t port() const = 0;

  /// Connections upgrading or open right now.
  virtual size_t connections() const = 0;

  /// Upgrades refused by accept_check so far.
  virtual uint64_t rejected() const = 0;
};

} // namespace tether::net

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::net::ws_accepted)
