#include "protocols/net/ws_server.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "protocols/net/ws_connection.hpp"

namespace asio = boost::asio;           // from <boost/asio.hpp>
namespace beast = boost::beast;         // from <boost/beast.hpp>
namespace http = beast::http;           // from <boost/beast/http.hpp>
namespace websocket = beast::websocket; // from <boost/beast/websocket.hpp>
using tcp = asio::ip::tcp;              // from <boost/asio/ip/tcp.hpp>

namespace tether::net {

std::string ws_upgrade::header(std::string_view name) const {
  auto same = [](std::string_view x, std::string_view y) {
    return x.size() == y.size()
           && std::equal(x.begin(), x.end(), y.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a))
                       == std::tolower(static_cast<unsigned char>(b));
              });
  };
  for (auto& [key, value] : headers)
    if (same(key, name))
      return value;
  return {};
}

ws_server::~ws_server() {
  // nop
}

namespace {

using namespace detail;

using strand_type = asio::strand<asio::io_context::executor_type>;
using connection = ws_connection_impl<beast::tcp_stream>;

class listener;

/// An accepted connection as the owner sees it. Until start() it holds
/// its connection (nothing else does: no operation is in flight); after
/// that only weakly, like ws_session.
class accepted_session : public ws_session {
public:
  accepted_session(std::shared_ptr<connection> conn, caf::actor_addr owner,
                   std::shared_ptr<inbox> in, std::shared_ptr<void> slot)
    : strong_(conn),
      weak_(conn),
      owner_(std::move(owner)),
      inbox_(std::move(in)),
      slot_(std::move(slot)) {
    // nop
  }

  ~accepted_session() override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!closed_)
      if (auto conn = weak_.lock())
        conn->abort();
  }

  void start() override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!strong_)
      return;
    strong_->start_accepted(owner_);
    strong_.reset();
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
    if (auto conn = weak_.lock())
      conn->close(code, std::move(reason));
  }

  void abort() override {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    if (auto conn = weak_.lock())
      conn->abort();
  }

  size_t take_frames(std::vector<ws_message>& out) override {
    bool resume = false;
    auto n = drain(*inbox_, out, resume);
    if (resume)
      if (auto conn = weak_.lock())
        conn->resume_read();
    return n;
  }

private:
  void send(outgoing msg) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto conn = weak_.lock())
      conn->send(std::move(msg));
  }

  std::mutex mtx_;
  std::shared_ptr<connection> strong_;
  std::weak_ptr<connection> weak_;
  caf::actor_addr owner_;
  std::shared_ptr<inbox> inbox_;
  /// Counts this connection against max_connections while it lives.
  std::shared_ptr<void> slot_;
  bool closed_ = false;
};

/// One TCP connection until its upgrade request is read and decided.
class upgrade : public std::enable_shared_from_this<upgrade> {
public:
  upgrade(strand_type strand, tcp::socket sock, std::shared_ptr<listener> srv,
          std::shared_ptr<void> slot);

  void run() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->do_read(); });
  }

  /// Drops the connection unless it was handed over. Thread-safe.
  void cancel() {
    asio::post(strand_, [self = shared_from_this()] {
      if (!self->handed_over_) {
        beast::error_code ignored;
        self->stream_.socket().close(ignored);
      }
    });
  }

private:
  void do_read();
  void on_read(beast::error_code ec, size_t);
  void refuse(int status, std::string reason);
  void on_refused(beast::error_code ec, size_t);

  strand_type strand_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<listener> server_;
  std::shared_ptr<void> slot_;
  clock_type::time_point deadline_;
  std::string remote_;
  bool handed_over_ = false;
};

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(asio::io_context& io, caf::actor_addr owner, ws_server_options opts,
           accept_check check)
    : io_(io),
      strand_(asio::make_strand(io)),
      acceptor_(strand_),
      retry_timer_(strand_),
      owner_(std::move(owner)),
      opts_(std::move(opts)),
      check_(std::move(check)) {
    // nop
  }

  bool start(std::string& error) {
    beast::error_code ec;
    auto addr = asio::ip::make_address(opts_.host, ec);
    if (ec) {
      error = "listen: bad address '" + opts_.host + "': " + ec.message();
      return false;
    }
    tcp::endpoint ep{addr, opts_.port};
    auto where = "listen on " + opts_.host + ":" + std::to_string(opts_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = where + ": " + ec.message();
      beast::error_code ignored;
      acceptor_.close(ignored);
      return false;
    }
    port_ = acceptor_.local_endpoint(ec).port();
    asio::dispatch(strand_, [self = shared_from_this()] { self->do_accept(); });
    return true;
  }

  void stop() {
    if (stopped_.exchange(true))
      return;
    asio::post(strand_, [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
    std::vector<std::weak_ptr<upgrade>> xs;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      xs.swap(upgrades_);
    }
    for (auto& x : xs)
      if (auto u = x.lock())
        u->cancel();
  }

  bool stopped() const {
    return stopped_;
  }

  uint16_t port() const {
    return port_;
  }

  size_t connections() const {
    return live_->load();
  }

  uint64_t rejected() const {
    return rejected_;
  }

  const ws_server_options& opts() const {
    return opts_;
  }

  ws_verdict check(const ws_upgrade& up) {
    ws_verdict verdict;
    try {
      verdict = check_ ? check_(up) : ws_verdict::accept();
    } catch (const std::exception& e) {
      verdict = ws_verdict::reject(500, "accept check failed");
    }
    if (verdict.status != 0)
      ++rejected_;
    return verdict;
  }

  /// Hands an upgraded connection to the owner (on its strand).
  void hand_over(std::shared_ptr<connection> conn, std::shared_ptr<inbox> in,
                 std::shared_ptr<void> slot, ws_upgrade up) {
    auto hdl = caf::actor_cast<caf::actor>(owner_);
    if (stopped_ || !hdl) {
      conn->abort();
      return;
    }
    std::shared_ptr<const std::atomic<bool>> finished{in, &in->finished};
    auto session = std::make_shared<accepted_session>(std::move(conn), owner_,
                                                      in, std::move(slot));
    caf::anon_send(hdl, ws_accept_atom::value,
                   ws_accepted{std::move(session), std::move(up),
                               std::move(finished)});
  }

private:
  void do_accept() {
    if (stopped_)
      return;
    auto strand = asio::make_strand(io_);
    acceptor_.async_accept(strand, [self = shared_from_this(), strand](
                                     beast::error_code ec,
                                     tcp::socket sock) mutable {
      self->on_accept(ec, std::move(strand), std::move(sock));
    });
  }

  void on_accept(beast::error_code ec, strand_type strand, tcp::socket sock) {
    if (stopped_ || ec == asio::error::operation_aborted)
      return;
    if (ec) {
      // Out of descriptors and the like: try again shortly, not in a loop.
      retry_timer_.expires_after(std::chrono::milliseconds{100});
      retry_timer_.async_wait(
        [self = shared_from_this()](const beast::error_code& err) {
          if (!err)
            self->do_accept();
        });
      return;
    }
    if (live_->load() >= opts_.max_connections) {
      beast::error_code ignored;
      sock.close(ignored);
      return do_accept();
    }
    ++*live_;
    std::shared_ptr<void> slot{nullptr, [live = live_](void*) { --*live; }};
    auto u = std::make_shared<upgrade>(std::move(strand), std::move(sock),
                                       shared_from_this(), std::move(slot));
    {
      std::lock_guard<std::mutex> guard{mtx_};
      upgrades_.erase(std::remove_if(upgrades_.begin(), upgrades_.end(),
                                     [](auto& x) { return x.expired(); }),
                      upgrades_.end());
      upgrades_.push_back(u);
    }
    u->run();
    do_accept();
  }

  asio::io_context& io_;
  strand_type strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  caf::actor_addr owner_;
  ws_server_options opts_;
  accept_check check_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint16_t> port_{0};
  std::shared_ptr<std::atomic<size_t>> live_
    = std::make_shared<std::atomic<size_t>>(0);
  std::atomic<uint64_t> rejected_{0};
  std::mutex mtx_;
  std::vector<std::weak_ptr<upgrade>> upgrades_;
};

upgrade::upgrade(strand_type strand, tcp::socket sock,
                 std::shared_ptr<listener> srv, std::shared_ptr<void> slot)
  : strand_(std::move(strand)),
    stream_(std::move(sock)),
    server_(std::move(srv)),
    slot_(std::move(slot)) {
  beast::error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  if (!ec)
    remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

void upgrade::do_read() {
  deadline_ = clock_type::now() + server_->opts().handshake_timeout;
  stream_.expires_at(deadline_);
  parser_.emplace();
  parser_->header_limit(
    static_cast<std::uint32_t>(server_->opts().header_limit));
  parser_->body_limit(4096);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&upgrade::on_read,
                                             shared_from_this()));
}

void upgrade::on_read(beast::error_code ec, size_t) {
  if (ec) {
    // Silent, slow or garbage: drop it (the deadline bounds all three).
    beast::error_code ignored;
    stream_.socket().close(ignored);
    return;
  }
  auto& req = parser_->get();
  ws_upgrade up;
  up.target = std::string{req.target()};
  up.path = up.target.substr(0, up.target.find('?'));
  up.remote = remote_;
  for (auto& field : req)
    up.headers.emplace_back(std::string{field.name_string()},
                            std::string{field.value()});
  if (!websocket::is_upgrade(req))
    return refuse(426, "a WebSocket upgrade is required");
  auto verdict = server_->check(up);
  if (verdict.status != 0)
    return refuse(verdict.status, std::move(verdict.reason));
  handed_over_ = true;
  auto in = std::make_shared<inbox>();
  auto conn = std::make_shared<connection>(strand_, std::move(stream_),
                                           server_->opts().session, in);
  conn->accept(parser_->release(), deadline_,
               [srv = server_, in, slot = slot_,
                up = std::move(up)](std::shared_ptr<connection> c) mutable {
                 srv->hand_over(std::move(c), std::move(in), std::move(slot),
                                std::move(up));
               });
  slot_.reset();
}

void upgrade::refuse(int status, std::string reason) {
  if (status < 100 || status > 599)
    status = 400;
  response_.version(parser_->get().version());
  response_.result(static_cast<unsigned>(status));
  response_.set(http::field::server, server_->opts().session.user_agent);
  response_.set(http::field::content_type, "text/plain");
  response_.set(http::field::connection, "close");
  response_.body() = std::move(reason) + "\n";
  response_.prepare_payload();
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&upgrade::on_refused,
                                              shared_from_this()));
}

void upgrade::on_refused(beast::error_code, size_t) {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

class ws_server_impl : public ws_server {
public:
  ws_server_impl(asio::io_context& io, caf::actor_addr owner,
                 ws_server_options opts, accept_check check)
    : impl_(std::make_shared<listener>(io, std::move(owner), std::move(opts),
                                       std::move(check))) {
    // nop
  }

  ~ws_server_impl() override {
    impl_->stop();
  }

  bool start(std::string& error) override {
    return impl_->start(error);
  }

  void stop() override {
    impl_->stop();
  }

  uint16_t port() const override {
    return impl_->port();
  }

  size_t connections() const override {
    return impl_->connections();
  }

  uint64_t rejected() const override {
    return impl_->rejected();
  }

private:
  std::shared_ptr<listener> impl_;
};

} // namespace

std::shared_ptr<ws_server> ws_server::make(asio::io_context& io,
                                           caf::actor_addr owner,
                                           ws_server_options opts,
                                           accept_check check) {
  return std::make_shared<ws_server_impl>(io, std::move(owner),
                                          std::move(opts), std::move(check));
}

} // namespace tether::net
