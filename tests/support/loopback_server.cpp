#include "support/loopback_server.hpp"

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "support/test_certs.hpp"

namespace asio = boost::asio;           // from <boost/asio.hpp>
namespace beast = boost::beast;         // from <boost/beast.hpp>
namespace http = beast::http;           // from <boost/beast/http.hpp>
namespace websocket = beast::websocket; // from <boost/beast/websocket.hpp>
using tcp = asio::ip::tcp;              // from <boost/asio/ip/tcp.hpp>

namespace tether::test {

namespace {

std::string lower(beast::string_view x) {
  std::string result{x.data(), x.size()};
  for (auto& ch : result)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return result;
}

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

} // namespace

std::string seen_request::header(const std::string& name) const {
  for (auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

struct loopback_server::state {
  explicit state(config x) : cfg(std::move(x)) {
    // nop
  }

  config cfg;
  std::optional<asio::ssl::context> ctx;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> guard{
    ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;
  std::thread thread;
  std::atomic<size_t> accepted{0};
  mutable std::mutex mtx;
  mutable std::condition_variable cv;
  std::vector<seen_request> requests;
  int close_code = -1;
  std::string close_reason;
  /// Connections that stay open without any pending operation (server
  /// thread only).
  std::vector<std::shared_ptr<void>> parked;

  void record(seen_request x) {
    std::lock_guard<std::mutex> guard{mtx};
    requests.push_back(std::move(x));
  }

  void record_close(int code, std::string reason) {
    std::lock_guard<std::mutex> guard{mtx};
    close_code = code;
    close_reason = std::move(reason);
    cv.notify_all();
  }
};

namespace {

using state = loopback_server::state;

template<class Body>
seen_request to_seen(const http::request<Body>& req, size_t conn) {
  seen_request result;
  result.method = std::string{req.method_string()};
  result.target = std::string{req.target()};
  for (auto& field : req)
    result.headers.emplace_back(lower(field.name_string()),
                                std::string{field.value()});
  result.body = req.body();
  result.connection = conn;
  return result;
}

// -- WebSocket peer -----------------------------------------------------------

template<class Stream>
class ws_peer : public std::enable_shared_from_this<ws_peer<Stream>> {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  template<class... Ts>
  ws_peer(state* st, size_t conn, tcp::socket sock, Ts&... args)
    : st_(st), conn_(conn), ws_(std::move(sock), args...) {
    // nop
  }

  void run() {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
    if constexpr (is_tls)
      ws_.next_layer().async_handshake(
        asio::ssl::stream_base::server,
        beast::bind_front_handler(&ws_peer::on_tls, this->shared_from_this()));
    else
      do_read_upgrade();
  }

private:
  void on_tls(beast::error_code ec) {
    if (!ec) do_read_upgrade();
  }

  void do_read_upgrade() {
    http::async_read(ws_.next_layer(), buffer_, upgrade_,
                     beast::bind_front_handler(&ws_peer::on_upgrade_request,
                                               this->shared_from_this()));
  }

  void on_upgrade_request(beast::error_code ec, size_t) {
    if (ec) return;
    st_->record(to_seen(upgrade_, conn_));
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout limits;
    limits.handshake_timeout = std::chrono::seconds(5);
    limits.idle_timeout = websocket::stream_base::none();
    limits.keep_alive_pings = false;
    ws_.set_option(limits);
    ws_.async_accept(upgrade_,
                     beast::bind_front_handler(&ws_peer::on_accept,
                                               this->shared_from_this()));
  }

  void on_accept(beast::error_code ec) {
    if (!ec) do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(
                              &ws_peer::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == websocket::error::closed) {
      auto& why = ws_.reason();
      st_->record_close(why.code,
                        std::string{why.reason.data(), why.reason.size()});
      return;
    }
    if (ec) return;
    auto text = beast::buffers_to_string(buffer_.data());
    auto binary = ws_.got_binary();
    buffer_.consume(buffer_.size());
    if (binary || text.empty() || text.front() != '!')
      return write(std::move(text), binary);
    std::istringstream in{text};
    std::string cmd;
    in >> cmd;
    if (cmd == "!close") {
      uint16_t code = 1000;
      in >> code;
      std::string reason;
      std::getline(in >> std::ws, reason);
      websocket::close_reason cr{static_cast<websocket::close_code>(code),
                                 reason};
      ws_.async_close(cr,
                      [self = this->shared_from_this()](beast::error_code) {});
    } else if (cmd == "!drop") {
      beast::get_lowest_layer(ws_).close();
    } else if (cmd == "!binary" || cmd == "!big") {
      size_t n = 0;
      in >> n;
      auto is_binary = cmd == "!binary";
      write(std::string(n, is_binary ? '\x01' : 'x'), is_binary);
    } else if (cmd == "!mute") {
      st_->parked.push_back(this->shared_from_this());
    } else {
      write(std::move(text), false);
    }
  }

  void write(std::string data, bool binary) {
    out_ = std::move(data);
    ws_.binary(binary);
    ws_.async_write(asio::buffer(out_),
                    beast::bind_front_handler(&ws_peer::on_write,
                                              this->shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    if (!ec) do_read();
  }

  state* st_;
  size_t conn_;
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> upgrade_;
  std::string out_;
};

// -- HTTP peer ----------------------------------------------------------------

template<class Stream>
class http_peer : public std::enable_shared_from_this<http_peer<Stream>> {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  template<class... Ts>
  http_peer(state* st, size_t conn, tcp::socket sock, Ts&... args)
    : st_(st),
      conn_(conn),
      stream_(std::move(sock), args...),
      timer_(stream_.get_executor()) {
    // nop
  }

  void run() {
    if constexpr (is_tls)
      stream_.async_handshake(asio::ssl::stream_base::server,
                              beast::bind_front_handler(
                                &http_peer::on_tls, this->shared_from_this()));
    else
      do_read();
  }

private:
  void on_tls(beast::error_code ec) {
    if (!ec) do_read();
  }

  void do_read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&http_peer::on_read,
                                               this->shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec) return beast::get_lowest_layer(stream_).close();
    auto seen = to_seen(req_, conn_);
    st_->record(seen);
    reply_ = st_->cfg.responder ? st_->cfg.responder(seen) : http_reply{};
    if (reply_.drop) return beast::get_lowest_layer(stream_).close();
    if (reply_.never_answer) {
      st_->parked.push_back(this->shared_from_this());
      return;
    }
    res_ = {};
    res_.result(static_cast<unsigned>(reply_.status));
    res_.version(11);
    for (auto& [name, value] : reply_.headers)
      res_.insert(name, value);
    res_.body() = reply_.body;
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    if (reply_.delay.count() > 0) {
      timer_.expires_after(reply_.delay);
      timer_.async_wait(
        [self = this->shared_from_this()](beast::error_code ec) {
          if (!ec) self->do_write();
        });
    } else {
      do_write();
    }
  }

  void do_write() {
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&http_peer::on_write,
                                                this->shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    if (ec || reply_.close_after || !res_.keep_alive())
      return beast::get_lowest_layer(stream_).close();
    do_read();
  }

  state* st_;
  size_t conn_;
  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  http_reply reply_;
};

void start_peer(state* st, tcp::socket sock, size_t conn) {
  if (st->cfg.silent) {
    st->parked.push_back(std::make_shared<tcp::socket>(std::move(sock)));
    return;
  }
  auto ws = st->cfg.proto == loopback_server::protocol::websocket;
  if (st->cfg.tls) {
    if (ws)
      std::make_shared<ws_peer<tls_stream>>(st, conn, std::move(sock), *st->ctx)
        ->run();
    else
      std::make_shared<http_peer<tls_stream>>(st, conn, std::move(sock),
                                              *st->ctx)
        ->run();
  } else {
    if (ws)
      std::make_shared<ws_peer<beast::tcp_stream>>(st, conn, std::move(sock))
        ->run();
    else
      std::make_shared<http_peer<beast::tcp_stream>>(st, conn, std::move(sock))
        ->run();
  }
}

void do_accept(state* st) {
  st->acceptor.async_accept(asio::make_strand(st->ioc),
                            [st](beast::error_code ec, tcp::socket sock) {
                              if (ec) return; // closed
                              auto conn = ++st->accepted;
                              start_peer(st, std::move(sock), conn);
                              do_accept(st);
                            });
}

} // namespace

loopback_server::loopback_server(config cfg)
  : st_(std::make_unique<state>(std::move(cfg))) {
  if (st_->cfg.tls) {
    auto& certs = pki();
    st_->ctx.emplace(asio::ssl::context::tls_server);
    auto& cert = st_->cfg.wrong_host_cert ? certs.wrong_host_cert_pem
                                          : certs.server_cert_pem;
    st_->ctx->use_certificate_chain(asio::buffer(cert));
    st_->ctx->use_private_key(asio::buffer(certs.server_key_pem),
                              asio::ssl::context::pem);
  }
  tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
  st_->acceptor.open(ep.protocol());
  st_->acceptor.set_option(asio::socket_base::reuse_address(true));
  st_->acceptor.bind(ep);
  st_->acceptor.listen();
  st_->port = st_->acceptor.local_endpoint().port();
  do_accept(st_.get());
  st_->thread = std::thread{[st = st_.get()] {
    st->ioc.run();
  }};
}

loopback_server::~loopback_server() {
  st_->guard.reset();
  st_->ioc.stop();
  st_->thread.join();
  st_->parked.clear();
}

uint16_t loopback_server::port() const {
  return st_->port;
}

std::string loopback_server::url(const std::string& path) const {
  std::string scheme = st_->cfg.proto == protocol::websocket ? "ws" : "http";
  if (st_->cfg.tls) scheme += "s";
  return scheme + "://127.0.0.1:" + std::to_string(st_->port) + path;
}

size_t loopback_server::accepted() const {
  return st_->accepted.load();
}

std::vector<seen_request> loopback_server::requests() const {
  std::lock_guard<std::mutex> guard{st_->mtx};
  return st_->requests;
}

std::pair<int, std::string>
loopback_server::wait_close_seen(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> guard{st_->mtx};
  st_->cv.wait_for(guard, timeout, [this] {
    return st_->close_code != -1;
  });
  return {st_->close_code, st_->close_reason};
}

} // namespace tether::test
