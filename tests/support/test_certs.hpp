// A throw-away PKI for TLS tests: a CA and server certificates signed by
// it, generated in memory with OpenSSL 3 at test time.

#pragma once

#include <string>

namespace tether::test {

struct test_pki {
  /// The CA certificate (PEM) and a temp file holding it, for
  /// `tls_options::ca_file`.
  std::string ca_cert_pem;
  std::string ca_file;
  /// A server certificate for DNS:localhost and IP:127.0.0.1.
  std::string server_cert_pem;
  /// A server certificate for DNS:wrong.invalid only.
  std::string wrong_host_cert_pem;
  /// The key of both server certificates.
  std::string server_key_pem;
};

/// The PKI of this process, generated on first use (EC P-256, valid for a
/// day). The CA file is removed at exit.
const test_pki& pki();

} // namespace tether::test
