// The connection behind net::ws_session and the sessions that
// net::ws_server accepts: one WebSocket connection on its own strand with a
// write queue, deadlines, WS pings and reporting to an owner actor.
// Internal: it includes Beast, so only the transports' .cpp files use it.

#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "protocols/net/tls_context.hpp"
#include "protocols/net/url.hpp"
#include "protocols/net/ws_session.hpp"
#include "protocols/type_ids.hpp"

namespace tether::net::detail {

namespace asio = boost::asio;           // from <boost/asio.hpp>
namespace beast = boost::beast;         // from <boost/beast.hpp>
namespace http = beast::http;           // from <boost/beast/http.hpp>
namespace websocket = beast::websocket; // from <boost/beast/websocket.hpp>
using tcp = asio::ip::tcp;              // from <boost/asio/ip/tcp.hpp>

using clock_type = std::chrono::steady_clock;

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

struct outgoing {
  std::string data;
  bool binary;
};

/// Received messages waiting for the owner (ws_options::batch). Shared by
/// the handle (owner's thread) and the connection (strand).
struct inbox {
  std::mutex mtx;
  std::vector<ws_message> frames;
  size_t bytes = 0;
  /// Reading stopped because `bytes` reached the limit.
  bool paused = false;
  /// The connection ended; set before ws_closed is sent.
  std::atomic<bool> finished{false};
};

/// Moves every waiting message of `in` to the end of `out` in arrival
/// order; `resume` tells whether reading was paused for a full inbox.
inline size_t drain(inbox& in, std::vector<ws_message>& out, bool& resume) {
  std::lock_guard<std::mutex> guard{in.mtx};
  auto n = in.frames.size();
  if (out.empty())
    out.swap(in.frames);
  else
    std::move(in.frames.begin(), in.frames.end(), std::back_inserter(out));
  in.frames.clear();
  in.bytes = 0;
  resume = in.paused;
  in.paused = false;
  return n;
}

inline std::string ms(std::chrono::milliseconds x) {
  return std::to_string(x.count()) + "ms";
}

/// What the handle drives: one connection attempt, alive while it has
/// operations in flight.
class ws_connection {
public:
  virtual ~ws_connection() = default;
  virtual void run(std::vector<outgoing> early) = 0;
  virtual void send(outgoing msg) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
  virtual void abort() = 0;
  /// Reading was paused for a full inbox that is now empty.
  virtual void resume_read() = 0;
};

template<class Stream>
class ws_connection_impl
  : public ws_connection,
    public std::enable_shared_from_this<ws_connection_impl<Stream>> {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  // Resolver and socket require an io_context; `layer_args` are what the
  // next layer needs besides the executor (the TLS context).
  template<class... Ts>
  ws_connection_impl(asio::io_context& io, caf::actor_addr owner,
                     ws_options opts, url where,
                     std::shared_ptr<inbox> in,
                     std::shared_ptr<asio::ssl::context> ctx, Ts&... layer_args)
    : strand_(asio::make_strand(io)),
      resolver_(strand_),
      ws_(strand_, layer_args...),
      resolve_timer_(strand_),
      ping_timer_(strand_),
      write_timer_(strand_),
      close_timer_(strand_),
      owner_(std::move(owner)),
      opts_(std::move(opts)),
      url_(std::move(where)),
      inbox_(std::move(in)),
      ctx_(std::move(ctx)) {
    // nop
  }

  // The server side: `stream` was accepted on `strand`; accept() completes
  // the upgrade and start_accepted() begins reporting to an owner.
  ws_connection_impl(asio::strand<asio::io_context::executor_type> strand,
                     Stream stream, ws_options opts, std::shared_ptr<inbox> in)
    : strand_(std::move(strand)),
      resolver_(strand_),
      ws_(std::move(stream)),
      resolve_timer_(strand_),
      ping_timer_(strand_),
      write_timer_(strand_),
      close_timer_(strand_),
      opts_(std::move(opts)),
      inbox_(std::move(in)) {
    // nop
  }

  ~ws_connection_impl() override {
    // Only when the io_context dropped our handlers: still report the end.
    if (state_ != state::done) {
      ws_close_info info;
      info.error = "abort: the io_context was stopped";
      info.was_open = state_ == state::open || state_ == state::closing;
      notify(ws_closed_atom::value, std::move(info));
    }
  }

  // -- commands (any thread) --------------------------------------------------

  void run(std::vector<outgoing> early) override {
    asio::dispatch(strand_, [self = this->shared_from_this(),
                             early = std::move(early)]() mutable {
      for (auto& msg : early)
        self->on_send(std::move(msg));
      self->do_resolve();
    });
  }

  void send(outgoing msg) override {
    asio::post(strand_, [self = this->shared_from_this(),
                         msg = std::move(msg)]() mutable {
      self->on_send(std::move(msg));
    });
  }

  void close(uint16_t code, std::string reason) override {
    asio::post(strand_, [self = this->shared_from_this(), code,
                         reason = std::move(reason)]() mutable {
      self->do_close(code, std::move(reason));
    });
  }

  void abort() override {
    asio::post(strand_, [self = this->shared_from_this()] {
      ws_close_info info;
      info.error = "abort: connection dropped by the owner";
      self->finish(std::move(info));
    });
  }

  void resume_read() override {
    asio::post(strand_, [self = this->shared_from_this()] {
      if (self->state_ == state::open || self->state_ == state::closing) {
        // Time spent paused says nothing about the peer.
        self->last_rx_ = clock_type::now();
        self->do_read();
      }
    });
  }

private:
  // `accepted`: server side, upgraded, waiting for start_accepted().
  enum class state { idle, connecting, accepted, open, closing, done };

public:
  // -- server side (on the strand) --------------------------------------------

  /// Completes the upgrade `req` (already read) by `deadline`, then calls
  /// `ready` (on the strand) on success. A failure ends the connection
  /// silently: nobody owns it yet.
  void accept(http::request<http::string_body> req,
              clock_type::time_point deadline,
              std::function<void(std::shared_ptr<ws_connection_impl>)> ready) {
    state_ = state::connecting;
    upgrade_request_ = std::move(req);
    ready_ = std::move(ready);
    beast::get_lowest_layer(ws_).expires_never();
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    websocket::stream_base::timeout limits;
    limits.handshake_timeout = std::max(remaining,
                                        std::chrono::milliseconds{1});
    limits.idle_timeout = websocket::stream_base::none();
    limits.keep_alive_pings = false;
    ws_.set_option(limits);
    ws_.set_option(websocket::stream_base::decorator(
      [ua = opts_.user_agent](websocket::response_type& res) {
        res.set(http::field::server, ua);
      }));
    ws_.read_message_max(opts_.read_limit);
    ws_.control_callback(
      [this](websocket::frame_type kind, beast::string_view) {
        on_control(kind);
      });
    ws_.async_accept(upgrade_request_,
                     beast::bind_front_handler(&ws_connection_impl::on_accept,
                                               this->shared_from_this()));
  }

  /// Starts reading, writing and pinging, reporting to `owner` (ws_open
  /// first). On a connection that already ended, reports only the end.
  /// Thread-safe.
  void start_accepted(caf::actor_addr owner) {
    asio::dispatch(strand_, [self = this->shared_from_this(),
                             owner = std::move(owner)]() mutable {
      self->owner_ = std::move(owner);
      if (self->state_ == state::accepted)
        self->become_open();
      else if (self->state_ == state::done)
        self->notify(ws_closed_atom::value, self->last_close_);
    });
  }

private:
  void on_accept(beast::error_code ec) {
    auto ready = std::move(ready_);
    ready_ = nullptr;
    upgrade_request_ = {};
    if (state_ != state::connecting) return;
    if (ec) {
      ws_close_info info;
      info.error = ec == beast::error::timeout
                     ? "handshake: timed out"
                     : "handshake: " + describe(ec);
      return finish(std::move(info));
    }
    state_ = state::accepted;
    if (ready) ready(this->shared_from_this());
  }


  // -- reporting --------------------------------------------------------------

  template<class... Ts>
  void notify(Ts&&... xs) {
    if (auto hdl = caf::actor_cast<caf::actor>(owner_))
      caf::anon_send(hdl, std::forward<Ts>(xs)...);
  }

  static std::string describe(const beast::error_code& ec) {
    if (ec == beast::error::timeout) return "timed out";
    return ec.message();
  }

  /// Ends the connection after a transport error in step `what`.
  void fail(const beast::error_code& ec, const char* what, bool by_peer) {
    if (state_ == state::done) return;
    ws_close_info info;
    if (state_ == state::closing) {
      info.code = close_code_;
      info.reason = close_reason_;
    }
    info.error = std::string{what} + ": " + describe(ec);
    info.by_peer = by_peer;
    finish(std::move(info));
  }

  /// Reports the end exactly once and releases everything that could keep
  /// the io_context busy.
  void finish(ws_close_info info) {
    if (state_ == state::done) return;
    info.was_open = state_ == state::open || state_ == state::closing
                    || state_ == state::accepted;
    state_ = state::done;
    resolver_.cancel();
    resolve_timer_.cancel();
    ping_timer_.cancel();
    write_timer_.cancel();
    close_timer_.cancel();
    // A message being written must outlive its write operation.
    queue_.erase(writing_ ? std::next(queue_.begin()) : queue_.begin(),
                 queue_.end());
    // Outstanding operations complete with errors and find state_ done.
    beast::get_lowest_layer(ws_).close();
    if (inbox_) inbox_->finished = true;
    last_close_ = info;
    notify(ws_closed_atom::value, std::move(info));
  }

  /// Runs `f` on expiry of `timer` at `when`, unless cancelled.
  template<class F>
  void arm(asio::steady_timer& timer, clock_type::time_point when, F f) {
    timer.expires_at(when);
    timer.async_wait(
      [self = this->shared_from_this(), f](const beast::error_code& ec) {
        if (!ec && self->state_ != state::done) f(*self);
      });
  }

  // -- connect ----------------------------------------------------------------

  void do_resolve() {
    if (state_ != state::idle) return; // closed or aborted before we got here
    state_ = state::connecting;
    // Resolve and connect share one budget. The resolver has no deadline
    // of its own, so a timer reports the timeout (and cancels it).
    deadline_ = clock_type::now() + opts_.connect_timeout;
    arm(resolve_timer_, deadline_, [](ws_connection_impl& self) {
      ws_close_info info;
      info.error = "resolve: timed out after " + ms(self.opts_.connect_timeout);
      self.finish(std::move(info));
    });
    resolver_.async_resolve(
      url_.host, std::to_string(url_.port),
      beast::bind_front_handler(&ws_connection_impl::on_resolve,
                                this->shared_from_this()));
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    resolve_timer_.cancel();
    if (state_ != state::connecting) return;
    if (ec) return fail(ec, "resolve", false);
    beast::get_lowest_layer(ws_).expires_at(deadline_);
    beast::get_lowest_layer(ws_).async_connect(
      results, beast::bind_front_handler(&ws_connection_impl::on_connect,
                                         this->shared_from_this()));
  }

  void on_connect(beast::error_code ec, tcp::endpoint) {
    if (state_ != state::connecting) return;
    if (ec == beast::error::timeout) {
      ws_close_info info;
      info.error = "connect: timed out after " + ms(opts_.connect_timeout);
      return finish(std::move(info));
    }
    if (ec) return fail(ec, "connect", false);
    // TLS and the upgrade share the handshake budget.
    deadline_ = clock_type::now() + opts_.handshake_timeout;
    if constexpr (is_tls) {
      auto& tls = ws_.next_layer();
      if (!set_sni(tls.native_handle(), url_.host))
        return fail(beast::error_code(static_cast<int>(::ERR_get_error()),
                                      asio::error::get_ssl_category()),
                    "tls", false);
      if (opts_.tls.verify)
        tls.set_verify_callback(asio::ssl::host_name_verification(url_.host));
      beast::get_lowest_layer(ws_).expires_at(deadline_);
      tls.async_handshake(
        asio::ssl::stream_base::client,
        beast::bind_front_handler(&ws_connection_impl::on_ssl_handshake,
                                  this->shared_from_this()));
    } else {
      do_handshake();
    }
  }

  void on_ssl_handshake(beast::error_code ec) {
    if (state_ != state::connecting) return;
    if (ec == beast::error::timeout) {
      ws_close_info info;
      info.error = "tls: timed out after " + ms(opts_.handshake_timeout);
      return finish(std::move(info));
    }
    if (ec) return fail(ec, "tls", false);
    do_handshake();
  }

  void do_handshake() {
    // The websocket stream has its own timeout system from here on.
    beast::get_lowest_layer(ws_).expires_never();
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline_ - clock_type::now());
    websocket::stream_base::timeout limits;
    limits.handshake_timeout = std::max(remaining,
                                        std::chrono::milliseconds{1});
    limits.idle_timeout = websocket::stream_base::none();
    limits.keep_alive_pings = false;
    ws_.set_option(limits);
    ws_.set_option(websocket::stream_base::decorator(
      [ua = opts_.user_agent,
       hdrs = opts_.headers](websocket::request_type& req) {
        req.set(http::field::user_agent, ua);
        for (auto& [name, value] : hdrs)
          req.set(name, value);
      }));
    ws_.read_message_max(opts_.read_limit);
    // Pongs (and pings, and close frames) prove that the peer is alive.
    ws_.control_callback(
      [this](websocket::frame_type kind, beast::string_view) {
        on_control(kind);
      });
    ws_.async_handshake(
      upgrade_response_, url_.host_header(), url_.target,
      beast::bind_front_handler(&ws_connection_impl::on_handshake,
                                this->shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (state_ != state::connecting) return;
    if (ec == beast::error::timeout) {
      ws_close_info info;
      info.error = "handshake: timed out after " + ms(opts_.handshake_timeout);
      return finish(std::move(info));
    }
    if (ec) {
      ws_close_info info;
      info.error = "handshake: " + describe(ec);
      if (ec == websocket::error::upgrade_declined)
        info.error += " (HTTP " + std::to_string(upgrade_response_.result_int())
                      + ")";
      return finish(std::move(info));
    }
    become_open();
  }

  void become_open() {
    // Beast's timer would now only guard a close; our close_timer_ does.
    websocket::stream_base::timeout limits;
    limits.handshake_timeout = websocket::stream_base::none();
    limits.idle_timeout = websocket::stream_base::none();
    limits.keep_alive_pings = false;
    ws_.set_option(limits);
    state_ = state::open;
    last_rx_ = clock_type::now();
    notify(ws_open_atom::value);
    do_read();
    if (!queue_.empty()) do_write();
    if (opts_.ping_interval.count() > 0)
      arm_ping(last_rx_ + opts_.ping_interval);
  }

  // -- read -------------------------------------------------------------------

  void do_read() {
    ws_.async_read(buffer_,
                   beast::bind_front_handler(&ws_connection_impl::on_read,
                                             this->shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (state_ == state::done) return;
    if (ec) return on_read_error(ec);
    last_rx_ = clock_type::now();
    if (!opts_.batch) {
      notify(ws_frame_atom::value, beast::buffers_to_string(buffer_.data()),
             ws_.got_binary());
      buffer_.consume(buffer_.size());
      return do_read();
    }
    bool ring = false;
    bool pause = false;
    {
      std::lock_guard<std::mutex> guard{inbox_->mtx};
      auto n = buffer_.size();
      inbox_->frames.push_back(
        ws_message{beast::buffers_to_string(buffer_.data()),
                   ws_.got_binary()});
      inbox_->bytes += n;
      // Only the first message of a batch rings; the owner takes them all.
      ring = inbox_->frames.size() == 1;
      pause = inbox_->bytes >= opts_.max_pending_bytes;
      inbox_->paused = pause;
    }
    buffer_.consume(buffer_.size());
    if (ring) notify(ws_frames_atom::value);
    if (!pause) do_read();
  }

  void on_read_error(beast::error_code ec) {
    // A close frame arrived: the handshake is over, even if the TLS
    // teardown after it reported an error.
    if (ec == websocket::error::closed || got_close_) {
      ws_close_info info;
      if (state_ == state::closing) {
        info.code = close_code_;
        info.reason = close_reason_;
        info.by_peer = peer_closing_;
      } else {
        auto& why = ws_.reason();
        info.code = why.code == websocket::close_code::none
                      ? 1005 // "no status received" (RFC 6455, 7.4.1)
                      : why.code;
        info.reason = std::string{why.reason.data(), why.reason.size()};
        info.by_peer = true;
      }
      return finish(std::move(info));
    }
    if (ec == websocket::error::message_too_big) {
      // Beast failed the connection with 1009 already.
      ws_close_info info;
      info.code = websocket::close_code::too_big;
      info.error = "read: message larger than "
                   + std::to_string(opts_.read_limit) + " bytes";
      return finish(std::move(info));
    }
    fail(ec, "read", ec != asio::error::operation_aborted);
  }

  void on_control(websocket::frame_type kind) {
    last_rx_ = clock_type::now();
    if (kind != websocket::frame_type::close || state_ == state::done) return;
    got_close_ = true;
    if (state_ == state::open) {
      // The peer started the close; Beast answers it and then waits for
      // the peer to drop TCP (or TLS), which must not take forever.
      state_ = state::closing;
      peer_closing_ = true;
      close_code_ = ws_.reason().code == websocket::close_code::none
                      ? 1005
                      : ws_.reason().code;
      close_reason_ = std::string{ws_.reason().reason.data(),
                                  ws_.reason().reason.size()};
      arm_close_timer();
    }
  }

  // -- ping -------------------------------------------------------------------

  void arm_ping(clock_type::time_point when) {
    arm(ping_timer_, when, [](ws_connection_impl& self) {
      self.on_ping_timer();
    });
  }

  void on_ping_timer() {
    if (state_ != state::open) return;
    auto now = clock_type::now();
    if (reading_paused()) {
      // Not reading: a missing pong would be our fault, not the peer's.
      ping_pending_ = false;
      last_rx_ = now;
      return arm_ping(now + opts_.ping_interval);
    }
    if (ping_pending_ && last_rx_ < ping_sent_) {
      if (now >= ping_sent_ + opts_.ping_timeout) {
        ws_close_info info;
        info.error = "read: timed out (ping)";
        return finish(std::move(info));
      }
      return arm_ping(ping_sent_ + opts_.ping_timeout);
    }
    ping_pending_ = false;
    if (now < last_rx_ + opts_.ping_interval)
      return arm_ping(last_rx_ + opts_.ping_interval);
    ping_pending_ = true;
    ping_sent_ = now;
    // Beast allows one ping at a time; a stuck one counts as sent.
    if (!ping_writing_) {
      ping_writing_ = true;
      ws_.async_ping(
        {}, [self = this->shared_from_this()](const beast::error_code&) {
          self->ping_writing_ = false; // errors surface on the read side
        });
    }
    arm_ping(now + opts_.ping_timeout);
  }

  bool reading_paused() {
    if (!inbox_) return false;
    std::lock_guard<std::mutex> guard{inbox_->mtx};
    return inbox_->paused;
  }

  // -- write ------------------------------------------------------------------

  void on_send(outgoing msg) {
    if (state_ == state::done || state_ == state::closing)
      return; // nothing goes out after our close frame
    if (queue_.size() >= opts_.max_queue) {
      ws_close_info info;
      info.error = "write: queue full (" + std::to_string(opts_.max_queue)
                   + " messages waiting)";
      return finish(std::move(info));
    }
    queue_.push_back(std::move(msg));
    // Are we already writing (or not open yet)?
    if (state_ == state::open && !writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    auto gen = ++write_gen_;
    arm(write_timer_, clock_type::now() + opts_.write_timeout,
        [gen](ws_connection_impl& self) {
          if (!self.writing_ || self.write_gen_ != gen) return;
          ws_close_info info;
          if (self.state_ == state::closing) {
            info.code = self.close_code_;
            info.reason = self.close_reason_;
          }
          info.error = "write: timed out after " + ms(self.opts_.write_timeout);
          self.finish(std::move(info));
        });
    ws_.binary(queue_.front().binary);
    ws_.async_write(asio::buffer(queue_.front().data),
                    beast::bind_front_handler(&ws_connection_impl::on_write,
                                              this->shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    writing_ = false;
    write_timer_.cancel();
    if (state_ == state::done) return;
    if (ec) {
      if (state_ == state::closing)
        return; // the close handshake reports the end
      return fail(ec, "write", ec != asio::error::operation_aborted);
    }
    queue_.pop_front();
    if (state_ == state::open && !queue_.empty()) do_write();
  }

  // -- close ------------------------------------------------------------------

  void do_close(uint16_t code, std::string reason) {
    if (state_ == state::done || state_ == state::closing) return;
    if (state_ != state::open && state_ != state::accepted) {
      ws_close_info info;
      info.reason = std::move(reason);
      info.error = "close: closed before the handshake completed";
      return finish(std::move(info));
    }
    state_ = state::closing;
    close_code_ = code;
    // A close reason has at most 123 bytes (RFC 6455, 5.5).
    if (reason.size() > websocket::reason_string::max_size_n)
      reason.resize(websocket::reason_string::max_size_n);
    close_reason_ = std::move(reason);
    // Queued messages are dropped; one already being written finishes
    // before Beast sends the close frame.
    if (writing_)
      queue_.erase(queue_.begin() + 1, queue_.end());
    else
      queue_.clear();
    arm_close_timer();
    websocket::close_reason cr{static_cast<websocket::close_code>(code),
                               close_reason_};
    ws_.async_close(cr, beast::bind_front_handler(&ws_connection_impl::on_close,
                                                  this->shared_from_this()));
  }

  void arm_close_timer() {
    arm(close_timer_, clock_type::now() + opts_.close_timeout,
        [](ws_connection_impl& self) {
          // The peer never finished the close handshake: drop the socket.
          ws_close_info info;
          info.code = self.close_code_;
          info.reason = self.close_reason_;
          info.by_peer = self.peer_closing_;
          info.error = "close: timed out after " + ms(self.opts_.close_timeout);
          self.finish(std::move(info));
        });
  }

  void on_close(beast::error_code ec) {
    if (state_ == state::done) return;
    // With a read outstanding, the read sees the peer's close frame and
    // this completes with operation_aborted: on_read reports.
    if (ec == asio::error::operation_aborted) return;
    if (ec) return fail(ec, "close", true);
    ws_close_info info;
    info.code = close_code_;
    info.reason = close_reason_;
    finish(std::move(info));
  }

  // -- member variables -------------------------------------------------------

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  websocket::stream<Stream> ws_;
  asio::steady_timer resolve_timer_;
  asio::steady_timer ping_timer_;
  asio::steady_timer write_timer_;
  asio::steady_timer close_timer_;
  beast::flat_buffer buffer_;
  websocket::response_type upgrade_response_;
  http::request<http::string_body> upgrade_request_;
  std::function<void(std::shared_ptr<ws_connection_impl>)> ready_;
  ws_close_info last_close_;
  std::deque<outgoing> queue_;
  caf::actor_addr owner_;
  ws_options opts_;
  url url_;
  std::shared_ptr<inbox> inbox_;
  std::shared_ptr<asio::ssl::context> ctx_;
  state state_ = state::idle;
  clock_type::time_point deadline_;
  clock_type::time_point last_rx_;
  clock_type::time_point ping_sent_;
  bool ping_pending_ = false;
  bool ping_writing_ = false;
  bool writing_ = false;
  uint64_t write_gen_ = 0;
  bool got_close_ = false;
  bool peer_closing_ = false;
  int close_code_ = -1;
  std::string close_reason_;
};

} // namespace tether::net::detail
