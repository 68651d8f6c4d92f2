#include "protocols/llm/chat_request.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace tether::llm {

namespace {

using json = nlohmann::ordered_json;

json to_json(const chat_message& x) {
  json out = {{"role", x.role}, {"content", x.content}};
  if (!x.name.empty()) out["name"] = x.name;
  return out;
}

} // namespace

std::string participant_name(std::string_view display_name) {
  std::string out;
  bool meaningful = false;
  for (unsigned char c : display_name) {
    if (out.size() == 64) break;
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
      meaningful = true;
    } else if (c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else if (c < 0x80 || (c & 0xC0) == 0xC0) {
      // One `_` per ASCII character or per UTF-8 sequence (lead byte).
      out += '_';
    }
  }
  return meaningful ? out : std::string{};
}

std::string build_chat_request(const request_options& opts,
                               const std::vector<chat_message>& history,
                               const chat_message& user) {
  json messages = json::array();
  if (!opts.system_prompt.empty())
    messages.push_back({{"role", "system"}, {"content", opts.system_prompt}});
  for (auto& x : history)
    messages.push_back(to_json(x));
  messages.push_back(to_json(user));
  json body = {{"model", opts.model}, {"messages", std::move(messages)}};
  if (opts.temperature) body["temperature"] = *opts.temperature;
  if (opts.max_tokens) body["max_tokens"] = *opts.max_tokens;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace tether::llm
