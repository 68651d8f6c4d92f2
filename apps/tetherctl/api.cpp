#include "api.hpp"

#include <cctype>
#include <memory>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "protocols/net/http_client.hpp"
#include "protocols/net/url.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace tetherctl {

api_response call(const endpoint& ep, const std::string& method,
                  const std::string& path, const std::string& body,
                  std::chrono::milliseconds timeout) {
  asio::io_context io;
  tether::net::http_client_options opts;
  opts.user_agent = "tetherctl";
  auto client = tether::net::http_client::make(io, opts);
  tether::net::http_request req;
  req.method = method;
  req.url = ep.base + path;
  req.timeout = timeout;
  if (!ep.token.empty())
    req.headers.emplace_back("Authorization", "Bearer " + ep.token);
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
  }
  std::optional<tether::net::http_response> result;
  client->request(std::move(req), [&result](tether::net::http_response res) {
    result = std::move(res);
  });
  // The client's own deadline ends the request; this bound only guards
  // against a handler that never runs.
  auto give_up = std::chrono::steady_clock::now() + timeout
                 + std::chrono::seconds{2};
  while (!result && std::chrono::steady_clock::now() < give_up) {
    if (io.stopped())
      io.restart();
    io.run_one_for(std::chrono::milliseconds{50});
  }
  client->shutdown();
  api_response out;
  if (!result) {
    out.error = "no answer within " + std::to_string(timeout.count()) + "ms";
    return out;
  }
  out.status = result->status;
  out.body = std::move(result->body);
  out.error = std::move(result->error);
  return out;
}

namespace {

// Splits an event stream into events: `event:` names it, `data:` lines
// join with `\n`, a blank line ends it, `:` lines are comments.
class sse_parser {
public:
  using handler = std::function<void(const std::string&, const std::string&)>;

  explicit sse_parser(const handler& f) : f_(f) {
    // nop
  }

  void feed(std::string_view chunk) {
    buf_.append(chunk.data(), chunk.size());
    size_t pos;
    while ((pos = buf_.find('\n')) != std::string::npos) {
      auto line = buf_.substr(0, pos);
      buf_.erase(0, pos + 1);
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      on_line(line);
    }
  }

private:
  void on_line(const std::string& line) {
    if (line.empty()) {
      if (has_data_)
        f_(name_.empty() ? "message" : name_, data_);
      name_.clear();
      data_.clear();
      has_data_ = false;
      return;
    }
    if (line[0] == ':')
      return;
    auto colon = line.find(':');
    auto field = line.substr(0, colon);
    std::string value;
    if (colon != std::string::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ')
        value.erase(0, 1);
    }
    if (field == "event") {
      name_ = value;
    } else if (field == "data") {
      if (has_data_)
        data_ += '\n';
      data_ += value;
      has_data_ = true;
    }
  }

  const handler& f_;
  std::string buf_;
  std::string name_;
  std::string data_;
  bool has_data_ = false;
};

} // namespace

int stream(const endpoint& ep, const std::string& path,
           std::chrono::milliseconds connect_timeout,
           std::chrono::milliseconds idle,
           const std::function<void(const std::string&, const std::string&)>&
             on_event,
           std::string& error, std::string& body) {
  auto u = tether::net::parse_url(ep.base + path, &error);
  if (!u)
    return 0;
  if (u->tls()) {
    error = "https is not supported for streams";
    return 0;
  }
  asio::io_context io;
  asio::ip::tcp::resolver resolver{io};
  beast::tcp_stream sock{io};
  beast::flat_buffer buf;
  http::request<http::empty_body> req{http::verb::get, u->target, 11};
  req.set(http::field::host, u->host_header());
  req.set(http::field::accept, "text/event-stream");
  req.set(http::field::user_agent, "tetherctl");
  if (!ep.token.empty())
    req.set(http::field::authorization, "Bearer " + ep.token);
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  char chunk[4096];
  int status = 0;
  sse_parser sse{on_event};
  std::string err_body;
  // One chain of handlers; every step has a deadline.
  std::function<void()> read_more = [&] {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    sock.expires_after(idle);
    http::async_read_some(sock, buf, parser,
                          [&](beast::error_code ec, size_t) {
                            auto n = sizeof(chunk) - parser.get().body().size;
                            if (ec == http::error::need_buffer)
                              ec = {};
                            if (n > 0) {
                              if (status == 200)
                                sse.feed({chunk, n});
                              else
                                err_body.append(chunk, n);
                            }
                            if (ec) {
                              error = ec == beast::error::timeout
                                        ? "no event or keep-alive for "
                                            + std::to_string(idle.count())
                                            + "ms"
                                        : ec.message();
                              return;
                            }
                            if (parser.is_done()) {
                              error = "the stream ended";
                              return;
                            }
                            read_more();
                          });
  };
  sock.expires_after(connect_timeout);
  resolver.async_resolve(
    u->host, std::to_string(u->port),
    [&](beast::error_code ec, asio::ip::tcp::resolver::results_type rs) {
      if (ec) {
        error = "resolve: " + ec.message();
        return;
      }
      sock.async_connect(rs, [&](beast::error_code ec,
                                 asio::ip::tcp::endpoint) {
        if (ec) {
          error = "connect: " + ec.message();
          return;
        }
        http::async_write(sock, req, [&](beast::error_code ec, size_t) {
          if (ec) {
            error = "write: " + ec.message();
            return;
          }
          http::async_read_header(
            sock, buf, parser, [&](beast::error_code ec, size_t) {
              if (ec) {
                error = ec == beast::error::timeout
                          ? "timeout after "
                              + std::to_string(connect_timeout.count())
                              + "ms"
                          : "read: " + ec.message();
                return;
              }
              status = static_cast<int>(parser.get().result_int());
              read_more();
            });
        });
      });
    });
  io.run();
  body = std::move(err_body);
  return status;
}

std::string encode_path(const std::string& path) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == ':' || c == '-' || c == '_'
        || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace tetherctl
