#include "protocols/crypto/digest.hpp"

#include <memory>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace tether::crypto {

namespace {

std::string digest(const char* name, std::string_view data) {
  std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md{
    EVP_MD_fetch(nullptr, name, nullptr), &EVP_MD_free};
  if (!md) return {};
  std::string out(static_cast<size_t>(EVP_MD_get_size(md.get())), '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(),
                 reinterpret_cast<unsigned char*>(out.data()), &len, md.get(),
                 nullptr)
      != 1)
    return {};
  out.resize(len);
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

} // namespace

std::string sha1(std::string_view data) {
  return digest("SHA1", data);
}

std::string sha1_hex(std::string_view data) {
  return to_hex(sha1(data));
}

std::string sha256(std::string_view data) {
  return digest("SHA256", data);
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac{
    EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free};
  if (!mac) return {};
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx{
    EVP_MAC_CTX_new(mac.get()), &EVP_MAC_CTX_free};
  if (!ctx) return {};
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
    OSSL_PARAM_construct_end(),
  };
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char no_key = 0;
  auto key_ptr = key.empty()
                   ? &no_key
                   : reinterpret_cast<const unsigned char*>(key.data());
  std::string out(32, '\0');
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1
      || EVP_MAC_update(ctx.get(),
                        reinterpret_cast<const unsigned char*>(data.data()),
                        data.size())
           != 1
      || EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()),
                       &len, out.size())
           != 1)
    return {};
  out.resize(len);
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0x0F];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex, std::string* error) {
  if (hex.size() % 2 != 0) {
    if (error) *error = "hex: odd number of digits";
    return std::nullopt;
  }
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    auto hi = hex_value(hex[i]);
    auto lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      if (error)
        *error = "hex: invalid digit at offset "
                 + std::to_string(hi < 0 ? i : i + 1);
      return std::nullopt;
    }
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

bool constant_time_equal(std::string_view x, std::string_view y) {
  if (x.size() != y.size()) return false;
  if (x.empty()) return true;
  return CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

} // namespace tether::crypto
