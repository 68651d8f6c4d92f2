// The body of an OpenAI-compatible `POST /chat/completions`: the system
// prompt, the conversation so far and the new user message.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::llm {

/// One entry of `messages`.
struct chat_message {
  /// `system`, `user` or `assistant`.
  std::string role;
  std::string content;
  /// The speaker (`name`), already a valid participant name or empty.
  std::string name;
};

struct request_options {
  std::string model;
  /// Empty: no system message.
  std::string system_prompt;
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
};

/// A participant name the API accepts: `[A-Za-z0-9_-]`, at most 64
/// characters. Other characters become `_`; a name without any letter or
/// digit left (e.g. all CJK) is dropped (empty), since `___` tells the
/// model nothing.
std::string participant_name(std::string_view display_name);

/// The JSON body: `{"model":..,"messages":[system?, history..., user]}`
/// plus `temperature` and `max_tokens` when set. Invalid UTF-8 in any text
/// is replaced by U+FFFD instead of failing.
std::string build_chat_request(const request_options& opts,
                               const std::vector<chat_message>& history,
                               const chat_message& user);

} // namespace tether::llm
