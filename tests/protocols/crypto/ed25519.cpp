#define CAF_SUITE protocols.crypto.ed25519

#include "protocols/crypto/ed25519.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/crypto/digest.hpp"

using namespace tether::crypto;

namespace {

std::string unhex(std::string_view x) {
  return from_hex(x).value_or("<bad hex>");
}

} // namespace

CAF_TEST(RFC 8032 test 1 and 2) {
  auto kp = ed25519_from_seed(unhex("9d61b19deffd5a60ba844af492ec2cc4"
                                    "4449c5697b326919703bac031cae7f60"));
  CAF_REQUIRE(kp);
  CAF_CHECK_EQUAL(to_hex(kp->public_key), "d75a980182b10ab7d54bfed3c964073a"
                                          "0ee172f3daa62325af021a68f707511a");
  auto sig = ed25519_sign(kp->seed, "");
  CAF_REQUIRE(sig);
  CAF_CHECK_EQUAL(to_hex(*sig), "e5564300c360ac729086e2cc806e828a"
                                "84877f1eb8e5d974d873e065224901555"
                                "fb8821590a33bacc61e39701cf9b46bd2"
                                "5bf5f0595bbe24655141438e7a100b");
  CAF_CHECK(ed25519_verify(kp->public_key, "", *sig));
  auto kp2 = ed25519_from_seed(unhex("4ccd089b28ff96da9db6c346ec114e0f"
                                     "5b8a319f35aba624da8cf6ed4fb8a6fb"));
  CAF_REQUIRE(kp2);
  CAF_CHECK_EQUAL(to_hex(kp2->public_key), "3d4017c3e843895a92b70aa74d1b7ebc"
                                           "9c982ccf2ec4968cc0cd55f12af4660c");
  auto sig2 = ed25519_sign(kp2->seed, "\x72");
  CAF_REQUIRE(sig2);
  CAF_CHECK_EQUAL(to_hex(*sig2), "92a009a9f0d4cab8720e820b5f642540"
                                 "a2b27b5416503f8fb3762223ebdb69da"
                                 "085ac1e43e15996e458f3613d0f11d8c"
                                 "387b2eaeb4302aeeb00d291612bb0c00");
}

CAF_TEST(QQ seed derivation repeats the secret to 32 bytes) {
  // Vectors V1 and V2.
  CAF_CHECK(seed_from_secret("DG5g3B4j9X2KOErG")
            == std::string{"DG5g3B4j9X2KOErGDG5g3B4j9X2KOErG"});
  CAF_CHECK(seed_from_secret("naOC0ocQE3shWLAfffVLB1rhYPG7")
            == std::string{"naOC0ocQE3shWLAfffVLB1rhYPG7naOC"});
  CAF_CHECK(seed_from_secret("abc")
            == std::string{"abcabcabcabcabcabcabcabcabcabcab"});
  CAF_CHECK(seed_from_secret(std::string(40, 'z')) == std::string(32, 'z'));
  std::string error;
  CAF_CHECK(!seed_from_secret("", &error));
  CAF_CHECK_EQUAL(error, "ed25519: empty secret has no seed");
}

CAF_TEST(QQ vector V2 public key) {
  auto kp = ed25519_from_seed("naOC0ocQE3shWLAfffVLB1rhYPG7naOC");
  CAF_REQUIRE(kp);
  CAF_CHECK_EQUAL(to_hex(kp->public_key), "d7c362fe78aef81ff23287b493628b5d"
                                          "b02a3c4fe30b215e4d19609b5d76673a");
  // The 64-byte private key of Go and the docs is seed || public key.
  CAF_CHECK_EQUAL(kp->seed + kp->public_key,
                  "naOC0ocQE3shWLAfffVLB1rhYPG7naOC"
                    + unhex("d7c362fe78aef81ff23287b493628b5d"
                            "b02a3c4fe30b215e4d19609b5d76673a"));
}

CAF_TEST(tampering breaks verification) {
  auto kp = ed25519_from_seed(std::string(32, '\x07'));
  CAF_REQUIRE(kp);
  auto sig = ed25519_sign(kp->seed, "message");
  CAF_REQUIRE(sig);
  CAF_CHECK(ed25519_verify(kp->public_key, "message", *sig));
  CAF_CHECK(!ed25519_verify(kp->public_key, "messagf", *sig));
  for (size_t i : {0u, 31u, 32u, 63u}) {
    auto bad = *sig;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CAF_CHECK(!ed25519_verify(kp->public_key, "message", bad));
  }
  auto other = kp->public_key;
  other[0] = static_cast<char>(other[0] ^ 0x01);
  CAF_CHECK(!ed25519_verify(other, "message", *sig));
  CAF_CHECK(!ed25519_verify(kp->public_key, "message", sig->substr(1)));
  CAF_CHECK(!ed25519_verify(kp->public_key.substr(1), "message", *sig));
  CAF_CHECK(!ed25519_verify("", "", ""));
}

CAF_TEST(bad seeds are errors) {
  std::string error;
  CAF_CHECK(!ed25519_from_seed("short", &error));
  CAF_CHECK_EQUAL(error, "ed25519: seed must be 32 bytes, got 5");
  CAF_CHECK(!ed25519_sign(std::string(33, 'a'), "m", &error));
  CAF_CHECK_EQUAL(error, "ed25519: seed must be 32 bytes, got 33");
}
