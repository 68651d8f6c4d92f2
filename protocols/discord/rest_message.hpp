// Discord REST message bodies (PROTOCOLS.md §1.11): Create Message and
// Execute Webhook JSON, splitting long text into Discord-sized parts, and
// reading the created message back. Pure functions.

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::discord {

/// Discord's `content` limit in characters.
constexpr size_t max_content = 2000;

/// Discord's `nonce` limit in characters.
constexpr size_t max_nonce = 25;

/// Splits `text` into parts of at most `limit` Unicode code points (what
/// Discord counts), never inside a UTF-8 sequence. A part ends at the
/// last newline within the limit, else at the last space, else at the
/// limit; the newline or space it ends at is dropped (a `\r` before the
/// newline too). Text of at most `limit` code points is one part as is;
/// empty text has none; no part is empty. A part may still end inside a
/// multi-code-point emoji (ZWJ sequences, skin tones).
std::vector<std::string> split_content(std::string_view text,
                                       size_t limit = max_content);

/// A digits-only nonce of exactly 25 characters, distinct for distinct
/// `seq` under one `salt`: two digits for the length of `seq`, the low
/// digits of `salt` and then `seq`. For `seq` below 1000 the whole `salt`
/// fits, so a random salt per process keeps restarts from colliding with
/// the nonces Discord still remembers.
std::string make_nonce(uint64_t seq, uint64_t salt);

/// Create Message body: `content`, `nonce` with `enforce_nonce` (both
/// omitted if `nonce` is empty), `allowed_mentions` that pings nobody
/// (only users if `allow_user_mentions`; never @everyone or roles), and a
/// `message_reference` that does not fail when the original is gone, if
/// `reply_to_message_id` is not empty.
std::string make_create_message(std::string_view content,
                                std::string_view nonce,
                                std::string_view reply_to_message_id,
                                bool allow_user_mentions = false);

/// Execute Webhook body: `content`, and `username` and `avatar_url` unless
/// empty, with `allowed_mentions` as for `make_create_message`.
std::string make_webhook_message(std::string_view content,
                                 std::string_view username,
                                 std::string_view avatar_url,
                                 bool allow_user_mentions = false);

/// `url` with its `wait` query parameter set to true (or removed when
/// `wait` is false), keeping other parameters and a fragment.
std::string webhook_url(std::string_view url, bool wait);

/// The fields of a created message we keep.
struct created_message {
  std::string id;
  std::string channel_id;
  /// As sent; Discord echoes integer nonces as numbers.
  std::string nonce;
};

/// Reads a Create Message (or `wait=true` webhook) response; nullopt if
/// `body` is not a JSON object with a string `id`.
std::optional<created_message> parse_created_message(std::string_view body);

/// The `User-Agent` Discord requires: `DiscordBot (url, version)`.
std::string user_agent(std::string_view version);

} // namespace tether::discord
