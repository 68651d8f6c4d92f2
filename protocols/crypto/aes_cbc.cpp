#include "protocols/crypto/aes_cbc.hpp"

#include <climits>
#include <memory>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace tether::crypto {

namespace {

std::optional<std::string> fail(std::string what, std::string* error) {
  if (error) *error = std::move(what);
  return std::nullopt;
}

std::optional<std::string> run(bool encrypt, std::string_view key,
                               std::string_view iv, std::string_view data,
                               std::string* error) {
  const char* what = encrypt ? "aes-256-cbc encrypt: "
                             : "aes-256-cbc decrypt: ";
  if (key.size() != aes256_key_size)
    return fail(what + std::string{"key must be 32 bytes, got "}
                  + std::to_string(key.size()),
                error);
  if (iv.size() != aes_block_size)
    return fail(what + std::string{"iv must be 16 bytes, got "}
                  + std::to_string(iv.size()),
                error);
  if (data.size() % aes_block_size != 0)
    return fail(what + std::string{"size "} + std::to_string(data.size())
                  + " is not a multiple of 16",
                error);
  if (data.size() > INT_MAX - aes_block_size)
    return fail(what + std::string{"input too large"}, error);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx{
    EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  if (!ctx) return fail(what + std::string{"out of memory"}, error);
  auto k = reinterpret_cast<const unsigned char*>(key.data());
  auto v = reinterpret_cast<const unsigned char*>(iv.data());
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, k, v,
                        encrypt ? 1 : 0)
        != 1
      || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return fail(what + std::string{"cipher setup failed"}, error);
  std::string out(data.size() + aes_block_size, '\0');
  auto dst = reinterpret_cast<unsigned char*>(out.data());
  int n = 0;
  int tail = 0;
  if (EVP_CipherUpdate(ctx.get(), dst, &n,
                       reinterpret_cast<const unsigned char*>(data.data()),
                       static_cast<int>(data.size()))
        != 1
      || EVP_CipherFinal_ex(ctx.get(), dst + n, &tail) != 1)
    return fail(what + std::string{"cipher failed"}, error);
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

} // namespace

std::string pkcs7_pad(std::string_view data, size_t block) {
  if (block == 0 || block > 255) block = aes_block_size;
  auto pad = block - data.size() % block;
  std::string out;
  out.reserve(data.size() + pad);
  out.append(data);
  out.append(pad, static_cast<char>(pad));
  return out;
}

std::optional<std::string> pkcs7_unpad(std::string_view data, size_t block,
                                       std::string* error) {
  if (block == 0 || block > 255)
    return fail("pkcs7: block size must be 1..255", error);
  if (data.empty() || data.size() % block != 0)
    return fail("pkcs7: size " + std::to_string(data.size())
                  + " is not a positive multiple of " + std::to_string(block),
                error);
  auto pad = static_cast<unsigned char>(data.back());
  if (pad == 0 || pad > block)
    return fail("pkcs7: bad pad value " + std::to_string(pad), error);
  for (size_t i = data.size() - pad; i < data.size(); ++i)
    if (static_cast<unsigned char>(data[i]) != pad)
      return fail("pkcs7: inconsistent padding bytes", error);
  return std::string{data.substr(0, data.size() - pad)};
}

std::optional<std::string>
aes256_cbc_encrypt_raw(std::string_view key, std::string_view iv,
                       std::string_view data, std::string* error) {
  return run(true, key, iv, data, error);
}

std::optional<std::string>
aes256_cbc_decrypt_raw(std::string_view key, std::string_view iv,
                       std::string_view data, std::string* error) {
  return run(false, key, iv, data, error);
}

std::optional<std::string>
aes256_cbc_encrypt(std::string_view key, std::string_view iv,
                   std::string_view plaintext, size_t pad_block,
                   std::string* error) {
  if (pad_block == 0 || pad_block > 255 || pad_block % aes_block_size != 0)
    return fail("aes-256-cbc encrypt: pad block must be a multiple of 16 "
                "below 256",
                error);
  return run(true, key, iv, pkcs7_pad(plaintext, pad_block), error);
}

std::optional<std::string>
aes256_cbc_decrypt(std::string_view key, std::string_view iv,
                   std::string_view ciphertext, size_t pad_block,
                   std::string* error) {
  auto plain = run(false, key, iv, ciphertext, error);
  if (!plain) return std::nullopt;
  return pkcs7_unpad(*plain, pad_block, error);
}

std::optional<std::string> random_bytes(size_t n, std::string* error) {
  if (n > INT_MAX) return fail("random: too many bytes requested", error);
  std::string out(n, '\0');
  if (n > 0
      && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                    static_cast<int>(n))
           != 1)
    return fail("random: CSPRNG failed", error);
  return out;
}

} // namespace tether::crypto
