#include "protocols/qq/webhook.hpp"

#include <nlohmann/json.hpp>

#include "protocols/crypto/digest.hpp"

namespace tether::qq {

namespace {

using json = nlohmann::ordered_json;

// nlohmann parses iteratively but dumps recursively; bound the nesting so
// dumping `d` cannot exhaust the stack.
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

template<class T>
std::optional<T> fail(std::string what, std::string* error) {
  if (error) *error = "qq webhook: " + std::move(what);
  return std::nullopt;
}

std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::optional<crypto::ed25519_keypair>
make_webhook_key(std::string_view bot_secret, std::string* error) {
  auto seed = crypto::seed_from_secret(bot_secret, error);
  if (!seed) return std::nullopt;
  return crypto::ed25519_from_seed(*seed, error);
}

bool verify_request(const crypto::ed25519_keypair& key,
                    std::string_view signature_hex, std::string_view timestamp,
                    std::string_view body) {
  auto sig = crypto::from_hex(signature_hex);
  if (!sig || sig->size() != crypto::ed25519_signature_size
      || (static_cast<unsigned char>((*sig)[63]) & 0xE0) != 0)
    return false;
  std::string message;
  message.reserve(timestamp.size() + body.size());
  message.append(timestamp);
  message.append(body);
  return crypto::ed25519_verify(key.public_key, message, *sig);
}

std::string sign_hex(const crypto::ed25519_keypair& key,
                     std::string_view message) {
  auto sig = crypto::ed25519_sign(key.seed, message);
  return sig ? crypto::to_hex(*sig) : std::string{};
}

std::optional<payload> parse_payload(std::string_view body,
                                     std::string* error) {
  auto doc = parse_json(body);
  if (!doc.is_object()) return fail<payload>("malformed JSON", error);
  payload out;
  auto op = doc.find("op");
  if (op == doc.end() || !op->is_number_integer())
    return fail<payload>("no integer op", error);
  auto op_value = op->get<int64_t>();
  if (op_value < 0 || op_value > 1000)
    return fail<payload>("op out of range", error);
  out.op = static_cast<int>(op_value);
  if (auto s = doc.find("s"); s != doc.end() && s->is_number_integer())
    out.seq = s->get<int64_t>();
  if (auto t = doc.find("t"); t != doc.end() && t->is_string())
    out.type = t->get<std::string>();
  if (auto id = doc.find("id"); id != doc.end() && id->is_string())
    out.id = id->get<std::string>();
  auto d = doc.find("d");
  out.data = d == doc.end() ? "null" : dump(*d);
  return out;
}

std::optional<std::string>
validation_response(const crypto::ed25519_keypair& key, std::string_view body,
                    std::string* error) {
  auto doc = parse_json(body);
  if (!doc.is_object()) return fail<std::string>("malformed JSON", error);
  auto op = doc.find("op");
  if (op == doc.end() || !op->is_number_integer() || op->get<int64_t>() != 13)
    return fail<std::string>("not an op 13 validation request", error);
  auto d = doc.find("d");
  if (d == doc.end() || !d->is_object())
    return fail<std::string>("validation request without d", error);
  auto token = d->find("plain_token");
  auto ts = d->find("event_ts");
  if (token == d->end() || !token->is_string() || ts == d->end()
      || !ts->is_string())
    return fail<std::string>("validation request needs plain_token and "
                             "event_ts strings",
                             error);
  auto plain_token = token->get<std::string>();
  auto sig = sign_hex(key, ts->get<std::string>() + plain_token);
  if (sig.empty()) return fail<std::string>("signing failed", error);
  return dump(json{{"plain_token", plain_token}, {"signature", sig}});
}

std::string dispatch_ack(bool ok) {
  return ok ? R"({"op":12,"d":0})" : R"({"op":12,"d":1})";
}

std::string heartbeat_ack(int64_t seq) {
  return R"({"op":11,"d":)" + std::to_string(seq) + "}";
}

} // namespace tether::qq
