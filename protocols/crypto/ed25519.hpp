// Ed25519 (RFC 8032) over OpenSSL's EVP API: Discord checks interaction
// requests with it, QQ signs and checks webhook requests with a key whose
// seed is the bot secret (PROTOCOLS.md §1.12, §2.6).

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tether::crypto {

constexpr size_t ed25519_seed_size = 32;

constexpr size_t ed25519_public_key_size = 32;

constexpr size_t ed25519_signature_size = 64;

struct ed25519_keypair {
  /// The 32-byte private seed.
  std::string seed;
  /// The 32-byte public key derived from it.
  std::string public_key;
};

/// Derives the public key for a 32-byte seed.
std::optional<ed25519_keypair> ed25519_from_seed(std::string_view seed,
                                                 std::string* error = nullptr);

/// QQ's seed: `secret` repeated until it has 32 bytes, then cut to 32
/// (botgo doubles the string, which gives the same prefix). Empty secrets
/// have no seed.
std::optional<std::string> seed_from_secret(std::string_view secret,
                                            std::string* error = nullptr);

/// The 64-byte signature of `message` under the 32-byte `seed`.
std::optional<std::string> ed25519_sign(std::string_view seed,
                                        std::string_view message,
                                        std::string* error = nullptr);

/// True if `signature` (64 raw bytes) signs `message` for `public_key` (32
/// raw bytes). Any size mismatch is simply false.
bool ed25519_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature);

} // namespace tether::crypto
