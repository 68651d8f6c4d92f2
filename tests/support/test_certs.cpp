#include "support/test_certs.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace tether::test {

namespace {

struct pkey_deleter {
  void operator()(EVP_PKEY* x) const {
    EVP_PKEY_free(x);
  }
};

struct x509_deleter {
  void operator()(X509* x) const {
    X509_free(x);
  }
};

struct bio_deleter {
  void operator()(BIO* x) const {
    BIO_free(x);
  }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string{"test_certs: "} + what);
}

pkey_ptr make_key() {
  pkey_ptr key{EVP_EC_gen("P-256")};
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  auto ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

/// A certificate for `key` named `cn`, signed by `issuer_key`; a
/// self-signed one when `issuer` is null.
x509_ptr make_cert(EVP_PKEY* key, const char* cn, X509* issuer,
                   EVP_PKEY* issuer_key, long serial, bool is_ca,
                   const char* alt_names) {
  x509_ptr cert{X509_new()};
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2); // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  // An hour of slack for clocks that disagree.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  auto name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("tether"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1,
                             0);
  auto signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (is_ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage,
            "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    add_ext(cert.get(), signer, NID_subject_alt_name, alt_names);
  }
  check(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0,
        "X509_sign");
  return cert;
}

std::string to_pem(BIO* bio) {
  char* data = nullptr;
  auto size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string cert_pem(X509* cert) {
  bio_ptr bio{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return to_pem(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  bio_ptr bio{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                 nullptr)
          == 1,
        "PEM_write_bio_PrivateKey");
  return to_pem(bio.get());
}

std::string write_temp_file(const std::string& content) {
  char path[] = "/tmp/tether-test-ca-XXXXXX.pem";
  auto fd = ::mkstemps(path, 4);
  check(fd >= 0, "mkstemps");
  auto file = ::fdopen(fd, "w");
  check(file != nullptr, "fdopen");
  std::fwrite(content.data(), 1, content.size(), file);
  std::fclose(file);
  return path;
}

struct pki_holder {
  test_pki pki;

  pki_holder() {
    auto ca_key = make_key();
    auto ca = make_cert(ca_key.get(), "tether test CA", nullptr, nullptr, 1,
                        true, nullptr);
    auto server_key = make_key();
    auto good = make_cert(server_key.get(), "localhost", ca.get(), ca_key.get(),
                          2, false, "DNS:localhost,IP:127.0.0.1");
    auto wrong = make_cert(server_key.get(), "wrong.invalid", ca.get(),
                           ca_key.get(), 3, false, "DNS:wrong.invalid");
    pki.ca_cert_pem = cert_pem(ca.get());
    pki.server_cert_pem = cert_pem(good.get());
    pki.wrong_host_cert_pem = cert_pem(wrong.get());
    pki.server_key_pem = key_pem(server_key.get());
    pki.ca_file = write_temp_file(pki.ca_cert_pem);
  }

  ~pki_holder() {
    ::unlink(pki.ca_file.c_str());
  }
};

} // namespace

const test_pki& pki() {
  static pki_holder holder;
  return holder.pki;
}

} // namespace tether::test
