#include "fakes/webhooks/fake_api.hpp"

#include <atomic>
#include <list>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace tether::fakes {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct fake_api::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  uint16_t port = 0;
  std::atomic<bool> stopping{false};
  mutable std::mutex mtx;
  std::vector<api_request> log;
  std::list<std::shared_ptr<tcp::socket>> sockets;
  std::list<std::thread> workers;
  std::thread accept_thread;

  http::response<http::string_body>
  answer(const http::request<http::string_body>& req) {
    std::string target{req.target()};
    std::string auth{req[http::field::authorization]};
    {
      std::lock_guard<std::mutex> guard{mtx};
      log.push_back({std::string{req.method_string()}, target, auth,
                     req.body()});
    }
    auto path = target.substr(0, target.find('?'));
    auto query = target.find('?') == std::string::npos
                   ? std::string{}
                   : target.substr(target.find('?') + 1);
    auto has = [&](const std::string& x) {
      return query.find(x) != std::string::npos;
    };
    int status = 200;
    nlohmann::json body;
    if (path == "/open-apis/auth/v3/tenant_access_token/internal") {
      body = {{"code", 0}, {"msg", "ok"},
              {"tenant_access_token", "t-fake-feishu"}, {"expire", 7200}};
    } else if (path == "/open-apis/im/v1/messages") {
      if (auth != "Bearer t-fake-feishu")
        body = {{"code", 99991663}, {"msg", "Invalid access token"}};
      else
        body = {{"code", 0}, {"msg", "success"},
                {"data", {{"message_id", "om_fake"}}}};
    } else if (path == "/cgi-bin/token") {
      body = {{"access_token", "fake-wechat-token"}, {"expires_in", 7200}};
    } else if (path == "/cgi-bin/message/custom/send") {
      if (!has("access_token=fake-wechat-token"))
        body = {{"errcode", 40001}, {"errmsg", "invalid credential"}};
      else
        body = {{"errcode", 0}, {"errmsg", "ok"}};
    } else if (path == "/cgi-bin/gettoken") {
      body = {{"errcode", 0}, {"errmsg", "ok"},
              {"access_token", "fake-wecom-token"}, {"expires_in", 7200}};
    } else if (path == "/cgi-bin/message/send") {
      if (!has("access_token=fake-wecom-token"))
        body = {{"errcode", 40014}, {"errmsg", "invalid access_token"}};
      else
        body = {{"errcode", 0}, {"errmsg", "ok"}, {"msgid", "fake"}};
    } else if (path.rfind("/webhooks/", 0) == 0 && req.method() == http::verb::post) {
      body = {{"id", "1"}, {"type", 0}};
    } else {
      status = 404;
      body = {{"message", "404: Not Found"}};
    }
    http::response<http::string_body> res{static_cast<http::status>(status),
                                          req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = body.dump();
    res.prepare_payload();
    return res;
  }

  void serve(std::shared_ptr<tcp::socket> sock) {
    beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(*sock, buf, req, ec);
      if (ec)
        break;
      auto res = answer(req);
      http::write(*sock, res, ec);
      if (ec || !res.keep_alive())
        break;
    }
    beast::error_code ignored;
    sock->shutdown(tcp::socket::shutdown_both, ignored);
  }

  void accept_loop() {
    while (!stopping) {
      auto sock = std::make_shared<tcp::socket>(io);
      beast::error_code ec;
      acceptor.accept(*sock, ec);
      if (ec || stopping)
        break;
      std::lock_guard<std::mutex> guard{mtx};
      sockets.push_back(sock);
      workers.emplace_back([this, sock] { serve(sock); });
    }
  }
};

fake_api::fake_api() : impl_(std::make_unique<impl>()) {
  tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread{[this] { impl_->accept_loop(); }};
}

fake_api::~fake_api() {
  impl_->stopping = true;
  beast::error_code ec;
  // Wakes the blocking accept.
  impl_->acceptor.cancel(ec);
  {
    tcp::socket poke{impl_->io};
    poke.connect({asio::ip::make_address("127.0.0.1"), impl_->port}, ec);
  }
  impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  std::list<std::thread> workers;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    for (auto& sock : impl_->sockets) {
      sock->shutdown(tcp::socket::shutdown_both, ec);
    }
    workers.swap(impl_->workers);
  }
  for (auto& w : workers)
    w.join();
}

std::string fake_api::base() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<api_request> fake_api::requests() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->log;
}

std::vector<api_request> fake_api::requests(const std::string& prefix) const {
  std::vector<api_request> out;
  for (auto& r : requests())
    if (r.target.rfind(prefix, 0) == 0)
      out.push_back(r);
  return out;
}

} // namespace tether::fakes
