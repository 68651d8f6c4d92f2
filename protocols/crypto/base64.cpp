#include "protocols/crypto/base64.hpp"

#include <climits>

#include <openssl/evp.h>

namespace tether::crypto {

namespace {

bool base64_symbol(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

std::optional<std::string> fail(std::string what, std::string* error) {
  if (error) *error = "base64: " + std::move(what);
  return std::nullopt;
}

// EVP_EncodeBlock/EVP_DecodeBlock take an int length; chunks keep huge
// inputs correct (multiples of 3 and 4 keep the chunks independent).
constexpr size_t encode_chunk = 3 * 1024 * 1024;
constexpr size_t decode_chunk = 4 * 1024 * 1024;

} // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4 + 1);
  for (size_t pos = 0; pos < data.size(); pos += encode_chunk) {
    auto part = data.substr(pos, encode_chunk);
    auto old = out.size();
    out.resize(old + (part.size() + 2) / 3 * 4 + 1);
    auto n
      = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[old]),
                        reinterpret_cast<const unsigned char*>(part.data()),
                        static_cast<int>(part.size()));
    out.resize(old + static_cast<size_t>(n));
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text,
                                         std::string* error) {
  // Validate first: EVP_DecodeBlock skips surrounding whitespace and does
  // not tell padding from data.
  if (text.size() % 4 != 0)
    return fail("length " + std::to_string(text.size())
                  + " is not a multiple of 4",
                error);
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  }
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!base64_symbol(text[i]))
      return fail(text[i] == '='
                    ? "padding inside the data at offset " + std::to_string(i)
                    : "invalid character at offset " + std::to_string(i),
                  error);
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t pos = 0; pos < text.size(); pos += decode_chunk) {
    auto part = text.substr(pos, decode_chunk);
    auto old = out.size();
    out.resize(old + part.size() / 4 * 3);
    auto n
      = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&out[old]),
                        reinterpret_cast<const unsigned char*>(part.data()),
                        static_cast<int>(part.size()));
    if (n < 0) return fail("rejected by the decoder", error);
    out.resize(old + static_cast<size_t>(n));
  }
  // EVP_DecodeBlock counts the bytes the padding stands for.
  out.resize(out.size() - padding);
  return out;
}

} // namespace tether::crypto
