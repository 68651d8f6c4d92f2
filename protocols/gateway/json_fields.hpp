// Tolerant readers over nlohmann::json for the chat-bot protocols whose
// frames are small and infrequent (QQ, mirai-api-http, OneBot): they never
// throw, and they accept the number-or-string ambiguity those platforms
// have (QQ's `expires_in` "7200", ids sent either way).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tether::gateway::json {

using value = nlohmann::json;

/// Keeps insertion order; for building frames in the documented key order.
using ordered = nlohmann::ordered_json;

/// Parses `text` as JSON; nullopt and `*error` on malformed input.
std::optional<value> parse(std::string_view text, std::string* error = nullptr);

/// Like parse(), but the top level must be an object.
std::optional<value> parse_object(std::string_view text,
                                  std::string* error = nullptr);

/// The member `key` of `obj`; null when `obj` is not an object or lacks it.
const value* member(const value& obj, std::string_view key);

/// A string member; nullopt if absent or of another type.
std::optional<std::string> get_string(const value& obj, std::string_view key);

/// An integer member given as a JSON integer or a decimal string (with an
/// optional minus sign); nullopt otherwise or when it overflows int64.
std::optional<int64_t> get_int(const value& obj, std::string_view key);

/// An integer value as above, for array elements and the like.
std::optional<int64_t> to_int(const value& x);

/// An id given as a string or an integer, as text; nullopt otherwise.
std::optional<std::string> get_id(const value& obj, std::string_view key);

/// A string or an integer as text; nullopt for other types.
std::optional<std::string> to_id(const value& x);

/// Serializes compactly; invalid UTF-8 in strings is replaced with U+FFFD
/// instead of throwing.
std::string dump(const value& x);

std::string dump(const ordered& x);

/// Parses the decimal text of an int64 (optional leading '-').
std::optional<int64_t> parse_int(std::string_view x);

} // namespace tether::gateway::json
