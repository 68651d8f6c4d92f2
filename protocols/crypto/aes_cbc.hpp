// AES-256-CBC over OpenSSL's EVP API with the padding left to the caller:
// Feishu pads with standard PKCS#7 to 16-byte blocks, WeCom and WeChat
// pad with PKCS#7 to 32-byte blocks (pad values 1..32), which OpenSSL's
// built-in padding cannot express.

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tether::crypto {

constexpr size_t aes256_key_size = 32;

constexpr size_t aes_block_size = 16;

/// Appends PKCS#7 padding up to a multiple of `block` (1..255): always
/// 1..block bytes, each holding the pad length.
std::string pkcs7_pad(std::string_view data, size_t block);

/// Strips PKCS#7 padding for `block` (1..255). Errors: a size that is
/// zero or not a multiple of `block`, a pad value of 0 or above `block`,
/// or pad bytes that differ.
std::optional<std::string> pkcs7_unpad(std::string_view data, size_t block,
                                       std::string* error = nullptr);

/// Encrypts without adding padding: `data` must be a multiple of 16 bytes,
/// `key` 32 bytes and `iv` 16 bytes.
std::optional<std::string>
aes256_cbc_encrypt_raw(std::string_view key, std::string_view iv,
                       std::string_view data, std::string* error = nullptr);

/// Decrypts without removing padding; same size rules as encryption.
std::optional<std::string>
aes256_cbc_decrypt_raw(std::string_view key, std::string_view iv,
                       std::string_view data, std::string* error = nullptr);

/// PKCS#7-pads to `pad_block` bytes, then encrypts.
std::optional<std::string>
aes256_cbc_encrypt(std::string_view key, std::string_view iv,
                   std::string_view plaintext, size_t pad_block = 16,
                   std::string* error = nullptr);

/// Decrypts, then strips PKCS#7 padding for `pad_block` bytes.
std::optional<std::string>
aes256_cbc_decrypt(std::string_view key, std::string_view iv,
                   std::string_view ciphertext, size_t pad_block = 16,
                   std::string* error = nullptr);

/// `n` bytes from OpenSSL's CSPRNG (IVs, WeCom's random prefix).
std::optional<std::string> random_bytes(size_t n, std::string* error = nullptr);

} // namespace tether::crypto
