#include "protocols/discord/interaction.hpp"

#include <cstdint>

#include <nlohmann/json.hpp>

#include "protocols/crypto/digest.hpp"
#include "protocols/crypto/ed25519.hpp"

namespace tether::discord {

namespace {

using json = nlohmann::ordered_json;

// nlohmann parses iteratively but walks and dumps recursively; bound the
// nesting of untrusted bodies.
constexpr int max_json_depth = 64;

// Sub-command group > sub-command > options.
constexpr int max_option_depth = 3;

json parse_json(std::string_view text) {
  bool too_deep = false;
  json::parser_callback_t limit = [&too_deep](int depth, json::parse_event_t,
                                              json&) {
    if (depth > max_json_depth) too_deep = true;
    return !too_deep;
  };
  auto doc = json::parse(text.begin(), text.end(), limit, false);
  if (too_deep) return json(json::value_t::discarded);
  return doc;
}

std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

template<class T>
std::optional<T> fail(std::string what, std::string* error) {
  if (error) *error = "discord interaction: " + std::move(what);
  return std::nullopt;
}

std::string str(const json& x, const char* key) {
  if (!x.is_object()) return {};
  auto i = x.find(key);
  return i != x.end() && i->is_string() ? i->get<std::string>() : std::string{};
}

const json& member(const json& x, const char* key) {
  static const json null;
  if (!x.is_object()) return null;
  auto i = x.find(key);
  return i != x.end() ? *i : null;
}

// Appends " name" for sub-commands and " value" for options.
void render_options(const json& options, int depth, std::string& out) {
  if (!options.is_array() || depth > max_option_depth) return;
  for (auto& opt : options) {
    auto& value = member(opt, "value");
    if (value.is_null()) {
      // A sub-command (group): its name, then what it holds.
      auto name = str(opt, "name");
      if (name.empty()) continue;
      out += ' ';
      out += name;
      render_options(member(opt, "options"), depth + 1, out);
    } else {
      out += ' ';
      out += value.is_string() ? value.get<std::string>() : dump(value);
    }
  }
}

// Discord's epoch in unix milliseconds (2015-01-01).
constexpr uint64_t discord_epoch = 1420070400000;

int64_t snowflake_seconds(const std::string& id) {
  if (id.empty() || id.size() > 20) return 0;
  uint64_t x = 0;
  for (auto c : id) {
    if (c < '0' || c > '9') return 0;
    auto next = x * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != x) return 0; // overflow
    x = next;
  }
  return static_cast<int64_t>(((x >> 22) + discord_epoch) / 1000);
}

} // namespace

bool verify_interaction(std::string_view public_key_hex,
                        std::string_view signature_hex,
                        std::string_view timestamp, std::string_view body) {
  auto key = crypto::from_hex(public_key_hex);
  auto sig = crypto::from_hex(signature_hex);
  if (!key || !sig) return false;
  std::string message;
  message.reserve(timestamp.size() + body.size());
  message.append(timestamp);
  message.append(body);
  return crypto::ed25519_verify(*key, message, *sig);
}

std::optional<interaction> parse_interaction(std::string_view body,
                                             std::string* error) {
  auto doc = parse_json(body);
  if (!doc.is_object()) return fail<interaction>("malformed JSON", error);
  auto& type = member(doc, "type");
  if (!type.is_number_integer())
    return fail<interaction>("no integer type", error);
  interaction out;
  auto t = type.get<int64_t>();
  if (t < 0 || t > 1000) return fail<interaction>("type out of range", error);
  out.type = static_cast<int>(t);
  out.id = str(doc, "id");
  out.application_id = str(doc, "application_id");
  out.token = str(doc, "token");
  if (out.type != static_cast<int>(interaction_type::ping)
      && (out.id.empty() || out.application_id.empty() || out.token.empty()))
    return fail<interaction>("missing id, application_id or token", error);
  return out;
}

std::optional<inbound_message> convert_command(std::string_view body,
                                               const std::string& bot_name,
                                               std::string* error) {
  auto doc = parse_json(body);
  if (!doc.is_object()) return fail<inbound_message>("malformed JSON", error);
  auto& type = member(doc, "type");
  if (!type.is_number_integer()
      || type.get<int64_t>()
           != static_cast<int64_t>(interaction_type::application_command))
    return fail<inbound_message>("not an application command", error);
  auto& data = member(doc, "data");
  auto name = str(data, "name");
  if (name.empty()) return fail<inbound_message>("command without name", error);
  auto& guild_member = member(doc, "member");
  auto& user = guild_member.is_object() ? member(guild_member, "user")
                                        : member(doc, "user");
  inbound_message msg;
  msg.sender.id = str(user, "id");
  if (msg.sender.id.empty())
    return fail<inbound_message>("command without user id", error);
  msg.sender.name = str(guild_member, "nick");
  if (msg.sender.name.empty()) msg.sender.name = str(user, "global_name");
  if (msg.sender.name.empty()) msg.sender.name = str(user, "username");
  msg.platform = "discord";
  msg.bot = bot_name;
  msg.id = str(doc, "id");
  msg.timestamp = snowflake_seconds(msg.id);
  msg.context.room_id = str(doc, "channel_id");
  if (msg.context.room_id.empty())
    msg.context.room_id = str(member(doc, "channel"), "id");
  msg.context.guild_id = str(doc, "guild_id");
  msg.text = "/" + name;
  render_options(member(data, "options"), 1, msg.text);
  msg.segments.push_back({"text", msg.text, {}});
  msg.mentions_bot = true;
  msg.raw = body;
  return msg;
}

std::string pong_response() {
  return R"({"type":1})";
}

std::string deferred_response() {
  return R"({"type":5})";
}

std::string message_response(std::string_view content) {
  json body{
    {"type", 4},
    {"data",
     {{"content", content}, {"allowed_mentions", {{"parse", json::array()}}}}},
  };
  return dump(body);
}

std::string followup_path(std::string_view application_id,
                          std::string_view token) {
  std::string out = "/webhooks/";
  out.append(application_id);
  out += '/';
  out.append(token);
  return out;
}

} // namespace tether::discord
