#include "protocols/plugin/protocol.hpp"

#include <nlohmann/json.hpp>

#include "protocols/message_json.hpp"

namespace tether::plugin {

namespace {

using json = nlohmann::ordered_json;

// The string at `key`, or nullptr if absent or not a string.
const json* string_at(const json& obj, const char* key) {
  auto i = obj.find(key);
  if (i == obj.end() || !i->is_string())
    return nullptr;
  return &*i;
}

frame bad(std::string why) {
  return bad_frame{std::move(why)};
}

frame read_hello(const json& doc) {
  hello_frame out;
  auto name = string_at(doc, "name");
  if (name == nullptr || name->get<std::string>().empty())
    return bad("hello: `name` must be a non-empty string");
  out.name = name->get<std::string>();
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer())
    return bad("hello: `version` must be an integer");
  auto v = version->get<int64_t>();
  if (v != protocol_version)
    return bad("hello: unsupported protocol version " + std::to_string(v)
               + " (tetherd speaks " + std::to_string(protocol_version)
               + ")");
  out.version = static_cast<int>(v);
  return out;
}

frame read_reply(const json& doc) {
  reply_frame out;
  auto id = string_at(doc, "id");
  if (id == nullptr)
    return bad("reply: `id` must be a string");
  out.id = id->get<std::string>();
  auto texts = doc.find("texts");
  if (texts == doc.end())
    return bad("reply: `texts` is missing");
  reply_texts read;
  read_text_list(*texts, read);
  if (!read.error.empty())
    return bad("reply: `texts`: " + read.error);
  out.texts = std::move(read.texts);
  out.dropped = read.dropped;
  return out;
}

frame read_log(const json& doc) {
  log_frame out;
  auto message = string_at(doc, "message");
  if (message == nullptr)
    return bad("log: `message` must be a string");
  out.message = message->get<std::string>();
  if (auto level = string_at(doc, "level"))
    out.level = parse_level(level->get<std::string>());
  return out;
}

} // namespace

std::string make_hello(const std::string& handler) {
  json out;
  out["type"] = "hello";
  out["version"] = protocol_version;
  out["handler"] = handler;
  return dump_json(out);
}

std::string make_call(const std::string& id, const inbound_message& msg) {
  json out;
  out["type"] = "message";
  out["id"] = id;
  out["message"] = message_json(msg);
  return dump_json(out);
}

frame parse_line(std::string_view line) {
  auto doc = parse_json(line);
  if (doc.is_discarded())
    return bad("not JSON");
  if (!doc.is_object())
    return bad("expected a JSON object, found a "
               + std::string{doc.type_name()});
  auto type = string_at(doc, "type");
  if (type == nullptr)
    return bad("`type` must be a string");
  auto& t = type->get_ref<const std::string&>();
  if (t == "hello")
    return read_hello(doc);
  if (t == "reply")
    return read_reply(doc);
  if (t == "log")
    return read_log(doc);
  return bad("unknown type `" + t.substr(0, 40) + "`");
}

spdlog::level::level_enum parse_level(std::string_view name) {
  using spdlog::level::level_enum;
  if (name == "trace")
    return level_enum::trace;
  if (name == "debug")
    return level_enum::debug;
  if (name == "warn" || name == "warning")
    return level_enum::warn;
  if (name == "error")
    return level_enum::err;
  return level_enum::info;
}

} // namespace tether::plugin
