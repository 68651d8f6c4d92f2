#include "protocols/crypto/ed25519.hpp"

#include <memory>

#include <openssl/evp.h>

namespace tether::crypto {

namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

const unsigned char* bytes(std::string_view x) {
  return reinterpret_cast<const unsigned char*>(x.data());
}

pkey_ptr private_key(std::string_view seed) {
  return {EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed),
                                       seed.size()),
          &EVP_PKEY_free};
}

template<class T>
std::optional<T> fail(std::string what, std::string* error) {
  if (error) *error = "ed25519: " + std::move(what);
  return std::nullopt;
}

} // namespace

std::optional<ed25519_keypair> ed25519_from_seed(std::string_view seed,
                                                 std::string* error) {
  if (seed.size() != ed25519_seed_size)
    return fail<ed25519_keypair>(
      "seed must be 32 bytes, got " + std::to_string(seed.size()), error);
  auto key = private_key(seed);
  if (!key) return fail<ed25519_keypair>("cannot load the seed", error);
  std::string pub(ed25519_public_key_size, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(
        key.get(), reinterpret_cast<unsigned char*>(pub.data()), &len)
        != 1
      || len != ed25519_public_key_size)
    return fail<ed25519_keypair>("cannot derive the public key", error);
  return ed25519_keypair{std::string{seed}, std::move(pub)};
}

std::optional<std::string> seed_from_secret(std::string_view secret,
                                            std::string* error) {
  if (secret.empty())
    return fail<std::string>("empty secret has no seed", error);
  std::string seed;
  seed.reserve(ed25519_seed_size + secret.size());
  while (seed.size() < ed25519_seed_size)
    seed.append(secret);
  seed.resize(ed25519_seed_size);
  return seed;
}

std::optional<std::string> ed25519_sign(std::string_view seed,
                                        std::string_view message,
                                        std::string* error) {
  if (seed.size() != ed25519_seed_size)
    return fail<std::string>(
      "seed must be 32 bytes, got " + std::to_string(seed.size()), error);
  auto key = private_key(seed);
  md_ctx_ptr ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  if (!key || !ctx) return fail<std::string>("out of memory", error);
  std::string sig(ed25519_signature_size, '\0');
  size_t len = sig.size();
  // Ed25519 is one-shot: no digest, and EVP_DigestSign rather than
  // Update/Final.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1
      || EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                        &len, bytes(message), message.size())
           != 1
      || len != ed25519_signature_size)
    return fail<std::string>("signing failed", error);
  return sig;
}

bool ed25519_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature) {
  if (public_key.size() != ed25519_public_key_size
      || signature.size() != ed25519_signature_size)
    return false;
  pkey_ptr key{EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           bytes(public_key),
                                           public_key.size()),
               &EVP_PKEY_free};
  md_ctx_ptr ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  if (!key || !ctx) return false;
  return EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get())
           == 1
         && EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(),
                             bytes(message), message.size())
              == 1;
}

} // namespace tether::crypto
