// Hashes, HMAC, hex and constant-time comparison over OpenSSL's EVP API,
// for the webhook signatures of Feishu, WeCom and WeChat. Byte strings are
// held in std::string; nothing here throws.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::crypto {

/// 20 raw bytes; empty only if OpenSSL fails (out of memory).
std::string sha1(std::string_view data);

/// 40 lowercase hex digits (empty if OpenSSL fails).
std::string sha1_hex(std::string_view data);

/// 32 raw bytes; empty only if OpenSSL fails.
std::string sha256(std::string_view data);

/// 64 lowercase hex digits (empty if OpenSSL fails).
std::string sha256_hex(std::string_view data);

/// HMAC-SHA256 as 32 raw bytes; empty only if OpenSSL fails.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

/// Decodes hex digits (either case); nullopt with `*error` set on an odd
/// length or a non-hex character.
std::optional<std::string> from_hex(std::string_view hex,
                                    std::string* error = nullptr);

/// Compares in time that depends only on the sizes, so a signature check
/// does not leak how many leading bytes matched. Different sizes compare
/// unequal at once (sizes of signatures are public).
bool constant_time_equal(std::string_view x, std::string_view y);

} // namespace tether::crypto
