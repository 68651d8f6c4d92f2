#include "support/raw_clients.hpp"

#include <memory>

namespace tether::test::raw {

// -- ws_client ----------------------------------------------------------------

ws_client::ws_client(uint16_t port, std::string target, header_list headers)
  : port_(port),
    target_(std::move(target)),
    headers_(std::move(headers)),
    ws_(ioc_) {
  // nop
}

bool ws_client::connect() {
  bool done = false;
  beast::error_code result;
  auto& tcp_layer = beast::get_lowest_layer(ws_);
  tcp_layer.async_connect(tcp::endpoint{asio::ip::address_v4::loopback(),
                                        port_},
                          [&](beast::error_code ec) {
                            result = ec;
                            done = true;
                          });
  auto cancel = [&] {
    tcp_layer.close();
  };
  if (!run_until(ioc_, done, io_timeout, cancel) || result) return false;
  ws_.set_option(websocket::stream_base::decorator(
    [headers = headers_](websocket::request_type& req) {
      for (auto& [k, v] : headers)
        req.set(k, v);
    }));
  done = false;
  ws_.async_handshake(response, "127.0.0.1:" + std::to_string(port_), target_,
                      [&](beast::error_code ec) {
                        result = ec;
                        done = true;
                      });
  return run_until(ioc_, done, io_timeout, cancel) && !result;
}

bool ws_client::send(const json& frame) {
  bool done = false;
  beast::error_code result;
  auto text = std::make_shared<std::string>(frame.dump());
  ws_.text(true);
  ws_.async_write(asio::buffer(*text), [&](beast::error_code ec, size_t) {
    result = ec;
    done = true;
  });
  run_until(ioc_, done, io_timeout, [&] {
    beast::get_lowest_layer(ws_).close();
  });
  return done && !result;
}

std::optional<json> ws_client::read(std::chrono::milliseconds timeout) {
  if (!reading_) {
    reading_ = true;
    read_done_ = false;
    buffer_.clear();
    ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
      read_ec_ = ec;
      read_done_ = true;
    });
  }
  ioc_.restart();
  auto deadline = steady::now() + timeout;
  while (!read_done_ && steady::now() < deadline)
    ioc_.run_one_for(deadline - steady::now());
  if (!read_done_) return std::nullopt;
  reading_ = false;
  if (read_ec_) {
    if (read_ec_ == websocket::error::closed) {
      close_code = ws_.reason().code;
      close_reason = std::string{ws_.reason().reason.c_str()};
    }
    return std::nullopt;
  }
  return json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false);
}

uint16_t ws_client::wait_closed() {
  for (int i = 0; i < 100; ++i)
    if (!read()) break;
  return close_code;
}

void ws_client::close(uint16_t code) {
  bool done = false;
  ws_.async_close(websocket::close_reason{code}, [&](beast::error_code) {
    done = true;
  });
  run_until(ioc_, done, io_timeout, [&] {
    beast::get_lowest_layer(ws_).close();
  });
}

// -- http_call ----------------------------------------------------------------

http_result http_call(uint16_t port, http::verb verb, const std::string& target,
                      const std::string& body, const header_list& headers,
                      std::chrono::milliseconds timeout) {
  http_result result;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  auto cancel = [&] {
    stream.close();
  };
  bool done = false;
  beast::error_code err;
  stream.async_connect(tcp::endpoint{asio::ip::address_v4::loopback(), port},
                       [&](beast::error_code ec) {
                         err = ec;
                         done = true;
                       });
  if (!run_until(ioc, done, timeout, cancel) || err) return result;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (auto& [k, v] : headers)
    req.set(k, v);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  done = false;
  http::async_write(stream, req, [&](beast::error_code ec, size_t) {
    err = ec;
    done = true;
  });
  if (!run_until(ioc, done, timeout, cancel) || err) return result;
  done = false;
  beast::flat_buffer buf;
  http::async_read(stream, buf, result.res, [&](beast::error_code ec, size_t) {
    err = ec;
    done = true;
  });
  if (!run_until(ioc, done, timeout, cancel) || err) return result;
  result.ok = true;
  result.body = json::parse(result.res.body(), nullptr, false);
  return result;
}

} // namespace tether::test::raw
