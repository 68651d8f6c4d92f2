#include "fakes/common/listener.hpp"

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <utility>

namespace tether::fakes::common {

listener::listener(asio::io_context& ioc, const std::atomic<bool>& stopping,
                   std::string name)
  : ioc_(ioc), acceptor_(ioc), stopping_(stopping), name_(std::move(name)) {
  // nop
}

void listener::open(uint16_t port, accept_handler on_accept) {
  on_accept_ = std::move(on_accept);
  boost::system::error_code ec;
  tcp::endpoint ep{asio::ip::address_v4::loopback(), port};
  auto fail = [&](const char* what) {
    throw std::runtime_error(name_ + ": " + what + ": " + ec.message());
  };
  acceptor_.open(ep.protocol(), ec);
  if (ec) fail("open");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail("set_option");
  acceptor_.bind(ep, ec);
  if (ec) fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
  port_ = acceptor_.local_endpoint().port();
  do_accept();
}

void listener::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

void listener::refuse_for(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> guard{mtx_};
  refuse_until_ = std::chrono::steady_clock::now() + d;
}

void listener::do_accept() {
  acceptor_.async_accept(
    asio::make_strand(ioc_),
    [this](boost::system::error_code ec, tcp::socket sock) {
      if (ec == asio::error::operation_aborted || stopping_) return;
      if (!ec) on_accept(std::move(sock));
      do_accept();
    });
}

void listener::on_accept(tcp::socket&& sock) {
  bool refuse;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    refuse = std::chrono::steady_clock::now() < refuse_until_;
  }
  if (refuse) {
    // Accept-then-RST looks like a crashed front end to the client.
    boost::system::error_code ec;
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
    return;
  }
  on_accept_(std::move(sock));
}

void run_io_threads(asio::io_context& ioc, int n, const std::string& name,
                    std::vector<std::thread>& threads) {
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&ioc, name] {
      // A throwing handler must not take the process down with it.
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "%s: handler threw: %s\n", name.c_str(),
                       e.what());
        }
      }
    });
}

} // namespace tether::fakes::common
