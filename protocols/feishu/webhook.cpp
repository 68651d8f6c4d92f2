#include "protocols/feishu/webhook.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "protocols/crypto/aes_cbc.hpp"
#include "protocols/crypto/base64.hpp"
#include "protocols/crypto/digest.hpp"

namespace tether::feishu {

namespace {

using json = nlohmann::json;

// nlohmann parses iteratively but dumps recursively; bound the nesting
// so dumping `event` cannot exhaust the stack.
constexpr int max_json_depth = 64;

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

template<class T = std::string>
std::optional<T> fail(std::string what, std::string* error) {
  if (error) *error = "feishu: " + std::move(what);
  return std::nullopt;
}

// The string at `key` of object `x`; empty if absent or not a string.
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

std::string lower(std::string_view x) {
  std::string out{x};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

struct mention {
  std::string key;
  std::string name;
  std::string open_id;
  bool is_bot = false;
};

// Builds text and segments, merging adjacent text pieces.
class text_builder {
public:
  explicit text_builder(inbound_message& msg) : msg_(msg) {
    // nop
  }

  void text(std::string_view x) {
    if (x.empty()) return;
    msg_.text.append(x);
    if (!msg_.segments.empty() && msg_.segments.back().type == "text")
      msg_.segments.back().text.append(x);
    else
      msg_.segments.push_back({"text", std::string{x}, {}});
  }

  void add(segment x) {
    msg_.text.append(x.text);
    msg_.segments.push_back(std::move(x));
  }

  void mention_of(const mention& m) {
    add({"mention", "@" + m.name, m.open_id});
  }

  // Plain text in which mention keys stand for mentions. The longest key
  // wins, so `@_user_1` does not eat the start of `@_user_10`.
  void with_mentions(std::string_view x, const std::vector<mention>& ms) {
    size_t plain = 0;
    size_t pos = 0;
    while ((pos = x.find('@', pos)) != std::string_view::npos) {
      const mention* best = nullptr;
      for (auto& m : ms)
        if (!m.key.empty() && x.substr(pos, m.key.size()) == m.key
            && (!best || m.key.size() > best->key.size()))
          best = &m;
      if (!best) {
        ++pos;
        continue;
      }
      text(x.substr(plain, pos - plain));
      mention_of(*best);
      pos += best->key.size();
      plain = pos;
    }
    text(x.substr(plain));
  }

private:
  inbound_message& msg_;
};

const mention* find_mention(const std::vector<mention>& ms,
                            std::string_view key) {
  for (auto& m : ms)
    if (m.key == key) return &m;
  return nullptr;
}

// Rich text: {"title": "...", "content": [[{"tag": "text", ...}, ...], ...]}.
void flatten_post(const json& post, const std::vector<mention>& ms,
                  text_builder& out) {
  auto title = str(post, "title");
  bool first_line = true;
  if (!title.empty()) {
    out.text(title);
    first_line = false;
  }
  auto& paragraphs = member(post, "content");
  if (!paragraphs.is_array()) return;
  for (auto& line : paragraphs) {
    if (!first_line) out.text("\n");
    first_line = false;
    if (!line.is_array()) continue;
    for (auto& item : line) {
      auto tag = str(item, "tag");
      if (tag == "text" || tag == "a" || tag == "md") {
        out.with_mentions(str(item, "text"), ms);
      } else if (tag == "at") {
        auto key = str(item, "user_id");
        if (auto m = find_mention(ms, key))
          out.mention_of(*m);
        else
          out.add({"mention", "@" + str(item, "user_name"), key});
      } else if (tag == "img") {
        out.add({"image", {}, str(item, "image_key")});
      } else if (tag == "emotion") {
        out.add({"emoji", {}, str(item, "emoji_type")});
      }
    }
  }
}

} // namespace

std::string signature(std::string_view timestamp, std::string_view nonce,
                      std::string_view encrypt_key, std::string_view body) {
  std::string data;
  data.reserve(timestamp.size() + nonce.size() + encrypt_key.size()
               + body.size());
  data.append(timestamp);
  data.append(nonce);
  data.append(encrypt_key);
  data.append(body);
  return crypto::sha256_hex(data);
}

bool verify_signature(std::string_view timestamp, std::string_view nonce,
                      std::string_view encrypt_key, std::string_view body,
                      std::string_view sig) {
  return crypto::constant_time_equal(lower(sig), signature(timestamp, nonce,
                                                           encrypt_key, body));
}

std::optional<std::string> decrypt(std::string_view encrypt,
                                   std::string_view encrypt_key,
                                   std::string* error) {
  std::string why;
  auto raw = crypto::base64_decode(encrypt, &why);
  if (!raw) return fail(why, error);
  if (raw->size() < 2 * crypto::aes_block_size)
    return fail("ciphertext too short", error);
  std::string_view x{*raw};
  auto plain = crypto::aes256_cbc_decrypt(crypto::sha256(encrypt_key),
                                          x.substr(0, crypto::aes_block_size),
                                          x.substr(crypto::aes_block_size),
                                          crypto::aes_block_size, &why);
  if (!plain) return fail(why, error);
  return plain;
}

std::optional<std::string> encrypt(std::string_view plaintext,
                                   std::string_view encrypt_key,
                                   std::string_view iv, std::string* error) {
  std::string why;
  auto ct = crypto::aes256_cbc_encrypt(crypto::sha256(encrypt_key), iv,
                                       plaintext, crypto::aes_block_size, &why);
  if (!ct) return fail(why, error);
  return crypto::base64_encode(std::string{iv} + *ct);
}

std::optional<std::string> open_body(std::string_view body,
                                     std::string_view encrypt_key,
                                     std::string* error) {
  auto doc = parse_json(body);
  if (!doc.is_object()) return fail("body is not a JSON object", error);
  auto i = doc.find("encrypt");
  if (i == doc.end()) return std::string{body};
  if (!i->is_string()) return fail("encrypt is not a string", error);
  if (encrypt_key.empty())
    return fail("encrypted body but no encrypt key configured", error);
  return decrypt(i->get<std::string>(), encrypt_key, error);
}

std::optional<url_verification> as_url_verification(std::string_view text) {
  auto doc = parse_json(text);
  if (str(doc, "type") != "url_verification") return std::nullopt;
  auto challenge = member(doc, "challenge");
  if (!challenge.is_string()) return std::nullopt;
  return url_verification{challenge.get<std::string>(), str(doc, "token")};
}

std::string challenge_response(std::string_view challenge) {
  return dump(json{{"challenge", challenge}});
}

std::optional<envelope> parse_envelope(std::string_view text,
                                       std::string* error) {
  auto doc = parse_json(text);
  if (!doc.is_object()) return fail<envelope>("malformed event JSON", error);
  if (str(doc, "schema") != "2.0")
    return fail<envelope>("not a schema 2.0 event", error);
  auto& header = member(doc, "header");
  if (!header.is_object()) return fail<envelope>("event without header", error);
  envelope env;
  env.event_id = str(header, "event_id");
  env.event_type = str(header, "event_type");
  if (env.event_id.empty() || env.event_type.empty())
    return fail<envelope>("header lacks event_id or event_type", error);
  env.create_time = str(header, "create_time");
  env.token = str(header, "token");
  env.app_id = str(header, "app_id");
  env.tenant_key = str(header, "tenant_key");
  env.event = dump(member(doc, "event"));
  return env;
}

std::optional<inbound_message>
convert_message_receive(const envelope& env, const webhook_config& cfg,
                        std::string* error) {
  if (env.event_type != "im.message.receive_v1")
    return fail<inbound_message>(
      "not im.message.receive_v1 but " + env.event_type, error);
  auto event = parse_json(env.event);
  auto& message = member(event, "message");
  inbound_message msg;
  msg.platform = "feishu";
  msg.bot = cfg.bot_name;
  msg.id = str(message, "message_id");
  msg.context.room_id = str(message, "chat_id");
  if (msg.id.empty() || msg.context.room_id.empty())
    return fail<inbound_message>("message lacks message_id or chat_id", error);
  msg.context.thread_id = str(message, "thread_id");
  msg.reply_to = str(message, "parent_id");
  msg.sender.id = str(member(member(event, "sender"), "sender_id"), "open_id");
  auto millis = str(message, "create_time");
  if (millis.empty()) millis = env.create_time;
  if (!millis.empty() && millis.size() <= 18
      && std::all_of(millis.begin(), millis.end(), [](char c) {
           return c >= '0' && c <= '9';
         }))
    msg.timestamp = std::stoll(millis) / 1000;
  msg.raw = env.event;
  auto is_bot = [&cfg](const std::string& id) {
    return !id.empty()
           && std::find(cfg.bot_ids.begin(), cfg.bot_ids.end(), id)
                != cfg.bot_ids.end();
  };
  std::vector<mention> mentions;
  if (auto& ms = member(message, "mentions"); ms.is_array()) {
    for (auto& m : ms) {
      auto& id = member(m, "id");
      mention x{str(m, "key"), str(m, "name"), str(id, "open_id")};
      x.is_bot = is_bot(x.open_id) || is_bot(str(id, "user_id"))
                 || is_bot(str(id, "union_id"));
      msg.mentions_bot = msg.mentions_bot || x.is_bot;
      mentions.push_back(std::move(x));
    }
  }
  if (str(message, "chat_type") == "p2p") msg.mentions_bot = true;
  auto& content_text = member(message, "content");
  if (!content_text.is_string())
    return fail<inbound_message>("message content is not a string", error);
  auto content = parse_json(content_text.get<std::string>());
  if (!content.is_object())
    return fail<inbound_message>("message content is not a JSON object", error);
  auto type = str(message, "message_type");
  text_builder out{msg};
  if (type == "text") {
    out.with_mentions(str(content, "text"), mentions);
  } else if (type == "post") {
    flatten_post(content, mentions, out);
  } else if (type == "image") {
    out.add({"image", {}, str(content, "image_key")});
  } else {
    out.add({type, {}, {}});
  }
  return msg;
}

std::string success_response() {
  return R"({"msg":"success"})";
}

outcome handle_request(const request& req, const webhook_config& cfg) {
  outcome out;
  auto reject = [&out](int status, std::string why) {
    out.kind = outcome_kind::rejected;
    out.status = status;
    out.error = std::move(why);
    return out;
  };
  // With an encrypt key, check a given signature before decrypting, and
  // answer every failure of an unsigned body alike, so that nobody can
  // tell bad padding from a bad signature (a padding oracle).
  bool encrypted = !cfg.encrypt_key.empty();
  bool has_signature = !req.signature.empty();
  bool signed_ok = encrypted && has_signature
                   && verify_signature(req.timestamp, req.nonce,
                                       cfg.encrypt_key, req.body,
                                       req.signature);
  if (encrypted && has_signature && !signed_ok)
    return reject(401, "feishu: signature mismatch");
  std::string why;
  auto plain = open_body(req.body, cfg.encrypt_key, &why);
  if (!plain) return reject(encrypted && !signed_ok ? 401 : 400, why);
  if (auto challenge = as_url_verification(*plain)) {
    if (!cfg.verification_token.empty()
        && !crypto::constant_time_equal(challenge->token,
                                        cfg.verification_token))
      return reject(401, "feishu: url_verification token mismatch");
    out.kind = outcome_kind::challenge;
    out.status = 200;
    out.response = challenge_response(challenge->challenge);
    return out;
  }
  if (encrypted && !signed_ok) return reject(401, "feishu: signature mismatch");
  auto env = parse_envelope(*plain, &why);
  if (!env) return reject(400, why);
  if (!cfg.verification_token.empty()
      && !crypto::constant_time_equal(env->token, cfg.verification_token))
    return reject(401, "feishu: verification token mismatch");
  out.kind = outcome_kind::event;
  out.status = 200;
  out.response = success_response();
  out.event = std::move(env);
  return out;
}

} // namespace tether::feishu
