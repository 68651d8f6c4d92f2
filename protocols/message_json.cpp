#include "protocols/message_json.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace tether {

namespace {

using json = nlohmann::ordered_json;

// nlohmann parses iteratively but walks and dumps recursively; bound the
// nesting of untrusted bodies.
constexpr int max_json_depth = 64;

json parse_limited(std::string_view text) {
  bool too_deep = false;
  json::parser_callback_t limit = [&too_deep](int depth, json::parse_event_t,
                                              json&) {
    if (depth > max_json_depth)
      too_deep = true;
    return !too_deep;
  };
  auto doc = json::parse(text.begin(), text.end(), limit, false);
  if (too_deep)
    return json(json::value_t::discarded);
  return doc;
}

std::string lower(std::string_view x) {
  std::string out{x};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

std::string_view trim(std::string_view x) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  };
  while (!x.empty() && is_space(x.front()))
    x.remove_prefix(1);
  while (!x.empty() && is_space(x.back()))
    x.remove_suffix(1);
  return x;
}

// `application/json; charset=utf-8` -> `application/json`.
std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  return lower(trim(content_type.substr(0, semi)));
}

bool is_json_type(const std::string& type) {
  return type == "application/json"
         || (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0);
}

void add_text(std::string text, reply_texts& out) {
  if (text.empty())
    return;
  if (out.texts.size() >= max_reply_texts) {
    ++out.dropped;
    return;
  }
  out.texts.push_back(std::move(text));
}

reply_texts fail(std::string why) {
  reply_texts out;
  out.error = std::move(why);
  return out;
}

} // namespace

json message_json(const inbound_message& msg) {
  json segments = json::array();
  for (auto& x : msg.segments)
    segments.push_back(
      json{{"type", x.type}, {"text", x.text}, {"target", x.target}});
  json attachments = json::array();
  for (auto& x : msg.attachments)
    attachments.push_back(json{{"url", x.url},
                               {"name", x.name},
                               {"content_type", x.content_type},
                               {"size", x.size}});
  json out;
  out["type"] = msg.type;
  out["event"] = msg.event;
  out["platform"] = msg.platform;
  out["bot"] = msg.bot;
  out["id"] = msg.id;
  out["sender"] = json{{"id", msg.sender.id}, {"name", msg.sender.name}};
  out["content"] = json{{"text", msg.text},
                        {"segments", std::move(segments)},
                        {"attachments", std::move(attachments)}};
  out["timestamp"] = msg.timestamp;
  out["context"] = json{{"room_id", msg.context.room_id},
                        {"thread_id", msg.context.thread_id},
                        {"guild_id", msg.context.guild_id}};
  out["mentions_bot"] = msg.mentions_bot;
  out["reply_to"] = msg.reply_to;
  out["raw"] = msg.raw;
  return out;
}

json parse_json(std::string_view text) {
  return parse_limited(text);
}

std::string dump_json(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_json(const inbound_message& msg) {
  return dump_json(message_json(msg));
}

void read_text_list(const json& list, reply_texts& out) {
  if (!list.is_array()) {
    out = fail("expected a list of strings");
    return;
  }
  for (auto& x : list) {
    if (!x.is_string()) {
      out = fail("expected a list of strings, found a "
                 + std::string{x.type_name()});
      return;
    }
    add_text(x.get<std::string>(), out);
  }
}

reply_texts parse_reply_body(std::string_view content_type,
                             std::string_view body) {
  reply_texts out;
  if (trim(body).empty())
    return out;
  auto type = media_type(content_type);
  if (!is_json_type(type)) {
    auto end = body.find_last_not_of(" \t\r\n");
    add_text(std::string{body.substr(0, end + 1)}, out);
    return out;
  }
  auto doc = parse_limited(body);
  if (doc.is_discarded())
    return fail("invalid JSON");
  if (!doc.is_object())
    return fail("expected a JSON object, found a "
                + std::string{doc.type_name()});
  if (auto i = doc.find("reply"); i != doc.end() && !i->is_null()) {
    if (!i->is_string())
      return fail("`reply` must be a string, found a "
                  + std::string{i->type_name()});
    add_text(i->get<std::string>(), out);
  }
  if (auto i = doc.find("replies"); i != doc.end() && !i->is_null()) {
    read_text_list(*i, out);
    if (!out.error.empty())
      out.error = "`replies`: " + out.error;
  }
  return out;
}

} // namespace tether
