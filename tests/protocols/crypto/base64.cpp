#define CAF_SUITE protocols.crypto.base64

#include "protocols/crypto/base64.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/crypto/digest.hpp"

using namespace tether::crypto;

namespace {

std::string decode_error(std::string_view text) {
  std::string error;
  if (base64_decode(text, &error)) return "decoded";
  return error;
}

} // namespace

CAF_TEST(RFC 4648 examples) {
  const char* table[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
  };
  for (auto& row : table) {
    CAF_CHECK_EQUAL(base64_encode(row[0]), row[1]);
    CAF_CHECK(base64_decode(row[1]) == std::string{row[0]});
  }
}

CAF_TEST(binary round trip) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(255 - i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    auto part = all.substr(0, n);
    CAF_CHECK(base64_decode(base64_encode(part)) == part);
  }
}

CAF_TEST(the WeCom key of vector V5 decodes despite non - zero pad bits) {
  auto key = base64_decode("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C=");
  CAF_REQUIRE(key);
  CAF_CHECK_EQUAL(to_hex(*key), "8d69989bbaabe67328014c194631ad07"
                                "19b3dca035b64023df292447aab60760");
}

CAF_TEST(strict decoding rejects sloppy input with a clear error) {
  CAF_CHECK_EQUAL(decode_error("Zm9"),
                  "base64: length 3 is not a multiple of 4");
  CAF_CHECK_EQUAL(decode_error("Zg"),
                  "base64: length 2 is not a multiple of 4");
  CAF_CHECK_EQUAL(decode_error("Zm9v\n"),
                  "base64: length 5 is not a multiple of 4");
  CAF_CHECK_EQUAL(decode_error("Zm 9"),
                  "base64: invalid character at offset 2");
  CAF_CHECK_EQUAL(decode_error("Zm-_"),
                  "base64: invalid character at offset 2");
  CAF_CHECK_EQUAL(decode_error("Z=9v"),
                  "base64: padding inside the data at offset 1");
  CAF_CHECK_EQUAL(decode_error("Z==="),
                  "base64: padding inside the data at offset 1");
  CAF_CHECK_EQUAL(decode_error("===="),
                  "base64: padding inside the data at offset 0");
  CAF_CHECK_EQUAL(decode_error("Zg==Zg=="),
                  "base64: padding inside the data at offset 2");
  CAF_CHECK_EQUAL(decode_error(std::string("Zm\0v", 4)),
                  "base64: invalid character at offset 2");
  CAF_CHECK_EQUAL(decode_error("Zm9v"), "decoded");
}
