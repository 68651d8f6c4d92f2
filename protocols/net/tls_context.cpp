#include "protocols/net/tls_context.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace asio = boost::asio;

namespace tether::net {

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& opts,
                                                     std::string& error) {
  auto ctx
    = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(
    asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
      | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1
      | asio::ssl::context::no_tlsv1_1,
    ec);
  // Belt and braces: the options above do not cover future defaults.
  if (!ec
      && SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION)
           != 1)
    ec = asio::error::invalid_argument;
  if (ec) {
    error = "tls: cannot restrict protocol versions: " + ec.message();
    return nullptr;
  }
  if (opts.ca_file.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(opts.ca_file, ec);
  if (ec) {
    error = "tls: cannot load "
            + (opts.ca_file.empty() ? std::string{"the system CA store"}
                                    : "CA file " + opts.ca_file)
            + ": " + ec.message();
    return nullptr;
  }
  ctx->set_verify_mode(
    opts.verify ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
  if (ec) {
    error = "tls: cannot set the verify mode: " + ec.message();
    return nullptr;
  }
  return ctx;
}

bool set_sni(ssl_st* ssl, const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) return true; // an IP literal
  return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

} // namespace tether::net
