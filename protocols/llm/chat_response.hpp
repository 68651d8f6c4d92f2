// The answer of `POST /chat/completions`: the text of the first choice, or
// the API's error object, or why the body is neither.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::llm {

/// `{"error":{"message":..,"type":..,"code":..}}`; fields the server left
/// out are empty, a numeric code is kept as its decimal text.
struct api_error {
  std::string message;
  std::string type;
  std::string code;
};

struct chat_answer {
  /// `choices[0].message.content`; empty for a null content.
  std::optional<std::string> content;
  /// The body's error object, whatever the status.
  std::optional<api_error> error;
  /// Set when the body is neither, e.g. `malformed JSON at byte 12`.
  std::string problem;
};

/// Parses a response body. Content given as an array of parts
/// (`[{"type":"text","text":..}]`) is joined.
chat_answer parse_chat_response(std::string_view body);

/// `message (type, code)` with the empty parts left out, for logs.
std::string describe(const api_error& err);

} // namespace tether::llm
