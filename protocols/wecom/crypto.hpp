// WeCom's callback encryption (PROTOCOLS.md §6.1), which WeChat Official
// Accounts reuse in safe mode with the AppID as receive id (§7):
// - msg_signature = sha1_hex of the sorted concatenation of token,
//   timestamp, nonce and the ciphertext;
// - AES key = base64(EncodingAESKey + "="), IV = its first 16 bytes;
// - AES-256-CBC over random(16) | msg_len (4 bytes, big endian) | msg |
//   receive id, PKCS#7-padded to 32-byte blocks.

#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace tether::wecom {

/// WeCom pads to 32 bytes, not the AES block size.
constexpr size_t pad_block = 32;

/// Size of the random prefix of each plaintext.
constexpr size_t random_size = 16;

/// sha1_hex of the parts sorted bytewise and concatenated: the scheme
/// behind both WeCom's msg_signature and WeChat's plain `signature`.
std::string sorted_sha1(std::initializer_list<std::string_view> parts);

/// msg_signature over (token, timestamp, nonce, encrypt).
std::string msg_signature(std::string_view token, std::string_view timestamp,
                          std::string_view nonce, std::string_view encrypt);

/// Compares `signature` (hex, either case) with msg_signature in constant
/// time.
bool verify_msg_signature(std::string_view token, std::string_view timestamp,
                          std::string_view nonce, std::string_view encrypt,
                          std::string_view signature);

/// One decrypted plaintext, split into its parts.
struct plaintext {
  std::string random;
  std::string msg;
  std::string receive_id;
};

/// The token, AES key and receive id of one app; checks and opens its
/// callbacks and seals its passive replies.
class msg_crypt {
public:
  // -- constructors, destructors, and assignment operators ------------------

  /// Fails unless `encoding_aes_key` is 43 base64 characters giving a
  /// 32-byte key.
  static std::optional<msg_crypt>
  make(std::string token, std::string_view encoding_aes_key,
       std::string receive_id, std::string* error = nullptr);

  // -- properties ------------------------------------------------------------

  const std::string& token() const noexcept {
    return token_;
  }

  const std::string& receive_id() const noexcept {
    return receive_id_;
  }

  // -- observers -------------------------------------------------------------

  /// Decrypts base64 `encrypt` into its parts without checking the receive
  /// id. Errors: bad base64, size, padding, or a msg_len beyond the data.
  std::optional<plaintext> open(std::string_view encrypt,
                                std::string* error = nullptr) const;

  /// Decrypts and returns the message; a receive id other than ours is an
  /// error.
  std::optional<std::string> decrypt(std::string_view encrypt,
                                     std::string* error = nullptr) const;

  /// Base64 ciphertext of `msg` with the given 16-byte random prefix.
  std::optional<std::string> encrypt(std::string_view msg,
                                     std::string_view random,
                                     std::string* error = nullptr) const;

  /// As above with a fresh random prefix.
  std::optional<std::string> encrypt(std::string_view msg,
                                     std::string* error = nullptr) const;

  /// GET URL verification: checks msg_signature over `echostr` (already
  /// URL-decoded) and returns the plaintext to answer with.
  std::optional<std::string>
  verify_url(std::string_view signature, std::string_view timestamp,
             std::string_view nonce, std::string_view echostr,
             std::string* error = nullptr) const;

  /// POST callback: takes the `Encrypt` field of the XML body (or of the
  /// JSON variant `{"encrypt": ...}`), checks msg_signature over it and
  /// returns the decrypted inner XML.
  std::optional<std::string>
  open_post(std::string_view signature, std::string_view timestamp,
            std::string_view nonce, std::string_view body,
            std::string* error = nullptr) const;

  /// Encrypts a passive reply (inner XML) and wraps it in the envelope
  /// `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`.
  std::optional<std::string>
  seal_reply(std::string_view reply, std::string_view timestamp,
             std::string_view nonce, std::string_view random,
             std::string* error = nullptr) const;

  /// As above with a fresh random prefix.
  std::optional<std::string>
  seal_reply(std::string_view reply, std::string_view timestamp,
             std::string_view nonce, std::string* error = nullptr) const;

private:
  msg_crypt(std::string token, std::string key, std::string receive_id);

  // -- member variables ------------------------------------------------------

  std::string token_;
  /// 32 raw bytes; the IV is its first 16.
  std::string key_;
  std::string receive_id_;
};

} // namespace tether::wecom
