#define CAF_SUITE protocols.crypto.digest

#include "protocols/crypto/digest.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::crypto;

CAF_TEST(sha1 and sha256 match FIPS 180 examples) {
  CAF_CHECK_EQUAL(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  CAF_CHECK_EQUAL(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CAF_CHECK_EQUAL(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223"
                                     "b00361a396177a9cb410ff61f20015ad");
  CAF_CHECK_EQUAL(sha1("abc").size(), 20u);
  CAF_CHECK_EQUAL(to_hex(sha256("abc")), sha256_hex("abc"));
}

CAF_TEST(sha256 of the Feishu encrypt key matches vector V4) {
  CAF_CHECK_EQUAL(sha256_hex("test key"), "fa2bdca424f01f01ffb48df93acc35d4"
                                          "39c7fd331a1a7fba6ac2fd83aa9ab31a");
}

CAF_TEST(hmac sha256 matches RFC 4231) {
  // Test case 2.
  CAF_CHECK_EQUAL(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
                  "5bdcc146bf60754e6a042426089575c7"
                  "5a003f089d2739839dec58b964ec3843");
  // Test case 1: key = 20 bytes of 0x0b.
  CAF_CHECK_EQUAL(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
                  "b0344c61d8db38535ca8afceaf0bf12b"
                  "881dc200c9833da726e9376c2e32cff7");
  CAF_CHECK_EQUAL(hmac_sha256("", "x").size(), 32u);
}

CAF_TEST(hex round trips and rejects bad input) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  auto hex = to_hex(all);
  CAF_CHECK_EQUAL(hex.substr(0, 8), "00010203");
  CAF_CHECK_EQUAL(hex.substr(hex.size() - 4), "feff");
  CAF_CHECK(from_hex(hex) == all);
  CAF_CHECK(from_hex("ABcd") == std::string("\xab\xcd"));
  std::string error;
  CAF_CHECK(!from_hex("abc", &error));
  CAF_CHECK_EQUAL(error, "hex: odd number of digits");
  CAF_CHECK(!from_hex("zz", &error));
  CAF_CHECK_EQUAL(error, "hex: invalid digit at offset 0");
  CAF_CHECK(!from_hex("0g", &error));
  CAF_CHECK_EQUAL(error, "hex: invalid digit at offset 1");
  CAF_CHECK(from_hex("") == std::string{});
}

CAF_TEST(constant time comparison) {
  CAF_CHECK(constant_time_equal("abc", "abc"));
  CAF_CHECK(constant_time_equal("", ""));
  CAF_CHECK(!constant_time_equal("abc", "abd"));
  CAF_CHECK(!constant_time_equal("abc", "ab"));
  CAF_CHECK(!constant_time_equal("", "a"));
}
