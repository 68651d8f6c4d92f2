// Lines on stdin in, lines on stdout out, on the io_context: the transport
// of the sandbox platform. Follows the shape of a Beast session: one object
// per connection, a strand, an on_* chain and a write queue. It reports to
// its owning actor by message (line_atom, eof_atom, io_error_atom).

#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/actor_addr.hpp>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether {

class stdio_session {
public:
  struct options {
    int in_fd = 0;
    int out_fd = 1;
    /// Longer input lines are cut here (and counted).
    size_t max_line = 64 * 1024;
    /// Replies waiting for a slow terminal beyond this are dropped.
    size_t max_queue = 1000;
    /// A write that does not finish in time fails the output side.
    std::chrono::milliseconds write_timeout{5000};
  };

  static std::shared_ptr<stdio_session>
  make(boost::asio::io_context& io, caf::actor_addr owner, options opts);

  virtual ~stdio_session();

  /// Starts reading input. Call once.
  virtual void start() = 0;

  /// Queues one line of output (a newline is added). Thread-safe.
  virtual void write_line(std::string line) = 0;

  /// Stops reading and writing. Thread-safe and idempotent.
  virtual void close() = 0;
};

} // namespace tether
