// The unified message as JSON, for handlers outside the process (`forward`
// POSTs it, `plugin` sends it on a pipe), and the reading of their answers.
// The schema is documented in docs/handlers.md; change both together.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocols/message.hpp"

namespace tether {

/// Replies one external answer may carry; more are dropped (and reported),
/// so a runaway handler cannot flood a chat.
constexpr size_t max_reply_texts = 20;

/// Every field of `msg`, in schema order.
nlohmann::ordered_json message_json(const inbound_message& msg);

/// Compact JSON text of message_json(msg).
std::string to_json(const inbound_message& msg);

/// Compact JSON text; invalid UTF-8 (platforms and stdin may hand us any
/// bytes) becomes U+FFFD instead of an exception.
std::string dump_json(const nlohmann::ordered_json& x);

/// Parses untrusted JSON text; `discarded` when it is not JSON or nests
/// deeper than 64 levels.
nlohmann::ordered_json parse_json(std::string_view text);

/// Reply texts read from an external answer.
struct reply_texts {
  std::vector<std::string> texts;
  /// Set when the answer was unusable; `texts` is empty then.
  std::string error;
  /// Texts beyond max_reply_texts that were dropped.
  size_t dropped = 0;
};

/// Reads an HTTP answer body by its Content-Type:
/// - empty or blank body: no reply;
/// - `application/json` (or `+json`): an object with `reply` (a string) and
///   or `replies` (a list of strings); an object with neither: no reply;
/// - anything else (text/plain, no type): the body is one reply, trailing
///   whitespace removed.
/// Empty strings are skipped.
reply_texts parse_reply_body(std::string_view content_type,
                             std::string_view body);

/// Reads a JSON list of strings (`texts` of a plugin reply, `replies` of a
/// forward answer) into `out`.
void read_text_list(const nlohmann::ordered_json& list, reply_texts& out);

} // namespace tether
