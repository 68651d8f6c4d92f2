// TLS settings for client connections.

#pragma once

#include <string>

namespace tether::net {

struct tls_options {
  /// Verify the peer's certificate chain and host name.
  bool verify = true;
  /// PEM file with trusted CAs; empty = the system store.
  std::string ca_file;
};

} // namespace tether::net
