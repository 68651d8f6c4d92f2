#include "protocols/stdio/stdio_session.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "protocols/type_ids.hpp"

namespace asio = boost::asio;

namespace tether {

stdio_session::~stdio_session() {
  // nop
}

namespace {

/// Opens a private file description for a pipe or terminal, so that the
/// non-blocking mode Asio needs does not leak into the parent's shell.
/// Returns -1 for anything epoll cannot watch (regular files, /dev/null).
int reopen_pollable(int fd, int flags) {
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return -1;
  bool pollable = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)
                  || (S_ISCHR(st.st_mode) && ::isatty(fd));
  if (!pollable)
    return -1;
  auto path = "/proc/self/fd/" + std::to_string(fd);
  return ::open(path.c_str(), flags | O_NONBLOCK | O_CLOEXEC);
}

/// Splits a byte stream into lines, cutting overlong ones.
class line_splitter {
public:
  explicit line_splitter(size_t max_line) : max_line_(max_line) {
    // nop
  }

  template <class F>
  void feed(const char* data, size_t size, F&& emit) {
    for (size_t i = 0; i < size; ++i) {
      auto ch = data[i];
      if (ch == '\n') {
        if (!skipping_) {
          if (!pending_.empty() && pending_.back() == '\r')
            pending_.pop_back();
          emit(std::move(pending_));
        }
        pending_.clear();
        skipping_ = false;
      } else if (!skipping_) {
        pending_ += ch;
        if (pending_.size() >= max_line_) {
          emit(std::move(pending_));
          pending_.clear();
          skipping_ = true; // drop the rest of this line
        }
      }
    }
  }

  template <class F>
  void finish(F&& emit) {
    if (!pending_.empty() && !skipping_)
      emit(std::move(pending_));
    pending_.clear();
  }

private:
  size_t max_line_;
  std::string pending_;
  bool skipping_ = false;
};

class stdio_session_impl
  : public stdio_session,
    public std::enable_shared_from_this<stdio_session_impl> {
public:
  stdio_session_impl(asio::io_context& io, caf::actor_addr owner,
                     options opts)
    : strand_(asio::make_strand(io)),
      in_(strand_),
      out_(strand_),
      write_timer_(strand_),
      owner_(std::move(owner)),
      opts_(opts),
      splitter_(opts.max_line),
      stopped_(std::make_shared<std::atomic<bool>>(false)) {
    // nop
  }

  ~stdio_session_impl() override {
    stopped_->store(true);
  }

  void start() override {
    asio::dispatch(strand_, [self = shared_from_this()] { self->do_open(); });
  }

  void write_line(std::string line) override {
    line += '\n';
    asio::post(strand_, [self = shared_from_this(), l = std::move(line)]()
                          mutable { self->on_send(std::move(l)); });
  }

  void close() override {
    stopped_->store(true);
    asio::post(strand_, [self = shared_from_this()] { self->do_close(); });
  }

private:
  template <class... Ts>
  void notify(Ts&&... xs) {
    if (auto hdl = caf::actor_cast<caf::actor>(owner_))
      caf::anon_send(hdl, std::forward<Ts>(xs)...);
  }

  void fail(const boost::system::error_code& ec, const char* what) {
    if (ec == asio::error::operation_aborted || stopped_->load())
      return;
    notify(io_error_atom::value, std::string{what} + ": " + ec.message());
  }

  // -- input ------------------------------------------------------------------

  void do_open() {
    if (stopped_->load())
      return;
    open_output();
    auto in = reopen_pollable(opts_.in_fd, O_RDONLY);
    if (in >= 0) {
      boost::system::error_code ec;
      in_.assign(in, ec);
      if (!ec)
        return do_read();
      ::close(in);
    }
    read_on_thread();
  }

  void open_output() {
    auto out = reopen_pollable(opts_.out_fd, O_WRONLY);
    if (out < 0)
      return;
    boost::system::error_code ec;
    out_.assign(out, ec);
    if (ec)
      ::close(out);
  }

  void do_read() {
    in_.async_read_some(asio::buffer(rbuf_),
                        [self = shared_from_this()](
                          const boost::system::error_code& ec, size_t n) {
                          self->on_read(ec, n);
                        });
  }

  void on_read(const boost::system::error_code& ec, size_t n) {
    if (ec == asio::error::eof) {
      splitter_.finish([this](std::string line) {
        notify(line_atom::value, std::move(line));
      });
      notify(eof_atom::value);
      return;
    }
    if (ec)
      return fail(ec, "read");
    splitter_.feed(rbuf_.data(), n, [this](std::string line) {
      notify(line_atom::value, std::move(line));
    });
    do_read();
  }

  // Regular files and /dev/null cannot be polled; a plain read on them
  // never waits for long, so a small thread of its own is fine.
  void read_on_thread() {
    auto owner = owner_;
    auto stopped = stopped_;
    auto fd = opts_.in_fd;
    auto max_line = opts_.max_line;
    std::thread{[owner, stopped, fd, max_line] {
      auto send = [&](auto&&... xs) {
        if (auto hdl = caf::actor_cast<caf::actor>(owner))
          caf::anon_send(hdl, std::forward<decltype(xs)>(xs)...);
      };
      line_splitter splitter{max_line};
      std::array<char, 4096> buf;
      for (;;) {
        auto n = ::read(fd, buf.data(), buf.size());
        if (stopped->load())
          return;
        if (n <= 0)
          break;
        splitter.feed(buf.data(), static_cast<size_t>(n),
                      [&](std::string line) {
                        send(line_atom::value, std::move(line));
                      });
      }
      splitter.finish(
        [&](std::string line) { send(line_atom::value, std::move(line)); });
      send(eof_atom::value);
    }}.detach();
  }

  // -- output -----------------------------------------------------------------

  void on_send(std::string line) {
    if (stopped_->load() || out_failed_)
      return;
    if (queue_.size() >= opts_.max_queue) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(line));
    if (queue_.size() > 1)
      return; // a write is in flight
    do_write();
  }

  void do_write() {
    if (!out_.is_open()) {
      // Regular file or /dev/null: a plain write cannot block for long.
      while (!queue_.empty()) {
        auto& line = queue_.front();
        if (::write(opts_.out_fd, line.data(), line.size()) < 0) {
          out_failed_ = true;
          notify(io_error_atom::value, std::string{"write: failed"});
        }
        queue_.pop_front();
      }
      return;
    }
    write_timer_.expires_after(opts_.write_timeout);
    write_timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) // the write is stuck: give up on the output side
          self->out_.cancel();
      });
    asio::async_write(out_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](
                        const boost::system::error_code& ec, size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(const boost::system::error_code& ec) {
    write_timer_.cancel();
    if (ec) {
      out_failed_ = true;
      queue_.clear();
      if (ec == asio::error::operation_aborted && !stopped_->load())
        return notify(io_error_atom::value,
                      std::string{"write: timed out"});
      return fail(ec, "write");
    }
    queue_.pop_front();
    if (!queue_.empty())
      do_write();
  }

  void do_close() {
    boost::system::error_code ignored;
    in_.close(ignored);
    out_.close(ignored);
    write_timer_.cancel();
    queue_.clear();
  }

  asio::strand<asio::io_context::executor_type> strand_;
  asio::posix::stream_descriptor in_;
  asio::posix::stream_descriptor out_;
  asio::steady_timer write_timer_;
  caf::actor_addr owner_;
  options opts_;
  line_splitter splitter_;
  std::array<char, 4096> rbuf_;
  std::deque<std::string> queue_;
  size_t dropped_ = 0;
  bool out_failed_ = false;
  std::shared_ptr<std::atomic<bool>> stopped_;
};

} // namespace

std::shared_ptr<stdio_session>
stdio_session::make(asio::io_context& io, caf::actor_addr owner,
                    options opts) {
  return std::make_shared<stdio_session_impl>(io, std::move(owner), opts);
}

} // namespace tether
