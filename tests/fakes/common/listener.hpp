// The accepting side shared by the fakes: a listener on 127.0.0.1 that can
// refuse connections for a while, and the io threads that run it.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

namespace tether::fakes::common {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Accepts on 127.0.0.1 and hands every socket to a callback, each on its
/// own strand. While refusing, it accepts and resets instead.
class listener {
public:
  // -- member types ----------------------------------------------------------

  using accept_handler = std::function<void(tcp::socket&&)>;

  // -- constructors, destructors, and assignment operators ------------------

  /// `stopping` ends the accept loop once set; `name` prefixes errors.
  listener(asio::io_context& ioc, const std::atomic<bool>& stopping,
           std::string name);

  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  // -- modifiers -------------------------------------------------------------

  /// Binds 127.0.0.1:`port` (0: any) and starts accepting. Throws
  /// std::runtime_error on failure.
  void open(uint16_t port, accept_handler on_accept);

  /// Closes the acceptor.
  void close();

  /// Resets every new connection for `d`.
  void refuse_for(std::chrono::milliseconds d);

  // -- properties ------------------------------------------------------------

  uint16_t port() const {
    return port_;
  }

private:
  void do_accept();
  void on_accept(tcp::socket&& sock);

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  const std::atomic<bool>& stopping_;
  std::string name_;
  accept_handler on_accept_;
  uint16_t port_ = 0;
  std::mutex mtx_;
  std::chrono::steady_clock::time_point refuse_until_;
};

/// Starts `n` threads running `ioc`; a throwing handler is reported on
/// stderr with `name` and the thread keeps running.
void run_io_threads(asio::io_context& ioc, int n, const std::string& name,
                    std::vector<std::thread>& threads);

} // namespace tether::fakes::common
