#include "protocols/discord/rest_message.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tether::discord {

namespace {

using json = nlohmann::json;

bool continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The byte offset `n` code points after `pos`, at most `text.size()`. A
// code point takes at most three continuation bytes, so invalid input with
// long runs of them still advances.
size_t advance(std::string_view text, size_t pos, size_t n) {
  for (; n > 0 && pos < text.size(); --n) {
    ++pos;
    for (int i = 0; i < 3 && pos < text.size() && continuation(text[pos]); ++i)
      ++pos;
  }
  return pos;
}

bool blank(std::string_view x) {
  return std::all_of(x.begin(), x.end(), [](char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  });
}

json allowed_mentions(bool allow_user_mentions) {
  auto parse = json::array();
  if (allow_user_mentions) parse.push_back("users");
  return json{{"parse", std::move(parse)}};
}

// Replaces invalid UTF-8 instead of throwing: the text comes from users.
std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::vector<std::string> split_content(std::string_view text, size_t limit) {
  std::vector<std::string> parts;
  limit = std::max<size_t>(limit, 1);
  if (advance(text, 0, limit) == text.size()) {
    if (!text.empty()) parts.emplace_back(text);
    return parts;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    auto end = advance(text, pos, limit);
    auto part = text.substr(pos, end - pos);
    auto next = end;
    if (end < text.size()) {
      // A separator right after the limit ends a full-length part.
      auto window = text.substr(pos, end - pos + 1);
      auto cut = window.rfind('\n');
      if (cut == std::string_view::npos || cut == 0) cut = window.rfind(' ');
      if (cut != std::string_view::npos && cut > 0) {
        part = window.substr(0, cut);
        if (window[cut] == '\n' && part.back() == '\r') part.remove_suffix(1);
        next = pos + cut + 1;
      }
    }
    // Discord rejects whitespace-only content.
    if (!blank(part)) parts.emplace_back(part);
    pos = next;
  }
  return parts;
}

std::string make_nonce(uint64_t seq, uint64_t salt) {
  auto seq_digits = std::to_string(seq);
  auto salt_digits = std::to_string(salt);
  // The length prefix keeps (salt, seq) pairs from running into each
  // other when the two digit strings meet.
  auto salt_width = max_nonce - 2 - seq_digits.size();
  std::string result;
  result.reserve(max_nonce);
  result += static_cast<char>('0' + seq_digits.size() / 10);
  result += static_cast<char>('0' + seq_digits.size() % 10);
  if (salt_digits.size() > salt_width)
    salt_digits.erase(0, salt_digits.size() - salt_width);
  result.append(salt_width - salt_digits.size(), '0');
  result += salt_digits;
  result += seq_digits;
  return result;
}

std::string make_create_message(std::string_view content,
                                std::string_view nonce,
                                std::string_view reply_to_message_id,
                                bool allow_user_mentions) {
  json body{{"content", content},
            {"allowed_mentions", allowed_mentions(allow_user_mentions)}};
  if (!nonce.empty()) {
    body["nonce"] = nonce;
    // Discord then drops a retry that reuses the nonce instead of posting
    // the message twice.
    body["enforce_nonce"] = true;
  }
  if (!reply_to_message_id.empty())
    body["message_reference"] = {{"message_id", reply_to_message_id},
                                 {"fail_if_not_exists", false}};
  return dump(body);
}

std::string
make_webhook_message(std::string_view content, std::string_view username,
                     std::string_view avatar_url, bool allow_user_mentions) {
  json body{{"allowed_mentions", allowed_mentions(allow_user_mentions)}};
  if (!content.empty()) body["content"] = content;
  if (!username.empty()) body["username"] = username;
  if (!avatar_url.empty()) body["avatar_url"] = avatar_url;
  return dump(body);
}

std::string webhook_url(std::string_view url, bool wait) {
  auto hash = std::min(url.find('#'), url.size());
  auto fragment = url.substr(hash);
  url = url.substr(0, hash);
  auto question = std::min(url.find('?'), url.size());
  std::string result{url.substr(0, question)};
  auto query = url.substr(std::min(question + 1, url.size()));
  char sep = '?';
  auto add = [&](std::string_view param) {
    result += sep;
    result += param;
    sep = '&';
  };
  while (!query.empty()) {
    auto amp = std::min(query.find('&'), query.size());
    auto param = query.substr(0, amp);
    auto name = param.substr(0, param.find('='));
    if (!param.empty() && name != "wait") add(param);
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  if (wait) add("wait=true");
  result += fragment;
  return result;
}

std::optional<created_message> parse_created_message(std::string_view body) {
  auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  auto id = doc.find("id");
  if (id == doc.end() || !id->is_string()) return std::nullopt;
  created_message result;
  result.id = id->get<std::string>();
  if (auto ch = doc.find("channel_id"); ch != doc.end() && ch->is_string())
    result.channel_id = ch->get<std::string>();
  if (auto nonce = doc.find("nonce"); nonce != doc.end()) {
    if (nonce->is_string())
      result.nonce = nonce->get<std::string>();
    else if (nonce->is_number_integer())
      result.nonce = nonce->dump();
  }
  return result;
}

std::string user_agent(std::string_view version) {
  std::string result = "DiscordBot (https://github.com/tether-gateway/tether, ";
  result += version;
  result += ')';
  return result;
}

} // namespace tether::discord
