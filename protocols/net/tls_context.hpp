// Client-side TLS setup shared by ws_session and http_client.

#pragma once

#include <memory>
#include <string>

#include "protocols/net/tls.hpp"

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

struct ssl_st;

namespace tether::net {

/// Builds a client context: TLS 1.2 or newer; trusts `opts.ca_file` or, when
/// empty, the system's default store; verifies peers when `opts.verify`.
/// Returns null and stores why in `error` when the CA file is unusable.
std::shared_ptr<boost::asio::ssl::context>
make_tls_context(const tls_options& opts, std::string& error);

/// Sets the SNI name of one connection to `host`. IP literals get none
/// (RFC 6066 allows only DNS names). Returns false when OpenSSL refuses.
bool set_sni(ssl_st* ssl, const std::string& host);

} // namespace tether::net
