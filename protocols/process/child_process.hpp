// A child process with pipes on stdin, stdout and stderr, on the
// io_context: the transport of plugin handlers. Follows the shape of the
// other I/O sessions (stdio_session): one object, a strand, an on_* chain,
// a write queue with a deadline. It reports to its owning actor by message
// (protocols/process/type_ids.hpp) and never waits for it.
//
// The child runs in a process group of its own with only fds 0-2 open and
// default signal handling. terminate() closes its stdin, sends SIGTERM to
// the group, and SIGKILL after a grace period; the child is always reaped
// (pidfd, or polling waitpid on kernels without it), and if the io_context
// goes away first the session's destructor kills and reaps it.

#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether {

class child_process {
public:
  struct options {
    /// The program and its arguments. A program without `/` is searched in
    /// PATH; a relative path is relative to `working_dir`.
    std::vector<std::string> argv;
    /// Added to (or replacing in) the environment tetherd inherited.
    std::map<std::string, std::string> env;
    /// Empty: tetherd's working directory.
    std::string working_dir;
    /// Longer stdout lines are dropped (and reported); stderr lines are cut.
    size_t max_line = 1024 * 1024;
    /// Bytes waiting for the child's stdin beyond this fail the session.
    size_t max_queue = 16 * 1024 * 1024;
    /// A write the child does not take in time fails the session.
    std::chrono::milliseconds write_timeout{5000};
    /// Between SIGTERM and SIGKILL.
    std::chrono::milliseconds kill_grace{2000};
  };

  static std::shared_ptr<child_process>
  make(boost::asio::io_context& io, caf::actor_addr owner, options opts);

  virtual ~child_process();

  /// Starts the program (on the io_context). Call once.
  virtual void start() = 0;

  /// Queues one line for the child's stdin (a newline is added).
  /// Thread-safe.
  virtual void write_line(std::string line) = 0;

  /// Stops the child (see above); reports nothing more to the owner.
  /// Thread-safe and idempotent.
  virtual void terminate() = 0;
};

/// `exited with status 3`, `killed by signal 9 (SIGKILL)` for a waitpid
/// status.
std::string describe_wait_status(int status);

} // namespace tether
