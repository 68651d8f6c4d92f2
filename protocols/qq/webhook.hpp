// QQ bot webhook mode (PROTOCOLS.md §2.6): an Ed25519 key whose seed is
// the bot secret repeated to 32 bytes; requests are signed over
// X-Signature-Timestamp + raw body; op 13 asks us to sign
// event_ts + plain_token to prove we hold the secret.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/crypto/ed25519.hpp"

namespace tether::qq {

/// The key pair for `bot_secret`; fails only for an empty secret.
std::optional<crypto::ed25519_keypair>
make_webhook_key(std::string_view bot_secret, std::string* error = nullptr);

/// Checks X-Signature-Ed25519 (`signature_hex`, 128 hex digits) over
/// `timestamp` + `body`. Like botgo, rejects a signature whose last byte
/// has any of its top three bits set before asking OpenSSL.
bool verify_request(const crypto::ed25519_keypair& key,
                    std::string_view signature_hex, std::string_view timestamp,
                    std::string_view body);

/// Hex signature of `message` (what the platform would send for it).
std::string sign_hex(const crypto::ed25519_keypair& key,
                     std::string_view message);

/// The fields of a webhook payload we dispatch on.
struct payload {
  int op = -1;
  /// `s`; 0 if absent.
  int64_t seq = 0;
  /// `t`; empty if absent.
  std::string type;
  /// `id`; empty if absent.
  std::string id;
  /// `d` as JSON text; `null` if absent.
  std::string data;
};

/// Parses `{"op":..,"d":..,"s":..,"t":..,"id":..}`; errors on malformed
/// JSON or a missing or non-integer `op`.
std::optional<payload> parse_payload(std::string_view body,
                                     std::string* error = nullptr);

/// The op 13 answer `{"plain_token":...,"signature":...}` for a request
/// `{"d":{"plain_token":...,"event_ts":...},"op":13}`. Errors when `body`
/// is not such a request.
std::optional<std::string>
validation_response(const crypto::ed25519_keypair& key, std::string_view body,
                    std::string* error = nullptr);

/// `{"op":12,"d":0}` after handling a dispatch, `{"op":12,"d":1}` to ask
/// the platform to retry it.
std::string dispatch_ack(bool ok = true);

/// `{"op":11,"d":<seq>}`, the answer to an op 1 heartbeat.
std::string heartbeat_ack(int64_t seq);

} // namespace tether::qq
