#include "protocols/net/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <optional>

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "protocols/net/tls_context.hpp"
#include "protocols/net/url.hpp"

namespace asio = boost::asio;   // from <boost/asio.hpp>
namespace beast = boost::beast; // from <boost/beast.hpp>
namespace http = beast::http;   // from <boost/beast/http.hpp>
using tcp = asio::ip::tcp;      // from <boost/asio/ip/tcp.hpp>

namespace tether::net {

namespace {

std::string lower(beast::string_view x) {
  std::string result{x.data(), x.size()};
  for (auto& ch : result)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return result;
}

} // namespace

std::string http_response::header(const std::string& name) const {
  auto key = lower(name);
  for (auto& [k, v] : headers)
    if (k == key) return v;
  return {};
}

http_client::~http_client() {
  // nop
}

namespace {

using clock_type = std::chrono::steady_clock;

using strand_type = asio::strand<asio::io_context::executor_type>;

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

http_response failure(std::string error) {
  http_response result;
  result.error = std::move(error);
  return result;
}

/// Runs a `done` handler exactly once: when called, or else with an error
/// when destroyed (the io_context dropped the operation carrying it).
class once_handler {
public:
  explicit once_handler(http_client::handler f) : f_(std::move(f)) {
    // nop
  }

  once_handler(once_handler&& other) noexcept : f_(std::move(other.f_)) {
    other.f_ = nullptr;
  }

  once_handler& operator=(once_handler&&) = delete;

  ~once_handler() {
    if (f_) f_(failure("aborted: the io_context was stopped"));
  }

  void operator()(http_response res) {
    auto f = std::move(f_);
    f_ = nullptr;
    if (f) f(std::move(res));
  }

private:
  http_client::handler f_;
};

/// One keep-alive connection on its own strand. Only the exchange that
/// currently owns it touches it, on that strand.
class http_connection {
public:
  http_connection(strand_type strand, std::string origin,
                  asio::ssl::context* ctx)
    : strand_(std::move(strand)), origin_(std::move(origin)) {
    if (ctx)
      tls_.emplace(strand_, *ctx);
    else
      plain_.emplace(strand_);
  }

  const strand_type& strand() const {
    return strand_;
  }

  const std::string& origin() const {
    return origin_;
  }

  bool is_tls() const {
    return tls_.has_value();
  }

  tls_stream& tls() {
    return *tls_;
  }

  beast::tcp_stream& tcp() {
    return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  }

  /// Calls `f` with the stream that carries HTTP (TLS or plain TCP).
  template<class F>
  void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  /// Bytes read beyond the last response.
  beast::flat_buffer& buffer() {
    return buffer_;
  }

  /// True when an idle connection shows no sign of the peer having closed
  /// it (no EOF, no unexpected bytes waiting).
  bool looks_alive() {
    auto& sock = tcp().socket();
    if (!sock.is_open() || buffer_.size() > 0) return false;
    char ch;
    auto n = ::recv(sock.native_handle(), &ch, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  void close() {
    tcp().close();
  }

private:
  strand_type strand_;
  std::string origin_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<tls_stream> tls_;
  beast::flat_buffer buffer_;
};

using connection_ptr = std::shared_ptr<http_connection>;

class http_client_impl;

/// One request from the call to `done`: connect (or reuse), write, read,
/// all under one deadline; retried once on a fresh connection when a
/// reused one turns out to be stale.
class http_exchange : public std::enable_shared_from_this<http_exchange> {
public:
  http_exchange(std::shared_ptr<http_client_impl> client, uint64_t id,
                url where, http_request req, once_handler done,
                clock_type::time_point deadline, strand_type strand,
                std::shared_ptr<asio::ssl::context> ctx);

  /// Runs the exchange on `conn` (reused) or on a new connection.
  void start(connection_ptr conn);

  /// Fails the exchange with `why`. Thread-safe.
  void cancel(std::string why);

private:
  void do_start();
  void do_resolve();
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results);
  void on_connect(beast::error_code ec, tcp::endpoint);
  void on_ssl_handshake(beast::error_code ec);
  void do_write();
  void on_write(beast::error_code ec, size_t);
  void on_read_header(beast::error_code ec, size_t);
  void on_read(beast::error_code ec, size_t);
  void fail_body_limit();
  void fail(const beast::error_code& ec, const char* what);
  bool retry();
  void complete(http_response res, bool keep_alive);

  std::shared_ptr<http_client_impl> client_;
  uint64_t id_;
  url url_;
  http_request req_;
  once_handler done_;
  clock_type::time_point deadline_;
  strand_type strand_;
  std::shared_ptr<asio::ssl::context> ctx_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  connection_ptr conn_;
  http::request<http::string_body> msg_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool reused_ = false;
  bool retried_ = false;
  bool finished_ = false;
};

class http_client_impl : public http_client,
                         public std::enable_shared_from_this<http_client_impl> {
public:
  http_client_impl(asio::io_context& io, http_client_options opts)
    : io_(io),
      strand_(asio::make_strand(io)),
      opts_(std::move(opts)),
      sweep_timer_(strand_) {
    // nop
  }

  void request(http_request req, handler done) override {
    auto deadline = clock_type::now() + req.timeout;
    asio::post(strand_,
               [self = shared_from_this(), req = std::move(req),
                done = once_handler{std::move(done)}, deadline]() mutable {
                 self->on_request(std::move(req), std::move(done), deadline);
               });
  }

  void shutdown() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->on_shutdown();
    });
  }

  // -- called by exchanges ----------------------------------------------------

  const http_client_options& options() const {
    return opts_;
  }

  /// Returns a connection that finished a response to the pool.
  void park(connection_ptr conn) {
    asio::post(strand_, [self = shared_from_this(), conn = std::move(conn)] {
      self->on_park(conn);
    });
  }

  /// Removes a finished exchange from the ones shutdown() cancels.
  void forget(uint64_t id) {
    asio::post(strand_, [self = shared_from_this(), id] {
      self->active_.erase(id);
    });
  }

private:
  struct idle_entry {
    connection_ptr conn;
    clock_type::time_point since;
  };

  void on_request(http_request req, once_handler done,
                  clock_type::time_point deadline) {
    if (shut_down_) return done(failure("shutdown: the client is shut down"));
    std::string error;
    auto where = parse_url(req.url, &error);
    if (!where) return done(failure("url: " + error));
    if (where->scheme != "http" && where->scheme != "https")
      return done(failure("url: not an HTTP URL: " + req.url));
    std::shared_ptr<asio::ssl::context> ctx;
    if (where->tls()) {
      if (!tls_ctx_) tls_ctx_ = make_tls_context(opts_.tls, error);
      if (!tls_ctx_) return done(failure(error));
      ctx = tls_ctx_;
    }
    auto conn = take_idle(where->origin());
    auto strand = conn ? conn->strand() : asio::make_strand(io_);
    auto id = next_id_++;
    auto ex = std::make_shared<http_exchange>(
      shared_from_this(), id, std::move(*where), std::move(req),
      std::move(done), deadline, std::move(strand), std::move(ctx));
    active_.emplace(id, ex);
    ex->start(std::move(conn));
  }

  connection_ptr take_idle(const std::string& origin) {
    auto i = idle_.find(origin);
    if (i == idle_.end()) return nullptr;
    auto& entries = i->second;
    auto now = clock_type::now();
    connection_ptr result;
    // Most recently used first: the least likely to be stale.
    while (!result && !entries.empty()) {
      auto entry = std::move(entries.back());
      entries.pop_back();
      if (now - entry.since < opts_.idle_timeout && entry.conn->looks_alive())
        result = std::move(entry.conn);
    }
    if (entries.empty()) idle_.erase(i);
    return result;
  }

  void on_park(const connection_ptr& conn) {
    if (shut_down_ || opts_.max_idle_per_host == 0)
      return; // dropping the last reference closes it
    auto& entries = idle_[conn->origin()];
    if (entries.size() >= opts_.max_idle_per_host) return;
    auto now = clock_type::now();
    entries.push_back(idle_entry{conn, now});
    arm_sweep(now + opts_.idle_timeout);
  }

  void arm_sweep(clock_type::time_point when) {
    if (sweep_armed_ && sweep_at_ <= when) return;
    sweep_armed_ = true;
    sweep_at_ = when;
    sweep_timer_.expires_at(when);
    // A weak reference: a pending sweep must not keep the client alive.
    sweep_timer_.async_wait(
      [weak = weak_from_this()](const beast::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->on_sweep();
      });
  }

  void on_sweep() {
    sweep_armed_ = false;
    auto now = clock_type::now();
    std::optional<clock_type::time_point> next;
    for (auto i = idle_.begin(); i != idle_.end();) {
      auto& entries = i->second;
      entries.erase(std::remove_if(entries.begin(), entries.end(),
                                   [&](const idle_entry& x) {
                                     return now - x.since >= opts_.idle_timeout;
                                   }),
                    entries.end());
      for (auto& x : entries)
        if (!next || x.since < *next) next = x.since;
      i = entries.empty() ? idle_.erase(i) : std::next(i);
    }
    if (next) arm_sweep(*next + opts_.idle_timeout);
  }

  void on_shutdown() {
    shut_down_ = true;
    idle_.clear();
    sweep_timer_.cancel();
    sweep_armed_ = false;
    auto active = std::move(active_);
    active_.clear();
    for (auto& [id, weak] : active)
      if (auto ex = weak.lock())
        ex->cancel("shutdown: the client is shut down");
  }

  asio::io_context& io_;
  strand_type strand_;
  http_client_options opts_;
  std::shared_ptr<asio::ssl::context> tls_ctx_;
  std::map<std::string, std::vector<idle_entry>> idle_;
  std::map<uint64_t, std::weak_ptr<http_exchange>> active_;
  uint64_t next_id_ = 0;
  asio::steady_timer sweep_timer_;
  bool sweep_armed_ = false;
  clock_type::time_point sweep_at_;
  bool shut_down_ = false;
};

// -- http_exchange ------------------------------------------------------------

http_exchange::http_exchange(std::shared_ptr<http_client_impl> client,
                             uint64_t id, url where, http_request req,
                             once_handler done, clock_type::time_point deadline,
                             strand_type strand,
                             std::shared_ptr<asio::ssl::context> ctx)
  : client_(std::move(client)),
    id_(id),
    url_(std::move(where)),
    req_(std::move(req)),
    done_(std::move(done)),
    deadline_(deadline),
    strand_(std::move(strand)),
    ctx_(std::move(ctx)),
    resolver_(strand_),
    timer_(strand_) {
  // nop
}

void http_exchange::start(connection_ptr conn) {
  conn_ = std::move(conn);
  reused_ = conn_ != nullptr;
  asio::post(strand_, beast::bind_front_handler(&http_exchange::do_start,
                                                shared_from_this()));
}

void http_exchange::cancel(std::string why) {
  asio::post(strand_, [self = shared_from_this(), why = std::move(why)] {
    self->complete(failure(why), false);
  });
}

void http_exchange::do_start() {
  if (finished_) return;
  // One deadline from the call to the last byte of the response.
  timer_.expires_at(deadline_);
  timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
    if (ec) return;
    self->complete(failure("timeout after "
                           + std::to_string(self->req_.timeout.count()) + "ms"),
                   false);
  });
  // Serialize the request once; a retry sends the same bytes.
  std::string method = req_.method;
  for (auto& ch : method)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    msg_.method_string(method);
  else
    msg_.method(verb);
  msg_.target(url_.target);
  msg_.version(11);
  msg_.set(http::field::host, url_.host_header());
  msg_.set(http::field::user_agent, client_->options().user_agent);
  for (auto& [name, value] : req_.headers) {
    auto key = lower(name);
    if (key == "host" || key == "user-agent")
      msg_.set(name, value);
    else
      msg_.insert(name, value);
  }
  msg_.body() = req_.body;
  msg_.keep_alive(true);
  msg_.prepare_payload();
  if (conn_)
    do_write();
  else
    do_resolve();
}

void http_exchange::do_resolve() {
  resolver_.async_resolve(url_.host, std::to_string(url_.port),
                          beast::bind_front_handler(&http_exchange::on_resolve,
                                                    shared_from_this()));
}

void http_exchange::on_resolve(beast::error_code ec,
                               tcp::resolver::results_type results) {
  if (finished_) return;
  if (ec) return fail(ec, "resolve");
  conn_ = std::make_shared<http_connection>(strand_, url_.origin(), ctx_.get());
  conn_->tcp().async_connect(
    results,
    beast::bind_front_handler(&http_exchange::on_connect, shared_from_this()));
}

void http_exchange::on_connect(beast::error_code ec, tcp::endpoint) {
  if (finished_) return;
  if (ec) return fail(ec, "connect");
  if (!conn_->is_tls()) return do_write();
  auto& tls = conn_->tls();
  if (!set_sni(tls.native_handle(), url_.host))
    return fail(beast::error_code(static_cast<int>(::ERR_get_error()),
                                  asio::error::get_ssl_category()),
                "tls");
  if (client_->options().tls.verify)
    tls.set_verify_callback(asio::ssl::host_name_verification(url_.host));
  tls.async_handshake(asio::ssl::stream_base::client,
                      beast::bind_front_handler(
                        &http_exchange::on_ssl_handshake, shared_from_this()));
}

void http_exchange::on_ssl_handshake(beast::error_code ec) {
  if (finished_) return;
  if (ec) return fail(ec, "tls");
  do_write();
}

void http_exchange::do_write() {
  conn_->with_stream([this](auto& stream) {
    http::async_write(stream, msg_,
                      beast::bind_front_handler(&http_exchange::on_write,
                                                shared_from_this()));
  });
}

void http_exchange::on_write(beast::error_code ec, size_t) {
  if (finished_) return;
  if (ec) {
    if (retry()) return;
    return fail(ec, "write");
  }
  parser_.emplace();
  parser_->body_limit(req_.body_limit);
  parser_->header_limit(64 * 1024);
  if (msg_.method() == http::verb::head)
    parser_->skip(true); // no body follows, whatever the headers say
  // The header first: Beast 1.74's eager parsing in async_read skips
  // the Content-Length check against body_limit.
  conn_->with_stream([this](auto& stream) {
    http::async_read_header(
      stream, conn_->buffer(), *parser_,
      beast::bind_front_handler(&http_exchange::on_read_header,
                                shared_from_this()));
  });
}

void http_exchange::on_read_header(beast::error_code ec, size_t) {
  if (finished_) return;
  if (ec == http::error::body_limit) return fail_body_limit();
  if (ec) {
    if (retry()) return;
    return fail(ec, "read");
  }
  conn_->with_stream([this](auto& stream) {
    http::async_read(stream, conn_->buffer(), *parser_,
                     beast::bind_front_handler(&http_exchange::on_read,
                                               shared_from_this()));
  });
}

void http_exchange::on_read(beast::error_code ec, size_t) {
  if (finished_) return;
  if (ec == http::error::body_limit) return fail_body_limit();
  if (ec) return fail(ec, "read");
  auto& msg = parser_->get();
  http_response res;
  res.status = static_cast<int>(msg.result_int());
  for (auto& field : msg)
    res.headers.emplace_back(lower(field.name_string()),
                             std::string{field.value()});
  auto keep_alive = msg.keep_alive() && !msg.need_eof();
  res.body = std::move(msg.body());
  complete(std::move(res), keep_alive);
}

bool http_exchange::retry() {
  // A pooled connection the server closed while it was idle fails on
  // the first write or read. Only safe while the server has sent nothing.
  if (!reused_ || retried_) return false;
  if (parser_ && (parser_->got_some() || conn_->buffer().size() > 0))
    return false;
  retried_ = true;
  reused_ = false;
  conn_->close();
  conn_.reset();
  parser_.reset();
  do_resolve();
  return true;
}

void http_exchange::fail_body_limit() {
  complete(failure("read: body larger than " + std::to_string(req_.body_limit)
                   + " bytes"),
           false);
}

void http_exchange::fail(const beast::error_code& ec, const char* what) {
  complete(failure(std::string{what} + ": " + ec.message()), false);
}

void http_exchange::complete(http_response res, bool keep_alive) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  resolver_.cancel();
  if (conn_) {
    // Park before calling `done`: a request made from `done` finds it.
    // A connection that failed stays with us: an operation still in
    // flight on it (aborted by the close) uses its buffers.
    if (keep_alive && res.error.empty())
      client_->park(std::move(conn_));
    else
      conn_->close();
  }
  client_->forget(id_);
  done_(std::move(res));
}

} // namespace

std::shared_ptr<http_client> http_client::make(asio::io_context& io,
                                               http_client_options opts) {
  return std::make_shared<http_client_impl>(io, std::move(opts));
}

} // namespace tether::net
