// Standard base64 (RFC 4648 §4, with `=` padding) for the ciphertexts of
// Feishu and WeCom/WeChat and WeCom's EncodingAESKey.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::crypto {

/// Padded standard base64 of `data`.
std::string base64_encode(std::string_view data);

/// Decodes padded standard base64. Strict: the length must be a multiple
/// of four, only `A-Z a-z 0-9 + /` may appear, and `=` only as one or two
/// final characters; whitespace, URL-safe `-_` and missing padding are
/// errors (`*error` says which and where). Unused low bits of the last
/// symbol are ignored rather than rejected, as most decoders do, because
/// WeCom's own sample EncodingAESKey leaves them non-zero.
std::optional<std::string> base64_decode(std::string_view text,
                                         std::string* error = nullptr);

} // namespace tether::crypto
