#define CAF_SUITE protocols.wechat.signature

#include "protocols/wechat/signature.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/crypto/digest.hpp"

using namespace tether;
using namespace tether::wechat;

CAF_TEST(vector V8) {
  CAF_CHECK_EQUAL(crypto::sha1_hex("15147114921714036504AAAAA"),
                  "f464b24fc39322e44b38aa78f5edd27bd1441696");
  CAF_CHECK_EQUAL(signature("AAAAA", "1714036504", "1514711492"),
                  "f464b24fc39322e44b38aa78f5edd27bd1441696");
  std::string error;
  auto reply = verify_url("AAAAA", "f464b24fc39322e44b38aa78f5edd27bd1441696",
                          "1714036504", "1514711492", "4375120948345356249",
                          &error);
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(*reply, "4375120948345356249");
}

CAF_TEST(order of the inputs does not matter but their values do) {
  // Sorting makes the roles interchangeable.
  CAF_CHECK_EQUAL(signature("1514711492", "AAAAA", "1714036504"),
                  signature("AAAAA", "1714036504", "1514711492"));
  CAF_CHECK(verify_signature("AAAAA", "1714036504", "1514711492",
                             "F464B24FC39322E44B38AA78F5EDD27BD1441696"));
  std::string error;
  CAF_CHECK(!verify_url("AAAAB", "f464b24fc39322e44b38aa78f5edd27bd1441696",
                        "1714036504", "1514711492", "x", &error));
  CAF_CHECK_EQUAL(error, "wechat: signature mismatch");
  CAF_CHECK(!verify_url("AAAAA", "f464b24fc39322e44b38aa78f5edd27bd1441696",
                        "1714036505", "1514711492", "x"));
  CAF_CHECK(!verify_url("AAAAA", "f464b24fc39322e44b38aa78f5edd27bd1441696",
                        "1714036504", "1514711493", "x"));
  CAF_CHECK(!verify_url("AAAAA", "f464b24fc39322e44b38aa78f5edd27bd1441697",
                        "1714036504", "1514711492", "x"));
  CAF_CHECK(!verify_url("AAAAA", "", "1714036504", "1514711492", "x"));
}

CAF_TEST(safe mode uses the WeCom scheme with the AppID) {
  // The WeCom sample key and ciphertext of vector V5, whose receive id
  // doubles as an AppID here.
  auto crypt = make_safe_crypt("QDG6eK",
                               "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                               "wx5823bf96d3bd56c7");
  CAF_REQUIRE(crypt);
  CAF_CHECK_EQUAL(crypt->receive_id(), "wx5823bf96d3bd56c7");
  auto echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdt"
                 "p+4RPcs8TgAE7OaBO+FZXvnaqQ==";
  CAF_CHECK(crypt->decrypt(echostr) == std::string{"1616140317555161061"});
  auto other = make_safe_crypt("QDG6eK",
                               "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                               "wx0000000000000000");
  CAF_REQUIRE(other);
  std::string error;
  CAF_CHECK(!other->decrypt(echostr, &error));
  CAF_CHECK_EQUAL(error, "wecom: receive id 'wx5823bf96d3bd56c7' is not ours");
  CAF_CHECK(!make_safe_crypt("t", "too short", "wx", &error));
}
