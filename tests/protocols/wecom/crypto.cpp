#define CAF_SUITE protocols.wecom.crypto

#include "protocols/wecom/crypto.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/crypto/aes_cbc.hpp"
#include "protocols/crypto/base64.hpp"
#include "protocols/crypto/digest.hpp"
#include "protocols/xml/flat_xml.hpp"

using namespace tether;
using namespace tether::wecom;

namespace {

// Vector V5: the official sample's URL verification.
constexpr char token[] = "QDG6eK";
constexpr char aes_key[] = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
constexpr char corp_id[] = "wx5823bf96d3bd56c7";
constexpr char v5_signature[] = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
constexpr char v5_timestamp[] = "1409659589";
constexpr char v5_nonce[] = "263014780";
constexpr char v5_echostr[] = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1D"
                              "sH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

struct fixture {
  fixture() : crypt(*msg_crypt::make(token, aes_key, corp_id)) {
    // nop
  }

  msg_crypt crypt;
};

std::string flip(std::string x, size_t i) {
  x[i] = static_cast<char>(x[i] ^ 0x01);
  return x;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(wecom_crypto_tests, fixture)

CAF_TEST(vector V5 signature) {
  CAF_CHECK_EQUAL(msg_signature(token, v5_timestamp, v5_nonce, v5_echostr),
                  v5_signature);
  CAF_CHECK(verify_msg_signature(token, v5_timestamp, v5_nonce, v5_echostr,
                                 v5_signature));
  CAF_CHECK(verify_msg_signature(token, v5_timestamp, v5_nonce, v5_echostr,
                                 "5C45FF5E21C57E6AD56BAC8758B79B1D9AC89FD3"));
}

CAF_TEST(vector V5 URL verification answers the plaintext) {
  std::string error;
  auto reply = crypt.verify_url(v5_signature, v5_timestamp, v5_nonce,
                                v5_echostr, &error);
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(*reply, "1616140317555161061");
  auto parts = crypt.open(v5_echostr);
  CAF_REQUIRE(parts);
  CAF_CHECK_EQUAL(parts->random, "c41b64491c2468d0");
  CAF_CHECK_EQUAL(parts->msg, "1616140317555161061");
  CAF_CHECK_EQUAL(parts->receive_id, corp_id);
}

CAF_TEST(vector V5 intermediates) {
  auto key = crypto::base64_decode(std::string{aes_key} + "=");
  CAF_REQUIRE(key);
  CAF_CHECK_EQUAL(crypto::to_hex(*key), "8d69989bbaabe67328014c194631ad07"
                                        "19b3dca035b64023df292447aab60760");
  auto ct = crypto::base64_decode(v5_echostr);
  CAF_REQUIRE(ct);
  auto padded = crypto::aes256_cbc_decrypt_raw(*key, key->substr(0, 16), *ct);
  CAF_REQUIRE(padded);
  // 16 random + 4 length + 19 message + 18 corp id, then 7 bytes of 7.
  CAF_CHECK_EQUAL(padded->size(), 64u);
  CAF_CHECK_EQUAL(padded->substr(16, 4), std::string("\0\0\0\x13", 4));
  CAF_CHECK_EQUAL(padded->substr(57), std::string(7, '\x07'));
}

CAF_TEST(re - encrypting V5 with its random prefix reproduces echostr) {
  auto out = crypt.encrypt("1616140317555161061", "c41b64491c2468d0");
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(*out, v5_echostr);
}

CAF_TEST(padding goes to 32 - byte blocks) {
  // V5 pads 7 bytes, which 16-byte blocks would give too; here 43 bytes
  // of plaintext take 21 bytes of padding, where 16-byte blocks would take
  // 5. The ciphertext was computed independently of this code.
  constexpr char expected[] = "sKqRbbiSUnDhFHOvPjtUMd2aKGsnO1wGUhhgmucZyOooAmp9"
                              "WiC5uDkjoOv6eP1l5uh45DeEw9aco5AR3vyVtA==";
  auto out = crypt.encrypt("hello", "0123456789abcdef");
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(*out, expected);
  CAF_CHECK(crypt.decrypt(expected) == std::string{"hello"});
  auto padded = crypto::aes256_cbc_decrypt_raw(
    *crypto::base64_decode(std::string{aes_key} + "="),
    crypto::base64_decode(std::string{aes_key} + "=")->substr(0, 16),
    *crypto::base64_decode(expected));
  CAF_REQUIRE(padded);
  CAF_CHECK_EQUAL(padded->substr(43), std::string(21, '\x15'));
}

CAF_TEST(tampering is rejected) {
  std::string error;
  // One flipped character in each signed input.
  CAF_CHECK(!crypt.verify_url(flip(v5_signature, 0), v5_timestamp, v5_nonce,
                              v5_echostr, &error));
  CAF_CHECK_EQUAL(error, "wecom: msg_signature mismatch");
  CAF_CHECK(!crypt.verify_url(v5_signature, flip(v5_timestamp, 9), v5_nonce,
                              v5_echostr, &error));
  CAF_CHECK(!crypt.verify_url(v5_signature, v5_timestamp, flip(v5_nonce, 0),
                              v5_echostr, &error));
  CAF_CHECK(!crypt.verify_url(v5_signature, v5_timestamp, v5_nonce,
                              flip(v5_echostr, 10), &error));
  CAF_CHECK_EQUAL(error, "wecom: msg_signature mismatch");
  CAF_CHECK(!crypt.verify_url("", v5_timestamp, v5_nonce, v5_echostr, &error));
  // Another token.
  auto other = msg_crypt::make("QDG6eL", aes_key, corp_id);
  CAF_REQUIRE(other);
  CAF_CHECK(!other->verify_url(v5_signature, v5_timestamp, v5_nonce, v5_echostr,
                               &error));
}

CAF_TEST(a foreign receive id is rejected) {
  auto other = msg_crypt::make(token, aes_key, "wx5823bf96d3bd56c8");
  CAF_REQUIRE(other);
  std::string error;
  CAF_CHECK(!other->verify_url(v5_signature, v5_timestamp, v5_nonce, v5_echostr,
                               &error));
  CAF_CHECK_EQUAL(error, "wecom: receive id 'wx5823bf96d3bd56c7' is not ours");
  auto empty = msg_crypt::make(token, aes_key, "");
  CAF_REQUIRE(empty);
  CAF_CHECK(!empty->decrypt(v5_echostr, &error));
  // open() does not judge the receive id.
  CAF_CHECK(other->open(v5_echostr));
}

CAF_TEST(bad ciphertexts are errors) {
  std::string error;
  CAF_CHECK(!crypt.decrypt("not base64!", &error));
  CAF_CHECK_EQUAL(error.substr(0, 14), "wecom: base64:");
  CAF_CHECK(!crypt.decrypt("", &error));
  CAF_CHECK(
    !crypt.decrypt(crypto::base64_encode(std::string(16, 'a')), &error));
  CAF_CHECK_EQUAL(error,
                  "wecom: pkcs7: size 16 is not a positive multiple of 32");
  // Valid AES, bad padding: encrypt a block whose pad byte is 33.
  auto key = *crypto::base64_decode(std::string{aes_key} + "=");
  auto iv = key.substr(0, 16);
  auto bad_pad = crypto::aes256_cbc_encrypt_raw(key, iv, std::string(32, '!'));
  CAF_REQUIRE(bad_pad);
  CAF_CHECK(!crypt.decrypt(crypto::base64_encode(*bad_pad), &error));
  CAF_CHECK_EQUAL(error, "wecom: pkcs7: bad pad value 33");
  // Valid padding, but msg_len points past the end.
  auto plain = std::string(16, 'r') + std::string("\0\0\1\0", 4) + "short";
  auto long_len = crypto::aes256_cbc_encrypt(key, iv, plain, 32);
  CAF_REQUIRE(long_len);
  CAF_CHECK(!crypt.decrypt(crypto::base64_encode(*long_len), &error));
  CAF_CHECK_EQUAL(error, "wecom: msg_len 256 exceeds the plaintext");
  // Too short for the random prefix and length.
  auto tiny = crypto::aes256_cbc_encrypt(key, iv, "abc", 32);
  CAF_REQUIRE(tiny);
  CAF_CHECK(!crypt.decrypt(crypto::base64_encode(*tiny), &error));
  CAF_CHECK_EQUAL(error, "wecom: plaintext too short");
}

CAF_TEST(bad EncodingAESKeys are errors) {
  std::string error;
  CAF_CHECK(!msg_crypt::make(token, "short", corp_id, &error));
  CAF_CHECK_EQUAL(error,
                  "wecom: EncodingAESKey must have 43 characters, got 5");
  std::string bad{aes_key};
  bad[3] = '-';
  CAF_CHECK(!msg_crypt::make(token, bad, corp_id, &error));
  CAF_CHECK_EQUAL(error, "wecom: EncodingAESKey: base64: invalid character at "
                         "offset 3");
}

CAF_TEST(POST callbacks decrypt after the signature check) {
  auto inner = std::string{
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]>"
    "</ToUserName><FromUserName><![CDATA[mycreate]]>"
    "</FromUserName><CreateTime>1409659813</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType><Content>"
    "<![CDATA[hello]]></Content><MsgId>4561255354251345929"
    "</MsgId><AgentID>218</AgentID></xml>"};
  auto encrypt = crypt.encrypt(inner, "0123456789abcdef");
  CAF_REQUIRE(encrypt);
  auto body = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
              "<Encrypt><![CDATA["
              + *encrypt
              + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>";
  auto sig = msg_signature(token, "1409659813", "1372623149", *encrypt);
  std::string error;
  auto out = crypt.open_post(sig, "1409659813", "1372623149", body, &error);
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(*out, inner);
  // The JSON variant.
  auto json = R"({"tousername":"wx5823bf96d3bd56c7","encrypt":")" + *encrypt
              + R"(","agentid":"218"})";
  auto from_json = crypt.open_post(sig, "1409659813", "1372623149", json);
  CAF_REQUIRE(from_json);
  CAF_CHECK_EQUAL(*from_json, inner);
  // Tampered signature, timestamp and body.
  CAF_CHECK(
    !crypt.open_post(flip(sig, 39), "1409659813", "1372623149", body, &error));
  CAF_CHECK_EQUAL(error, "wecom: msg_signature mismatch");
  CAF_CHECK(!crypt.open_post(sig, "1409659814", "1372623149", body, &error));
  auto at = body.find("<![CDATA[", body.find("<Encrypt>")) + 9 + 20;
  CAF_CHECK(
    !crypt.open_post(sig, "1409659813", "1372623149", flip(body, at), &error));
  CAF_CHECK_EQUAL(error, "wecom: msg_signature mismatch");
}

CAF_TEST(malformed POST bodies never crash) {
  std::string error;
  for (auto body : {"", "<xml>", "<xml><Encrypt>x</Encrypt>", "{", "{}", "[]",
                    R"({"encrypt":1})", "<xml><A>1</A></xml>", "\x01\xff",
                    "<xml><Encrypt><![CDATA[", "{\"encrypt\":\"AAAA\"}"}) {
    CAF_CHECK(!crypt.open_post("x", "1", "2", body, &error));
    CAF_MESSAGE(error);
  }
  CAF_CHECK(!crypt.open_post("x", "1", "2", "<xml></xml>", &error));
  CAF_CHECK_EQUAL(error, "wecom: XML body has no Encrypt");
  CAF_CHECK(!crypt.open_post("x", "1", "2", "{}", &error));
  CAF_CHECK_EQUAL(error, "wecom: JSON body has no encrypt string");
}

CAF_TEST(sealed passive replies open again) {
  auto reply = std::string{"<xml><Content><![CDATA[hi]]></Content></xml>"};
  auto sealed = crypt.seal_reply(reply, "1409659813", "nonce1",
                                 "fedcba9876543210");
  CAF_REQUIRE(sealed);
  auto doc = xml::parse_flat(*sealed);
  CAF_REQUIRE(doc);
  CAF_REQUIRE_EQUAL(doc->fields.size(), 4u);
  CAF_CHECK_EQUAL(doc->fields[0].key, "Encrypt");
  CAF_CHECK_EQUAL(doc->fields[1].key, "MsgSignature");
  CAF_CHECK_EQUAL(doc->fields[2].key, "TimeStamp");
  CAF_CHECK_EQUAL(doc->fields[3].key, "Nonce");
  CAF_CHECK_EQUAL(doc->get("TimeStamp"), "1409659813");
  CAF_CHECK_EQUAL(doc->get("Nonce"), "nonce1");
  auto encrypt = doc->get("Encrypt");
  CAF_CHECK_EQUAL(doc->get("MsgSignature"),
                  msg_signature(token, "1409659813", "nonce1", encrypt));
  CAF_CHECK(crypt.encrypt(reply, "fedcba9876543210") == encrypt);
  auto parts = crypt.open(encrypt);
  CAF_REQUIRE(parts);
  CAF_CHECK_EQUAL(parts->random, "fedcba9876543210");
  CAF_CHECK_EQUAL(parts->msg, reply);
  // The exact envelope layout.
  CAF_CHECK_EQUAL(*sealed, "<xml><Encrypt><![CDATA[" + encrypt
                             + "]]></Encrypt><MsgSignature><![CDATA["
                             + doc->get("MsgSignature")
                             + "]]></MsgSignature><TimeStamp>1409659813"
                               "</TimeStamp><Nonce><![CDATA[nonce1]]></Nonce>"
                               "</xml>");
  // Fresh random prefixes differ.
  auto a = crypt.seal_reply(reply, "1", "n");
  auto b = crypt.seal_reply(reply, "1", "n");
  CAF_REQUIRE(a && b);
  CAF_CHECK_NOT_EQUAL(*a, *b);
  std::string error;
  CAF_CHECK(!crypt.encrypt("x", "short", &error));
  CAF_CHECK_EQUAL(error, "wecom: random prefix must be 16 bytes");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(sorted sha1 sorts bytewise) {
  CAF_CHECK_EQUAL(sorted_sha1({"b", "a", "C"}), crypto::sha1_hex("Cab"));
  CAF_CHECK_EQUAL(sorted_sha1({}), crypto::sha1_hex(""));
}
