#include "protocols/wecom/crypto.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/crypto/aes_cbc.hpp"
#include "protocols/crypto/base64.hpp"
#include "protocols/crypto/digest.hpp"
#include "protocols/xml/flat_xml.hpp"

namespace tether::wecom {

namespace {

template<class T = std::string>
std::optional<T> fail(std::string what, std::string* error) {
  if (error) *error = "wecom: " + std::move(what);
  return std::nullopt;
}

std::string lower(std::string_view x) {
  std::string out{x};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The `Encrypt` field of an XML body, or `encrypt` of the JSON variant.
std::optional<std::string> encrypt_field(std::string_view body,
                                         std::string* error) {
  auto start = body.find_first_not_of(" \t\r\n");
  if (start != std::string_view::npos && body[start] == '{') {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_object()) return fail("malformed JSON body", error);
    auto i = doc.find("encrypt");
    if (i == doc.end() || !i->is_string())
      return fail("JSON body has no encrypt string", error);
    return i->get<std::string>();
  }
  std::string why;
  auto doc = xml::parse_flat(body, &why);
  if (!doc) return fail(why, error);
  auto x = doc->find("Encrypt");
  if (!x) return fail("XML body has no Encrypt", error);
  return *x;
}

} // namespace

std::string sorted_sha1(std::initializer_list<std::string_view> parts) {
  std::vector<std::string_view> xs{parts};
  std::sort(xs.begin(), xs.end());
  std::string joined;
  for (auto x : xs)
    joined.append(x);
  return crypto::sha1_hex(joined);
}

std::string msg_signature(std::string_view token, std::string_view timestamp,
                          std::string_view nonce, std::string_view encrypt) {
  return sorted_sha1({token, timestamp, nonce, encrypt});
}

bool verify_msg_signature(std::string_view token, std::string_view timestamp,
                          std::string_view nonce, std::string_view encrypt,
                          std::string_view signature) {
  return crypto::constant_time_equal(
    lower(signature), msg_signature(token, timestamp, nonce, encrypt));
}

msg_crypt::msg_crypt(std::string token, std::string key, std::string receive_id)
  : token_(std::move(token)),
    key_(std::move(key)),
    receive_id_(std::move(receive_id)) {
  // nop
}

std::optional<msg_crypt>
msg_crypt::make(std::string token, std::string_view encoding_aes_key,
                std::string receive_id, std::string* error) {
  if (encoding_aes_key.size() != 43)
    return fail<msg_crypt>("EncodingAESKey must have 43 characters, got "
                             + std::to_string(encoding_aes_key.size()),
                           error);
  std::string why;
  auto key = crypto::base64_decode(std::string{encoding_aes_key} + "=", &why);
  if (!key) return fail<msg_crypt>("EncodingAESKey: " + why, error);
  if (key->size() != crypto::aes256_key_size)
    return fail<msg_crypt>("EncodingAESKey does not give 32 bytes", error);
  return msg_crypt{std::move(token), std::move(*key), std::move(receive_id)};
}

std::optional<plaintext> msg_crypt::open(std::string_view encrypt,
                                         std::string* error) const {
  std::string why;
  auto ct = crypto::base64_decode(encrypt, &why);
  if (!ct) return fail<plaintext>(why, error);
  auto iv = std::string_view{key_}.substr(0, crypto::aes_block_size);
  auto plain = crypto::aes256_cbc_decrypt(key_, iv, *ct, pad_block, &why);
  if (!plain) return fail<plaintext>(why, error);
  std::string_view x{*plain};
  if (x.size() < random_size + 4)
    return fail<plaintext>("plaintext too short", error);
  auto len_bytes = x.substr(random_size, 4);
  uint32_t len = 0;
  for (unsigned char c : len_bytes)
    len = (len << 8) | c;
  auto rest = x.substr(random_size + 4);
  if (len > rest.size())
    return fail<plaintext>(
      "msg_len " + std::to_string(len) + " exceeds the plaintext", error);
  return plaintext{std::string{x.substr(0, random_size)},
                   std::string{rest.substr(0, len)},
                   std::string{rest.substr(len)}};
}

std::optional<std::string> msg_crypt::decrypt(std::string_view encrypt,
                                              std::string* error) const {
  auto x = open(encrypt, error);
  if (!x) return std::nullopt;
  // Not secret, so a plain comparison will do.
  if (x->receive_id != receive_id_)
    return fail("receive id '" + x->receive_id + "' is not ours", error);
  return std::move(x->msg);
}

std::optional<std::string> msg_crypt::encrypt(std::string_view msg,
                                              std::string_view random,
                                              std::string* error) const {
  if (random.size() != random_size)
    return fail("random prefix must be 16 bytes", error);
  if (msg.size() > UINT32_MAX) return fail("message too large", error);
  std::string plain;
  plain.reserve(random_size + 4 + msg.size() + receive_id_.size());
  plain.append(random);
  auto len = static_cast<uint32_t>(msg.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    plain += static_cast<char>((len >> shift) & 0xFF);
  plain.append(msg);
  plain.append(receive_id_);
  std::string why;
  auto iv = std::string_view{key_}.substr(0, crypto::aes_block_size);
  auto ct = crypto::aes256_cbc_encrypt(key_, iv, plain, pad_block, &why);
  if (!ct) return fail(why, error);
  return crypto::base64_encode(*ct);
}

std::optional<std::string> msg_crypt::encrypt(std::string_view msg,
                                              std::string* error) const {
  std::string why;
  auto random = crypto::random_bytes(random_size, &why);
  if (!random) return fail(why, error);
  return encrypt(msg, *random, error);
}

std::optional<std::string>
msg_crypt::verify_url(std::string_view signature, std::string_view timestamp,
                      std::string_view nonce, std::string_view echostr,
                      std::string* error) const {
  if (!verify_msg_signature(token_, timestamp, nonce, echostr, signature))
    return fail("msg_signature mismatch", error);
  return decrypt(echostr, error);
}

std::optional<std::string>
msg_crypt::open_post(std::string_view signature, std::string_view timestamp,
                     std::string_view nonce, std::string_view body,
                     std::string* error) const {
  auto encrypt = encrypt_field(body, error);
  if (!encrypt) return std::nullopt;
  if (!verify_msg_signature(token_, timestamp, nonce, *encrypt, signature))
    return fail("msg_signature mismatch", error);
  return decrypt(*encrypt, error);
}

std::optional<std::string>
msg_crypt::seal_reply(std::string_view reply, std::string_view timestamp,
                      std::string_view nonce, std::string_view random,
                      std::string* error) const {
  auto encrypt = this->encrypt(reply, random, error);
  if (!encrypt) return std::nullopt;
  return xml::flat_writer{}
    .cdata("Encrypt", *encrypt)
    .cdata("MsgSignature", msg_signature(token_, timestamp, nonce, *encrypt))
    .text("TimeStamp", timestamp)
    .cdata("Nonce", nonce)
    .finish();
}

std::optional<std::string>
msg_crypt::seal_reply(std::string_view reply, std::string_view timestamp,
                      std::string_view nonce, std::string* error) const {
  std::string why;
  auto random = crypto::random_bytes(random_size, &why);
  if (!random) return fail(why, error);
  return seal_reply(reply, timestamp, nonce, *random, error);
}

} // namespace tether::wecom
