#include "protocols/net/http_server.hpp"

#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

namespace asio = boost::asio;   // from <boost/asio.hpp>
namespace beast = boost::beast; // from <boost/beast.hpp>
namespace http = beast::http;   // from <boost/beast/http.hpp>
using tcp = asio::ip::tcp;      // from <boost/asio/ip/tcp.hpp>

namespace tether::net {

namespace {

using clock_type = std::chrono::steady_clock;

using strand_type = asio::strand<asio::io_context::executor_type>;

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// After the last response on a connection, how long we keep reading (and
/// dropping) what the client still sends: closing with unread bytes makes
/// the kernel send a reset, which can destroy the response in flight.
constexpr std::chrono::milliseconds linger_time{500};

std::string lower(beast::string_view x) {
  std::string result{x.data(), x.size()};
  for (auto& ch : result)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return result;
}

/// Refuses what would let an application inject lines into the head.
bool valid_field(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (auto ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c >= 127 || c == ':') return false;
  }
  for (auto ch : value)
    if (ch == '\r' || ch == '\n' || ch == '\0') return false;
  return true;
}

/// Headers the server owns in every response.
bool reserved_field(const std::string& lower_name) {
  return lower_name == "content-length" || lower_name == "transfer-encoding"
         || lower_name == "connection";
}

std::string hex(size_t n) {
  std::array<char, 2 * sizeof(size_t)> buf;
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), n, 16);
  return std::string(buf.data(), res.ptr);
}

/// A parser error (the client sent something that is not HTTP), as opposed
/// to the connection ending.
bool is_parse_error(const beast::error_code& ec) {
  return ec.category()
           == http::make_error_code(http::error::bad_method).category()
         && ec != http::error::end_of_stream
         && ec != http::error::partial_message;
}

std::shared_ptr<asio::ssl::context>
make_server_tls_context(const http_server_tls& opts, std::string& error) {
  auto ctx
    = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(
    asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
      | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1
      | asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
    ec);
  if (!ec
      && SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION)
           != 1)
    ec = asio::error::invalid_argument;
  if (ec) {
    error = "tls: cannot restrict protocol versions: " + ec.message();
    return nullptr;
  }
  ctx->use_certificate_chain_file(opts.cert_file, ec);
  if (ec) {
    error = "tls: cannot load certificate " + opts.cert_file + ": "
            + ec.message();
    return nullptr;
  }
  ctx->use_private_key_file(opts.key_file, asio::ssl::context::pem, ec);
  if (ec) {
    error = "tls: cannot load key " + opts.key_file + ": " + ec.message();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    error = "tls: the key in " + opts.key_file
            + " does not match the certificate";
    return nullptr;
  }
  return ctx;
}

struct atomic_counters {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> requests_total{0};
  std::atomic<uint64_t> rejected_too_large{0};
  std::atomic<uint64_t> rejected_header_timeout{0};
  std::atomic<uint64_t> rejected_body_timeout{0};
  std::atomic<uint64_t> rejected_too_many_connections{0};
  std::atomic<uint64_t> rejected_handler_timeout{0};
  std::atomic<uint64_t> rejected_bad_request{0};
  std::atomic<uint64_t> write_timeouts{0};
  std::atomic<uint64_t> stream_overflows{0};
};

class server_state;

/// One accepted connection on its own strand, from accept to close. Owned by
/// its pending operations; the server and the responders hold weak
/// references.
class http_connection : public std::enable_shared_from_this<http_connection> {
public:
  http_connection(std::shared_ptr<server_state> server, strand_type strand,
                  tcp::socket socket);

  ~http_connection();

  /// Starts serving; `id` is the server's key for this connection.
  void run(uint64_t id);

  // -- thread-safe, each hops onto the strand ---------------------------------

  void post_response(uint64_t seq, http_server_response res);

  /// The last responder for `seq` went away without an answer.
  void post_dropped(uint64_t seq);

  void post_stream_start(uint64_t seq, header_list headers, int status,
                         std::shared_ptr<detail::http_stream_state> st);

  void post_stream_write(const detail::http_stream_state* st, std::string data);

  void post_stream_close(const detail::http_stream_state* st);

  void post_stream_overflow(const detail::http_stream_state* st);

  /// Finishes the request in flight, if any, then closes.
  void stop();

  /// Closes now.
  void abort();

private:
  enum class phase {
    handshake, // TLS handshake
    idle,      // keep-alive: waiting for the next request
    header,
    body,
    handler, // waiting for the application
    writing,
    stream,
    closing, // last response written, draining what the client sends
    closed,
  };

  const http_server_options& opts() const;

  atomic_counters& stats();

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

  void on_run();
  void on_handshake(beast::error_code ec);
  void do_read_request();
  void on_idle_read(beast::error_code ec, size_t n);
  void do_read_header();
  void on_read_header(beast::error_code ec, size_t);
  void on_continue(beast::error_code ec, size_t);
  void do_read_body();
  void on_read_body(beast::error_code ec, size_t);
  void dispatch();
  void on_response(uint64_t seq, http_server_response res);
  void on_handler_timeout(uint64_t seq);
  void reject(int status);
  void write_response(http_server_response res);
  void on_write(beast::error_code ec, size_t);
  void on_stop();
  void graceful_close();
  void do_linger();
  void on_linger(beast::error_code ec, size_t);
  void close_now();

  // -- streams ----------------------------------------------------------------

  void on_stream_start(uint64_t seq, header_list headers, int status,
                       std::shared_ptr<detail::http_stream_state> st);
  void on_stream_write(const detail::http_stream_state* st, std::string data);
  void do_watch();
  void on_watch(beast::error_code ec, size_t);
  void do_stream_write();
  void on_stream_written(beast::error_code ec, size_t);
  void end_stream();

  std::shared_ptr<server_state> server_;
  strand_type strand_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<tls_stream> tls_;
  std::string remote_address_;
  uint16_t remote_port_ = 0;
  uint64_t id_ = 0;
  phase phase_ = phase::handshake;
  bool stopping_ = false;
  bool closed_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  clock_type::time_point header_deadline_;
  clock_type::time_point linger_deadline_;
  /// Counts requests; a late answer to an earlier one is ignored.
  uint64_t seq_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_request_ = false;
  asio::steady_timer handler_timer_;
  http::response<http::string_body> res_;
  /// Bytes read while draining or watching a stream, then dropped.
  std::array<char, 4096> discard_;
  // Stream state: the queue holds each chunk as framed for the wire and
  // its payload size (for the queue limit).
  std::shared_ptr<detail::http_stream_state> stream_;
  std::deque<std::pair<std::string, size_t>> out_;
  bool chunked_ = false;
  bool writing_ = false;
  bool stream_closing_ = false;
};

using connection_ptr = std::shared_ptr<http_connection>;

/// Everything the acceptor and the connections share; outlives the
/// http_server handle until the last connection is gone.
class server_state : public std::enable_shared_from_this<server_state> {
public:
  server_state(asio::io_context& io, http_server_options opts,
               http_server::handler on_request)
    : io_(io),
      strand_(asio::make_strand(io)),
      opts_(std::move(opts)),
      on_request_(std::move(on_request)),
      acceptor_(strand_),
      retry_timer_(strand_),
      grace_timer_(strand_) {
    // nop
  }

  // -- properties -------------------------------------------------------------

  const http_server_options& options() const {
    return opts_;
  }

  const http_server::handler& on_request() const {
    return on_request_;
  }

  asio::ssl::context* tls_context() const {
    return tls_.get();
  }

  uint16_t port() const {
    return port_;
  }

  atomic_counters& stats() {
    return stats_;
  }

  // -- setup ------------------------------------------------------------------

  /// Opens, binds and listens. Returns false and stores why in `error`.
  bool listen(std::string& error) {
    beast::error_code ec;
    auto addr = asio::ip::make_address(opts_.address, ec);
    if (ec) {
      error = "listen: bad address " + opts_.address + ": " + ec.message();
      return false;
    }
    if (!opts_.tls.cert_file.empty()) {
      tls_ = make_server_tls_context(opts_.tls, error);
      if (!tls_) return false;
    }
    tcp::endpoint ep{addr, opts_.port};
    auto fail = [&](const char* what) {
      error = std::string{what} + " " + opts_.address + ":"
              + std::to_string(opts_.port) + ": " + ec.message();
      return false;
    };
    acceptor_.open(ep.protocol(), ec);
    if (ec) return fail("open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("set_option");
    acceptor_.bind(ep, ec);
    if (ec) return fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return fail("local_endpoint");
    return true;
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] {
      self->do_accept();
    });
  }

  // -- connection registry ----------------------------------------------------

  /// Returns the new connection's key, or 0 once stopping.
  uint64_t add(const connection_ptr& conn) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopping_) return 0;
    auto id = ++next_id_;
    conns_.emplace(id, conn);
    ++stats_.connections_open;
    ++stats_.connections_total;
    return id;
  }

  /// Called once per connection when it closes, from any thread.
  void remove(uint64_t id) {
    std::vector<std::function<void()>> done;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (conns_.erase(id) == 0) return;
      --stats_.connections_open;
      if (!stopping_ || stopped_ || !conns_.empty()) return;
      stopped_ = true;
      done.swap(on_stopped_);
    }
    asio::post(strand_, [self = shared_from_this()] {
      self->grace_timer_.cancel();
    });
    for (auto& f : done)
      if (f) f();
  }

  // -- shutdown ---------------------------------------------------------------

  void stop(std::function<void()> on_stopped) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stopped_) {
        if (on_stopped) asio::post(io_, std::move(on_stopped));
        return;
      }
      if (on_stopped) on_stopped_.push_back(std::move(on_stopped));
    }
    asio::post(strand_, [self = shared_from_this()] {
      self->on_stop();
    });
  }

private:
  void do_accept() {
    if (!acceptor_.is_open()) return;
    // Each connection gets a strand of its own.
    auto strand = asio::make_strand(io_);
    acceptor_.async_accept(strand, [self = shared_from_this(), strand](
                                     beast::error_code ec, tcp::socket socket) {
      self->on_accept(ec, std::move(socket), strand);
    });
  }

  void on_accept(beast::error_code ec, tcp::socket socket, strand_type strand) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: pause instead of spinning.
      retry_timer_.expires_after(std::chrono::milliseconds{100});
      retry_timer_.async_wait(
        [self = shared_from_this()](const beast::error_code& ec) {
          if (!ec) self->do_accept();
        });
      return;
    }
    if (stats_.connections_open.load() >= opts_.max_connections) {
      ++stats_.rejected_too_many_connections;
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      auto conn = std::make_shared<http_connection>(
        shared_from_this(), std::move(strand), std::move(socket));
      if (auto id = add(conn)) conn->run(id);
    }
    do_accept();
  }

  void on_stop() {
    std::vector<std::weak_ptr<http_connection>> conns;
    std::vector<std::function<void()>> done;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stopping_) return;
      stopping_ = true;
      for (auto& [id, conn] : conns_)
        conns.push_back(conn);
      if (conns_.empty()) {
        stopped_ = true;
        done.swap(on_stopped_);
      }
    }
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    for (auto& f : done)
      if (f) f();
    if (conns.empty()) return;
    for (auto& weak : conns)
      if (auto conn = weak.lock()) conn->stop();
    grace_timer_.expires_after(opts_.shutdown_timeout);
    grace_timer_.async_wait(
      [self = shared_from_this()](const beast::error_code& ec) {
        if (!ec) self->on_grace_expired();
      });
  }

  void on_grace_expired() {
    std::vector<std::weak_ptr<http_connection>> conns;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      for (auto& [id, conn] : conns_)
        conns.push_back(conn);
    }
    for (auto& weak : conns)
      if (auto conn = weak.lock()) conn->abort();
  }

  asio::io_context& io_;
  strand_type strand_;
  http_server_options opts_;
  http_server::handler on_request_;
  std::shared_ptr<asio::ssl::context> tls_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  asio::steady_timer grace_timer_;
  uint16_t port_ = 0;
  atomic_counters stats_;
  std::mutex mtx_;
  std::map<uint64_t, std::weak_ptr<http_connection>> conns_;
  uint64_t next_id_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
  std::vector<std::function<void()>> on_stopped_;
};

} // namespace

// -- exchange and stream state ------------------------------------------------

namespace detail {

/// One request's answer slot, shared by the copies of its responder.
class http_exchange {
public:
  http_exchange(std::weak_ptr<http_connection> conn, uint64_t seq,
                size_t stream_limit)
    : conn_(std::move(conn)), seq_(seq), stream_limit_(stream_limit) {
    // nop
  }

  ~http_exchange() {
    if (answered_.exchange(true)) return;
    if (auto conn = conn_.lock()) conn->post_dropped(seq_);
  }

  void respond(http_server_response res) {
    if (answered_.exchange(true)) return;
    if (auto conn = conn_.lock()) conn->post_response(seq_, std::move(res));
  }

  http_stream start_stream(header_list headers, int status);

private:
  std::atomic<bool> answered_{false};
  std::weak_ptr<http_connection> conn_;
  uint64_t seq_;
  size_t stream_limit_;
};

/// What writers and the connection share about one stream.
class http_stream_state {
public:
  http_stream_state(std::weak_ptr<http_connection> conn, size_t limit)
    : conn_(std::move(conn)), limit_(limit) {
    // nop
  }

  bool write(std::string data) {
    // Declared before the lock: releasing it last keeps a connection
    // destructor (which reports to us) outside our lock.
    connection_ptr conn;
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_) return false;
    if (data.empty()) return true;
    conn = conn_.lock();
    if (!conn) {
      closed_ = true;
      return false;
    }
    if (queued_ + data.size() > limit_) {
      closed_ = true;
      conn->post_stream_overflow(this);
      return false;
    }
    queued_ += data.size();
    // Posting under the lock keeps chunks from several threads in order.
    conn->post_stream_write(this, std::move(data));
    return true;
  }

  void close() {
    connection_ptr conn;
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_) return;
    closed_ = true;
    conn = conn_.lock();
    if (conn) conn->post_stream_close(this);
  }

  bool closed() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return closed_;
  }

  void on_close(std::function<void()> f) {
    std::unique_lock<std::mutex> guard{mtx_};
    if (ended_) {
      guard.unlock();
      if (f) f();
      return;
    }
    on_close_ = std::move(f);
  }

  // -- called by the connection -----------------------------------------------

  void written(size_t n) {
    std::lock_guard<std::mutex> guard{mtx_};
    queued_ -= std::min(n, queued_);
  }

  /// Refuses further writes (the server is ending the stream).
  void refuse() {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
  }

  /// The stream is over; runs the close callback once.
  void ended() {
    std::function<void()> f;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      closed_ = true;
      if (ended_) return;
      ended_ = true;
      f = std::move(on_close_);
      on_close_ = nullptr;
    }
    if (f) f();
  }

private:
  mutable std::mutex mtx_;
  std::weak_ptr<http_connection> conn_;
  size_t limit_;
  size_t queued_ = 0;
  bool closed_ = false;
  bool ended_ = false;
  std::function<void()> on_close_;
};

http_stream http_exchange::start_stream(header_list headers, int status) {
  auto st = std::make_shared<http_stream_state>(conn_, stream_limit_);
  auto conn = answered_.exchange(true) ? nullptr : conn_.lock();
  if (!conn) {
    st->ended();
    return http_stream{std::move(st)};
  }
  conn->post_stream_start(seq_, std::move(headers), status, st);
  return http_stream{std::move(st)};
}

} // namespace detail

// -- http_stream and http_responder -------------------------------------------

/// Ends the stream when the application has dropped every handle to it.
class http_stream::owner {
public:
  explicit owner(std::shared_ptr<detail::http_stream_state> st)
    : state(std::move(st)) {
    // nop
  }

  ~owner() {
    state->close();
  }

  std::shared_ptr<detail::http_stream_state> state;
};

http_stream::http_stream(std::shared_ptr<detail::http_stream_state> state) {
  if (state) owner_ = std::make_shared<owner>(std::move(state));
}

bool http_stream::write(std::string data) {
  return owner_ && owner_->state->write(std::move(data));
}

void http_stream::close() {
  if (owner_) owner_->state->close();
}

bool http_stream::closed() const {
  return !owner_ || owner_->state->closed();
}

void http_stream::on_close(std::function<void()> f) {
  if (owner_)
    owner_->state->on_close(std::move(f));
  else if (f)
    f();
}

http_responder::http_responder(std::shared_ptr<detail::http_exchange> exchange)
  : exchange_(std::move(exchange)) {
  // nop
}

void http_responder::respond(http_server_response res) {
  if (exchange_) exchange_->respond(std::move(res));
}

http_stream http_responder::start_stream(header_list headers, int status) {
  if (!exchange_) return http_stream{};
  return exchange_->start_stream(std::move(headers), status);
}

std::string http_server_request::header(const std::string& name) const {
  auto key = lower(name);
  for (auto& [k, v] : headers)
    if (k == key) return v;
  return {};
}

// -- http_connection ----------------------------------------------------------

namespace {

http_connection::http_connection(std::shared_ptr<server_state> server,
                                 strand_type strand, tcp::socket socket)
  : server_(std::move(server)),
    strand_(std::move(strand)),
    handler_timer_(strand_) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (!ec) {
    remote_address_ = ep.address().to_string();
    remote_port_ = ep.port();
  }
  if (auto ctx = server_->tls_context())
    tls_.emplace(std::move(socket), *ctx);
  else
    plain_.emplace(std::move(socket));
}

http_connection::~http_connection() {
  // Only when the io_context dropped our operations without running them.
  if (closed_) return;
  if (stream_) stream_->ended();
  if (id_ != 0) server_->remove(id_);
}

const http_server_options& http_connection::opts() const {
  return server_->options();
}

atomic_counters& http_connection::stats() {
  return server_->stats();
}

void http_connection::run(uint64_t id) {
  id_ = id;
  // We need to be executing within the strand to touch the streams.
  asio::dispatch(strand_, beast::bind_front_handler(&http_connection::on_run,
                                                    shared_from_this()));
}

void http_connection::post_response(uint64_t seq, http_server_response res) {
  asio::post(strand_,
             [self = shared_from_this(), seq, res = std::move(res)]() mutable {
               self->on_response(seq, std::move(res));
             });
}

void http_connection::post_dropped(uint64_t seq) {
  asio::post(strand_, [self = shared_from_this(), seq] {
    http_server_response res;
    res.status = 500;
    res.headers = {{"Content-Type", "text/plain"}};
    res.body = "no answer";
    self->on_response(seq, std::move(res));
  });
}

void http_connection::post_stream_start(
  uint64_t seq, header_list headers, int status,
  std::shared_ptr<detail::http_stream_state> st) {
  asio::post(strand_, [self = shared_from_this(), seq,
                       headers = std::move(headers), status,
                       st = std::move(st)]() mutable {
    self->on_stream_start(seq, std::move(headers), status, std::move(st));
  });
}

void http_connection::post_stream_write(const detail::http_stream_state* st,
                                        std::string data) {
  asio::post(strand_,
             [self = shared_from_this(), st, data = std::move(data)]() mutable {
               self->on_stream_write(st, std::move(data));
             });
}

void http_connection::post_stream_close(const detail::http_stream_state* st) {
  asio::post(strand_, [self = shared_from_this(), st] {
    if (!self->closed_ && self->stream_.get() == st) self->end_stream();
  });
}

void http_connection::post_stream_overflow(
  const detail::http_stream_state* st) {
  asio::post(strand_, [self = shared_from_this(), st] {
    if (self->closed_ || self->stream_.get() != st) return;
    ++self->stats().stream_overflows;
    self->close_now();
  });
}

void http_connection::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->on_stop();
  });
}

void http_connection::abort() {
  asio::post(strand_, [self = shared_from_this()] {
    self->close_now();
  });
}

void http_connection::on_run() {
  if (closed_) return;
  // One deadline covers the TLS handshake and the first header, so a
  // client cannot stretch either.
  header_deadline_ = clock_type::now() + opts().header_timeout;
  if (!tls_) return do_read_header();
  phase_ = phase::handshake;
  tcp().expires_at(header_deadline_);
  tls_->async_handshake(asio::ssl::stream_base::server,
                        beast::bind_front_handler(
                          &http_connection::on_handshake, shared_from_this()));
}

void http_connection::on_handshake(beast::error_code ec) {
  if (closed_) return;
  if (ec) {
    if (ec == beast::error::timeout) ++stats().rejected_header_timeout;
    return close_now();
  }
  do_read_header();
}

void http_connection::do_read_request() {
  if (stopping_) return graceful_close();
  if (buffer_.size() > 0) { // pipelined
    header_deadline_ = clock_type::now() + opts().header_timeout;
    return do_read_header();
  }
  // The header deadline starts with the first byte: an idle keep-alive
  // connection is not a slow client.
  phase_ = phase::idle;
  tcp().expires_after(opts().idle_timeout);
  with_stream([this](auto& stream) {
    stream.async_read_some(
      buffer_.prepare(4096),
      beast::bind_front_handler(&http_connection::on_idle_read,
                                shared_from_this()));
  });
}

void http_connection::on_idle_read(beast::error_code ec, size_t n) {
  if (closed_) return;
  if (ec) return close_now(); // idle timeout or the client left
  buffer_.commit(n);
  header_deadline_ = clock_type::now() + opts().header_timeout;
  do_read_header();
}

void http_connection::do_read_header() {
  phase_ = phase::header;
  version_ = 11;
  keep_alive_ = false;
  head_request_ = false;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(opts().header_limit));
  parser_->body_limit(opts().body_limit);
  tcp().expires_at(header_deadline_);
  with_stream([this](auto& stream) {
    http::async_read_header(
      stream, buffer_, *parser_,
      beast::bind_front_handler(&http_connection::on_read_header,
                                shared_from_this()));
  });
}

void http_connection::on_read_header(beast::error_code ec, size_t) {
  if (closed_) return;
  if (ec == beast::error::timeout) {
    ++stats().rejected_header_timeout;
    return close_now();
  }
  if (ec == http::error::header_limit) {
    ++stats().rejected_bad_request;
    return reject(431);
  }
  if (ec == http::error::body_limit) { // Content-Length too large
    ++stats().requests_total;
    ++stats().rejected_too_large;
    return reject(413);
  }
  if (is_parse_error(ec)) {
    ++stats().rejected_bad_request;
    return reject(400);
  }
  if (ec) return close_now();
  ++stats().requests_total;
  auto& msg = parser_->get();
  version_ = msg.version();
  keep_alive_ = msg.keep_alive();
  head_request_ = msg.method() == http::verb::head;
  // Checked here as well: the parser checks it only in some paths.
  if (auto len = parser_->content_length(); len && *len > opts().body_limit) {
    ++stats().rejected_too_large;
    return reject(413);
  }
  if (parser_->is_done()) return dispatch();
  if (beast::iequals(msg[http::field::expect], "100-continue")) {
    static constexpr beast::string_view continue_line
      = "HTTP/1.1 100 Continue\r\n\r\n";
    phase_ = phase::body;
    tcp().expires_after(opts().write_timeout);
    with_stream([this](auto& stream) {
      asio::async_write(
        stream, asio::buffer(continue_line.data(), continue_line.size()),
        beast::bind_front_handler(&http_connection::on_continue,
                                  shared_from_this()));
    });
    return;
  }
  do_read_body();
}

void http_connection::on_continue(beast::error_code ec, size_t) {
  if (closed_) return;
  if (ec) {
    if (ec == beast::error::timeout) ++stats().write_timeouts;
    return close_now();
  }
  do_read_body();
}

void http_connection::do_read_body() {
  phase_ = phase::body;
  tcp().expires_after(opts().body_timeout);
  with_stream([this](auto& stream) {
    http::async_read(stream, buffer_, *parser_,
                     beast::bind_front_handler(&http_connection::on_read_body,
                                               shared_from_this()));
  });
}

void http_connection::on_read_body(beast::error_code ec, size_t) {
  if (closed_) return;
  if (ec == beast::error::timeout) {
    ++stats().rejected_body_timeout;
    return close_now();
  }
  if (ec == http::error::body_limit) { // chunked bodies end up here
    ++stats().rejected_too_large;
    return reject(413);
  }
  if (is_parse_error(ec)) {
    ++stats().rejected_bad_request;
    return reject(400);
  }
  if (ec) return close_now();
  dispatch();
}

void http_connection::dispatch() {
  phase_ = phase::handler;
  tcp().expires_never();
  auto& msg = parser_->get();
  http_server_request req;
  req.method = std::string{msg.method_string()};
  req.target = std::string{msg.target()};
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (auto& field : msg)
    req.headers.emplace_back(lower(field.name_string()),
                             std::string{field.value()});
  req.body = std::move(msg.body());
  req.remote_address = remote_address_;
  req.remote_port = remote_port_;
  parser_.reset();
  auto seq = ++seq_;
  handler_timer_.expires_after(opts().handler_timeout);
  handler_timer_.async_wait(
    [self = shared_from_this(), seq](const beast::error_code& ec) {
      if (!ec) self->on_handler_timeout(seq);
    });
  auto ex = std::make_shared<detail::http_exchange>(weak_from_this(), seq,
                                                    opts().stream_queue_limit);
  try {
    server_->on_request()(std::move(req), http_responder{std::move(ex)});
  } catch (...) {
    // Nothing may unwind into the io_context; the responder died with the
    // exception and answers 500.
  }
}

void http_connection::on_response(uint64_t seq, http_server_response res) {
  // Too late (the deadline answered) or for an earlier request.
  if (closed_ || phase_ != phase::handler || seq != seq_) return;
  handler_timer_.cancel();
  write_response(std::move(res));
}

void http_connection::on_handler_timeout(uint64_t seq) {
  if (closed_ || phase_ != phase::handler || seq != seq_) return;
  ++stats().rejected_handler_timeout;
  http_server_response res;
  res.status = 503;
  res.headers = {{"Content-Type", "text/plain"}};
  res.body = "no answer in time";
  write_response(std::move(res));
}

void http_connection::reject(int status) {
  // The rest of the request is unread (or unreadable): this connection
  // cannot carry another one.
  keep_alive_ = false;
  parser_.reset();
  http_server_response res;
  res.status = status;
  res.headers = {{"Content-Type", "text/plain"}};
  res.body = std::string{http::obsolete_reason(http::int_to_status(status))};
  write_response(std::move(res));
}

void http_connection::write_response(http_server_response res) {
  phase_ = phase::writing;
  // A 1xx is no final answer.
  if (res.status < 200 || res.status > 999) res.status = 500;
  res_ = {};
  res_.version(version_ == 10 ? 10 : 11);
  res_.result(static_cast<unsigned>(res.status));
  for (auto& [name, value] : res.headers) {
    if (!valid_field(name, value)) continue;
    auto key = lower(name);
    if (key == "connection" && beast::iequals(value, "close"))
      keep_alive_ = false;
    if (reserved_field(key)) continue;
    res_.insert(name, value);
  }
  if (stopping_) keep_alive_ = false;
  if (res.status == 204 || res.status == 304) res.body.clear();
  auto size = res.body.size();
  res_.body() = std::move(res.body);
  res_.keep_alive(keep_alive_);
  res_.prepare_payload();
  if (head_request_) {
    res_.content_length(size);
    res_.body().clear();
  }
  tcp().expires_after(opts().write_timeout);
  with_stream([this](auto& stream) {
    http::async_write(stream, res_,
                      beast::bind_front_handler(&http_connection::on_write,
                                                shared_from_this()));
  });
}

void http_connection::on_write(beast::error_code ec, size_t) {
  if (closed_) return;
  if (ec) {
    if (ec == beast::error::timeout) ++stats().write_timeouts;
    return close_now();
  }
  if (!keep_alive_) return graceful_close();
  do_read_request();
}

void http_connection::on_stop() {
  if (closed_ || stopping_) return;
  stopping_ = true;
  switch (phase_) {
    case phase::handshake:
    case phase::idle:
    case phase::header: return close_now(); // no request in flight
    case phase::stream: return end_stream();
    default:
      // A request in flight: its response says `Connection: close`.
      return;
  }
}

void http_connection::graceful_close() {
  phase_ = phase::closing;
  if (tls_) {
    tcp().expires_after(linger_time);
    tls_->async_shutdown([self = shared_from_this()](beast::error_code) {
      self->close_now();
    });
    return;
  }
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close_now();
  linger_deadline_ = clock_type::now() + linger_time;
  do_linger();
}

void http_connection::do_linger() {
  tcp().expires_at(linger_deadline_);
  tcp().async_read_some(asio::buffer(discard_),
                        beast::bind_front_handler(&http_connection::on_linger,
                                                  shared_from_this()));
}

void http_connection::on_linger(beast::error_code ec, size_t) {
  if (closed_) return;
  if (ec) return close_now(); // the client closed too, or linger_time
  do_linger();
}

void http_connection::close_now() {
  if (closed_) return;
  closed_ = true;
  phase_ = phase::closed;
  handler_timer_.cancel();
  // Queued chunks stay: a write in flight may still refer to the first.
  tcp().close();
  if (stream_) {
    auto st = std::move(stream_);
    st->ended();
  }
  server_->remove(id_);
}

// -- streams ------------------------------------------------------------------

void http_connection::on_stream_start(
  uint64_t seq, header_list headers, int status,
  std::shared_ptr<detail::http_stream_state> st) {
  if (closed_ || phase_ != phase::handler || seq != seq_) {
    st->ended();
    return;
  }
  handler_timer_.cancel();
  phase_ = phase::stream;
  stream_ = std::move(st);
  // HTTP/1.0 has no chunks: the body simply ends with the connection.
  chunked_ = version_ >= 11;
  keep_alive_ = false;
  if (status < 200 || status > 999) status = 500;
  std::string head = version_ >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  head += std::to_string(status);
  head += ' ';
  head += std::string{http::obsolete_reason(http::int_to_status(status))};
  head += "\r\n";
  for (auto& [name, value] : headers) {
    if (!valid_field(name, value) || reserved_field(lower(name))) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (chunked_) head += "Transfer-Encoding: chunked\r\n";
  head += "Connection: close\r\n\r\n";
  out_.emplace_back(std::move(head), 0);
  do_watch();
  if (stopping_)
    end_stream();
  else
    do_stream_write();
}

void http_connection::on_stream_write(const detail::http_stream_state* st,
                                      std::string data) {
  if (closed_ || stream_.get() != st || stream_closing_) return;
  auto n = data.size();
  if (chunked_) {
    auto framed = hex(n);
    framed.reserve(framed.size() + n + 4);
    framed += "\r\n";
    framed += data;
    framed += "\r\n";
    data = std::move(framed);
  }
  out_.emplace_back(std::move(data), n);
  do_stream_write();
}

void http_connection::do_watch() {
  // A stream reads only to notice the client leaving; no read deadline.
  // This leaves the deadline of a pending write alone.
  tcp().expires_never();
  with_stream([this](auto& stream) {
    stream.async_read_some(asio::buffer(discard_),
                           beast::bind_front_handler(&http_connection::on_watch,
                                                     shared_from_this()));
  });
}

void http_connection::on_watch(beast::error_code ec, size_t) {
  if (closed_) return;
  if (ec) return close_now(); // the client went away
  do_watch();
}

void http_connection::do_stream_write() {
  if (closed_ || writing_) return;
  if (out_.empty()) {
    if (stream_closing_) {
      // Everything is out; the FIN tells an HTTP/1.0 client the body ended.
      beast::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      close_now();
    }
    return;
  }
  writing_ = true;
  tcp().expires_after(opts().write_timeout);
  with_stream([this](auto& stream) {
    asio::async_write(
      stream, asio::buffer(out_.front().first),
      beast::bind_front_handler(&http_connection::on_stream_written,
                                shared_from_this()));
  });
}

void http_connection::on_stream_written(beast::error_code ec, size_t) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    if (ec == beast::error::timeout) ++stats().write_timeouts;
    return close_now();
  }
  stream_->written(out_.front().second);
  out_.pop_front();
  do_stream_write();
}

void http_connection::end_stream() {
  if (stream_closing_) return;
  stream_closing_ = true;
  stream_->refuse();
  if (chunked_) out_.emplace_back("0\r\n\r\n", 0);
  do_stream_write();
}

// -- http_server_impl ---------------------------------------------------------

class http_server_impl : public http_server {
public:
  explicit http_server_impl(std::shared_ptr<server_state> state)
    : state_(std::move(state)) {
    // nop
  }

  ~http_server_impl() override {
    state_->stop({});
  }

  uint16_t port() const override {
    return state_->port();
  }

  http_server_counters counters() const override {
    auto& x = state_->stats();
    http_server_counters result;
    result.connections_open = x.connections_open.load();
    result.connections_total = x.connections_total.load();
    result.requests_total = x.requests_total.load();
    result.rejected_too_large = x.rejected_too_large.load();
    result.rejected_header_timeout = x.rejected_header_timeout.load();
    result.rejected_body_timeout = x.rejected_body_timeout.load();
    result.rejected_too_many_connections
      = x.rejected_too_many_connections.load();
    result.rejected_handler_timeout = x.rejected_handler_timeout.load();
    result.rejected_bad_request = x.rejected_bad_request.load();
    result.write_timeouts = x.write_timeouts.load();
    result.stream_overflows = x.stream_overflows.load();
    return result;
  }

  void stop(std::function<void()> on_stopped) override {
    state_->stop(std::move(on_stopped));
  }

private:
  std::shared_ptr<server_state> state_;
};

} // namespace

http_server::~http_server() {
  // nop
}

std::shared_ptr<http_server>
http_server::make(asio::io_context& io, http_server_options opts,
                  handler on_request, std::string& error) {
  if (!on_request) {
    error = "http_server: no request handler";
    return nullptr;
  }
  auto state = std::make_shared<server_state>(io, std::move(opts),
                                              std::move(on_request));
  if (!state->listen(error)) return nullptr;
  state->start();
  return std::make_shared<http_server_impl>(std::move(state));
}

} // namespace tether::net
