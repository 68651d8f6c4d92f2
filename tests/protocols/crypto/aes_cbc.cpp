#define CAF_SUITE protocols.crypto.aes_cbc

#include "protocols/crypto/aes_cbc.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/crypto/base64.hpp"
#include "protocols/crypto/digest.hpp"

using namespace tether::crypto;

namespace {

std::string unhex(std::string_view x) {
  return from_hex(x).value_or("<bad hex>");
}

} // namespace

CAF_TEST(NIST SP 800 - 38A F .2.5 and F .2.6) {
  auto key = unhex("603deb1015ca71be2b73aef0857d7781"
                   "1f352c073b6108d72d9810a30914dff4");
  auto iv = unhex("000102030405060708090a0b0c0d0e0f");
  auto plain = unhex("6bc1bee22e409f96e93d7e117393172a"
                     "ae2d8a571e03ac9c9eb76fac45af8e51");
  auto cipher = aes256_cbc_encrypt_raw(key, iv, plain);
  CAF_REQUIRE(cipher);
  CAF_CHECK_EQUAL(to_hex(*cipher), "f58c4c04d6e5f1ba779eabfb5f7bfbd6"
                                   "9cfc4e967edb808d679f777bc6702c7d");
  auto back = aes256_cbc_decrypt_raw(key, iv, *cipher);
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(to_hex(*back), to_hex(plain));
}

CAF_TEST(Feishu vector V4 decrypts to hello world) {
  auto raw = base64_decode("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=");
  CAF_REQUIRE(raw);
  CAF_REQUIRE_EQUAL(raw->size(), 32u);
  auto iv = raw->substr(0, 16);
  auto ct = raw->substr(16);
  CAF_CHECK_EQUAL(to_hex(iv), "3f7ef0f9564898d80f10ed5106127a46");
  CAF_CHECK_EQUAL(to_hex(ct), "d2a5ee7eb3ca621b106d6945e1338219");
  auto key = sha256("test key");
  auto padded = aes256_cbc_decrypt_raw(key, iv, ct);
  CAF_REQUIRE(padded);
  CAF_CHECK_EQUAL(*padded, "hello world" + std::string(5, '\x05'));
  auto plain = aes256_cbc_decrypt(key, iv, ct, 16);
  CAF_REQUIRE(plain);
  CAF_CHECK_EQUAL(*plain, "hello world");
  // And back.
  auto again = aes256_cbc_encrypt(key, iv, "hello world", 16);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(to_hex(*again), to_hex(ct));
}

CAF_TEST(pkcs7 with 16 and 32 byte blocks) {
  CAF_CHECK_EQUAL(pkcs7_pad("", 16), std::string(16, '\x10'));
  CAF_CHECK_EQUAL(pkcs7_pad("abc", 16), "abc" + std::string(13, '\x0d'));
  CAF_CHECK_EQUAL(pkcs7_pad(std::string(16, 'x'), 16).size(), 32u);
  CAF_CHECK_EQUAL(pkcs7_pad("abc", 32), "abc" + std::string(29, '\x1d'));
  CAF_CHECK_EQUAL(pkcs7_pad(std::string(32, 'x'), 32),
                  std::string(32, 'x') + std::string(32, '\x20'));
  for (size_t n = 0; n < 70; ++n) {
    std::string data(n, 'a');
    CAF_CHECK(pkcs7_unpad(pkcs7_pad(data, 32), 32) == data);
    CAF_CHECK(pkcs7_unpad(pkcs7_pad(data, 16), 16) == data);
  }
}

CAF_TEST(bad padding is an error) {
  std::string error;
  auto good = "abc" + std::string(13, '\x0d');
  CAF_CHECK(pkcs7_unpad(good, 16));
  auto zero = "abc" + std::string(12, '\x0d') + '\0';
  CAF_CHECK(!pkcs7_unpad(zero, 16, &error));
  CAF_CHECK_EQUAL(error, "pkcs7: bad pad value 0");
  auto too_big = std::string(15, 'a') + '\x11';
  CAF_CHECK(!pkcs7_unpad(too_big, 16, &error));
  CAF_CHECK_EQUAL(error, "pkcs7: bad pad value 17");
  // Valid for 32-byte blocks, not for 16.
  auto wide = std::string(12, 'a') + std::string(20, '\x14');
  CAF_CHECK(pkcs7_unpad(wide, 32));
  CAF_CHECK(!pkcs7_unpad(wide, 16, &error));
  auto mixed = good;
  mixed[5] = '\x0c';
  CAF_CHECK(!pkcs7_unpad(mixed, 16, &error));
  CAF_CHECK_EQUAL(error, "pkcs7: inconsistent padding bytes");
  CAF_CHECK(!pkcs7_unpad("", 16, &error));
  CAF_CHECK(!pkcs7_unpad(std::string(17, '\x01'), 16, &error));
  CAF_CHECK_EQUAL(error, "pkcs7: size 17 is not a positive multiple of 16");
}

CAF_TEST(a wrong key gives bad padding rather than garbage) {
  auto key = sha256("right");
  std::string iv(16, '\x01');
  auto ct = aes256_cbc_encrypt(key, iv, "some secret text", 32);
  CAF_REQUIRE(ct);
  CAF_CHECK_EQUAL(ct->size(), 32u);
  CAF_CHECK(aes256_cbc_decrypt(key, iv, *ct, 32)
            == std::string{"some secret text"});
  // A wrong key almost surely breaks the padding (this one does).
  std::string error;
  CAF_CHECK(!aes256_cbc_decrypt(sha256("wrong"), iv, *ct, 32, &error));
  CAF_CHECK_EQUAL(error.substr(0, 6), "pkcs7:");
}

CAF_TEST(size errors) {
  std::string error;
  auto key = sha256("k");
  std::string iv(16, '\0');
  CAF_CHECK(
    !aes256_cbc_encrypt_raw(key.substr(1), iv, std::string(16, 'a'), &error));
  CAF_CHECK_EQUAL(error, "aes-256-cbc encrypt: key must be 32 bytes, got 31");
  CAF_CHECK(
    !aes256_cbc_decrypt_raw(key, iv.substr(2), std::string(16, 'a'), &error));
  CAF_CHECK_EQUAL(error, "aes-256-cbc decrypt: iv must be 16 bytes, got 14");
  CAF_CHECK(!aes256_cbc_decrypt_raw(key, iv, std::string(17, 'a'), &error));
  CAF_CHECK_EQUAL(error,
                  "aes-256-cbc decrypt: size 17 is not a multiple of 16");
  CAF_CHECK(!aes256_cbc_decrypt(key, iv, "", 16, &error));
  CAF_CHECK(!aes256_cbc_encrypt(key, iv, "x", 20, &error));
}

CAF_TEST(random bytes differ) {
  auto a = random_bytes(16);
  auto b = random_bytes(16);
  CAF_REQUIRE(a && b);
  CAF_CHECK_EQUAL(a->size(), 16u);
  CAF_CHECK_NOT_EQUAL(*a, *b);
  CAF_CHECK(random_bytes(0) == std::string{});
}
