#include "protocols/net/ws_session.hpp"

#include <iterator>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "protocols/net/tls_context.hpp"
#include "protocols/net/url.hpp"
#include "protocols/net/ws_connection.hpp"
#include "protocols/type_ids.hpp"

namespace asio = boost::asio;   // from <boost/asio.hpp>
namespace beast = boost::beast; // from <boost/beast.hpp>

namespace tether::net {

ws_session::~ws_session() {
  // nop
}

size_t ws_session::take_frames(std::vector<ws_message>&) {
  return 0;
}

namespace {

using namespace detail;

/// The object the owner holds. It only knows its connection weakly, so a
/// finished connection frees its sockets at once, and its destructor (on
/// any thread) drops a connection the owner forgot to close.
class ws_session_impl : public ws_session {
public:
  ws_session_impl(asio::io_context& io, caf::actor_addr owner, ws_options opts)
    : io_(io), owner_(std::move(owner)), opts_(std::move(opts)) {
    if (opts_.batch) inbox_ = std::make_shared<inbox>();
  }

  ~ws_session_impl() override {
    // A close handshake in progress may finish (it has a deadline).
    std::lock_guard<std::mutex> guard{mtx_};
    if (!closed_)
      if (auto conn = conn_.lock()) conn->abort();
  }

  void start() override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (started_ || finished_) return;
    started_ = true;
    std::string error;
    auto where = parse_url(opts_.url, &error);
    if (!where) return report("url: " + error);
    if (where->scheme != "ws" && where->scheme != "wss")
      return report("url: not a WebSocket URL: " + opts_.url);
    std::shared_ptr<ws_connection> conn;
    if (where->tls()) {
      auto ctx = make_tls_context(opts_.tls, error);
      if (!ctx) return report(error);
      conn = std::make_shared<ws_connection_impl<tls_stream>>(
        io_, owner_, opts_, std::move(*where), inbox_, ctx, *ctx);
    } else {
      conn = std::make_shared<ws_connection_impl<beast::tcp_stream>>(
        io_, owner_, opts_, std::move(*where), inbox_, nullptr);
    }
    conn_ = conn;
    conn->run(std::move(early_));
  }

  void send_text(std::string text) override {
    send(outgoing{std::move(text), false});
  }

  void send_binary(std::string bytes) override {
    send(outgoing{std::move(bytes), true});
  }

  void close(uint16_t code, std::string reason) override {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    if (!started_) {
      if (!finished_) report("close: closed before start");
      return;
    }
    if (auto conn = conn_.lock()) conn->close(code, std::move(reason));
  }

  void abort() override {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    if (!started_) {
      if (!finished_) report("abort: connection dropped by the owner");
      return;
    }
    if (auto conn = conn_.lock()) conn->abort();
  }

  size_t take_frames(std::vector<ws_message>& out) override {
    if (!inbox_) return 0;
    bool resume = false;
    auto n = drain(*inbox_, out, resume);
    if (resume) {
      std::lock_guard<std::mutex> guard{mtx_};
      if (auto conn = conn_.lock()) conn->resume_read();
    }
    return n;
  }

private:
  void send(outgoing msg) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!started_) {
      if (!finished_) early_.push_back(std::move(msg));
      return;
    }
    if (auto conn = conn_.lock()) conn->send(std::move(msg));
  }

  /// Ends a session that never got a connection (requires mtx_).
  void report(std::string error) {
    finished_ = true;
    early_.clear();
    ws_close_info info;
    info.error = std::move(error);
    if (auto hdl = caf::actor_cast<caf::actor>(owner_))
      caf::anon_send(hdl, ws_closed_atom::value, std::move(info));
  }

  asio::io_context& io_;
  caf::actor_addr owner_;
  ws_options opts_;
  std::mutex mtx_;
  bool started_ = false;
  bool finished_ = false;
  bool closed_ = false;
  std::vector<outgoing> early_;
  std::weak_ptr<ws_connection> conn_;
  std::shared_ptr<inbox> inbox_;
};

} // namespace

std::shared_ptr<ws_session>
ws_session::make(asio::io_context& io, caf::actor_addr owner, ws_options opts) {
  return std::make_shared<ws_session_impl>(io, std::move(owner),
                                           std::move(opts));
}

} // namespace tether::net
