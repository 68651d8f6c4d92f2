// Feishu/Lark event subscription over HTTP (PROTOCOLS.md §5.1, §5.2):
// request signature, decryption of `{"encrypt": ...}` bodies,
// url_verification, the schema 2.0 envelope and im.message.receive_v1
// into the unified message model. Pure functions; handle_request() puts
// them together the way a webhook endpoint uses them.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/message.hpp"

namespace tether::feishu {

struct webhook_config {
  /// Name of the configured bot (inbound_message::bot).
  std::string bot_name;
  /// The app's Encrypt Key; empty when encryption is off, which also
  /// turns off the signature.
  std::string encrypt_key;
  /// The app's Verification Token; empty: not checked.
  std::string verification_token;
  /// Ids that mean "this bot" in mentions: its open_id (and app_id).
  std::vector<std::string> bot_ids;
};

// -- signature and encryption -------------------------------------------------

/// X-Lark-Signature: lowercase sha256_hex(timestamp + nonce + encrypt_key +
/// body), plain SHA-256 rather than HMAC.
std::string signature(std::string_view timestamp, std::string_view nonce,
                      std::string_view encrypt_key, std::string_view body);

/// Compares `sig` (hex, either case) in constant time.
bool verify_signature(std::string_view timestamp, std::string_view nonce,
                      std::string_view encrypt_key, std::string_view body,
                      std::string_view sig);

/// Decrypts the base64 `encrypt` value: key = SHA256(encrypt_key), IV =
/// the first 16 bytes of the decoded data, AES-256-CBC, PKCS#7 (16).
std::optional<std::string> decrypt(std::string_view encrypt,
                                   std::string_view encrypt_key,
                                   std::string* error = nullptr);

/// The inverse of decrypt() with the given 16-byte IV.
std::optional<std::string>
encrypt(std::string_view plaintext, std::string_view encrypt_key,
        std::string_view iv, std::string* error = nullptr);

/// The JSON a body stands for: decrypted when it is `{"encrypt": ...}`
/// (which needs a non-empty `encrypt_key`), else the body itself.
/// Errors: malformed JSON, or a body that cannot be decrypted.
std::optional<std::string> open_body(std::string_view body,
                                     std::string_view encrypt_key,
                                     std::string* error = nullptr);

// -- url_verification ---------------------------------------------------------

struct url_verification {
  std::string challenge;
  std::string token;
};

/// The challenge if `json` (plaintext, see open_body) is a
/// url_verification request; nullopt for anything else.
std::optional<url_verification> as_url_verification(std::string_view json);

/// `{"challenge":"..."}`.
std::string challenge_response(std::string_view challenge);

// -- events -------------------------------------------------------------------

/// A schema 2.0 event.
struct envelope {
  std::string event_id;
  std::string event_type;
  /// Milliseconds, as the decimal string Feishu sends.
  std::string create_time;
  std::string token;
  std::string app_id;
  std::string tenant_key;
  /// The `event` object as JSON text.
  std::string event;
};

/// Parses the plaintext JSON of an event. Errors: malformed JSON, no
/// `"schema":"2.0"` (v1 events are not supported), no header object or
/// no event_id or event_type in it.
std::optional<envelope> parse_envelope(std::string_view json,
                                       std::string* error = nullptr);

/// Converts an `im.message.receive_v1` event:
/// - `platform` "feishu", `bot` = cfg.bot_name, `id` = message_id, `raw` =
///   the event JSON, `timestamp` = message create_time in seconds;
/// - `sender.id` = sender open_id; `context`: room = chat_id, thread =
///   thread_id; `reply_to` = parent_id;
/// - `text` (message_type `text`): the content's text with each mention
///   key (`@_user_1`) replaced by `@name`; `segments`: `text` pieces and
///   one `mention` per key (target open_id); `post` is flattened the same
///   way (title, then paragraphs on their own lines); `image` gives an
///   `image` segment (target image_key); other types one segment named
///   after the type;
/// - `mentions_bot`: a mention's open_id, user_id or union_id is in
///   cfg.bot_ids, or the chat is p2p.
/// Errors: another event type, no message_id or chat_id, a content that
/// is not a JSON string holding an object.
std::optional<inbound_message>
convert_message_receive(const envelope& env, const webhook_config& cfg,
                        std::string* error = nullptr);

/// The body of a successful event answer: `{"msg":"success"}`.
std::string success_response();

// -- one request
// ----------------------------------------------------------------

struct request {
  /// X-Lark-Request-Timestamp.
  std::string_view timestamp;
  /// X-Lark-Request-Nonce.
  std::string_view nonce;
  /// X-Lark-Signature.
  std::string_view signature;
  std::string_view body;
};

enum class outcome_kind {
  /// Answer `response` (the challenge) with `status` 200.
  challenge,
  /// A verified event in `event`; answer `response` with 200.
  event,
  /// Answer `status` (400 or 401); `error` says why.
  rejected,
};

struct outcome {
  outcome_kind kind = outcome_kind::rejected;
  int status = 400;
  std::string response;
  std::optional<envelope> event;
  std::string error;
};

/// With an encrypt key: rejects a wrong signature before decrypting, and
/// accepts an unsigned body only as url_verification (the SDKs skip the
/// signature for it); a body that does not decrypt is a 401 unless it was
/// signed, so padding errors cannot be told from signature errors. Then
/// answers url_verification after checking its token, or parses the
/// envelope and checks header.token.
outcome handle_request(const request& req, const webhook_config& cfg);

} // namespace tether::feishu
