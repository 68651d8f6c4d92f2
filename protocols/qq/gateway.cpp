#include "protocols/qq/gateway.hpp"

#include <algorithm>
#include <cstdint>

#include "protocols/gateway/json_fields.hpp"
#include "protocols/qq/token.hpp"

namespace tether::qq {

namespace json = gateway::json;

std::string_view opcode_name(int op) {
  switch (static_cast<opcode>(op)) {
    case opcode::dispatch: return "dispatch";
    case opcode::heartbeat: return "heartbeat";
    case opcode::identify: return "identify";
    case opcode::resume: return "resume";
    case opcode::reconnect: return "reconnect";
    case opcode::invalid_session: return "invalid_session";
    case opcode::hello: return "hello";
    case opcode::heartbeat_ack: return "heartbeat_ack";
    case opcode::http_callback_ack: return "http_callback_ack";
    case opcode::callback_validation: return "callback_validation";
  }
  return "unknown";
}

std::optional<gateway_frame> parse_frame(std::string_view text,
                                         std::string* error) {
  auto fail = [error](const char* what) -> std::optional<gateway_frame> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto obj = json::parse(text, error);
  if (!obj) return std::nullopt;
  if (!obj->is_object()) return fail("payload is not an object");
  gateway_frame f;
  auto op = json::member(*obj, "op");
  if (!op) return fail("op missing");
  if (!op->is_number_integer() || op->get<int64_t>() < 0
      || op->get<int64_t>() > 255)
    return fail("op is not a small non-negative integer");
  f.op = op->get<int>();
  if (auto s = json::member(*obj, "s"); s && !s->is_null()) {
    if (!s->is_number_integer()) return fail("s is not an integer or null");
    auto x = json::to_int(*s);
    if (!x) return fail("s is out of range");
    f.s = *x;
  }
  if (auto t = json::member(*obj, "t"); t && !t->is_null()) {
    if (!t->is_string()) return fail("t is not a string or null");
    f.t = t->get<std::string>();
  }
  if (auto id = json::member(*obj, "id"); id && !id->is_null()) {
    if (!id->is_string()) return fail("id is not a string or null");
    f.id = id->get<std::string>();
  }
  auto d = json::member(*obj, "d");
  f.d = d ? json::dump(*d) : "null";
  return f;
}

frame_kind classify(const gateway_frame& f) {
  switch (static_cast<opcode>(f.op)) {
    case opcode::dispatch:
      if (f.t == "READY") return frame_kind::ready;
      if (f.t == "RESUMED") return frame_kind::resumed;
      return frame_kind::dispatch;
    case opcode::heartbeat: return frame_kind::heartbeat_request;
    case opcode::reconnect: return frame_kind::reconnect;
    case opcode::invalid_session: return frame_kind::invalid_session;
    case opcode::hello: return frame_kind::hello;
    case opcode::heartbeat_ack: return frame_kind::heartbeat_ack;
    default: return frame_kind::other;
  }
}

std::string_view to_string(frame_kind x) {
  switch (x) {
    case frame_kind::hello: return "hello";
    case frame_kind::ready: return "ready";
    case frame_kind::resumed: return "resumed";
    case frame_kind::dispatch: return "dispatch";
    case frame_kind::heartbeat_ack: return "heartbeat_ack";
    case frame_kind::heartbeat_request: return "heartbeat_request";
    case frame_kind::reconnect: return "reconnect";
    case frame_kind::invalid_session: return "invalid_session";
    case frame_kind::other: return "other";
  }
  return "?";
}

std::optional<std::chrono::milliseconds> parse_hello(std::string_view d) {
  auto obj = json::parse_object(d);
  if (!obj) return std::nullopt;
  auto x = json::member(*obj, "heartbeat_interval");
  if (!x || !x->is_number_integer()) return std::nullopt;
  auto ms = json::to_int(*x);
  if (!ms || *ms <= 0) return std::nullopt;
  return std::chrono::milliseconds{*ms};
}

std::optional<ready_info> parse_ready(std::string_view d) {
  auto obj = json::parse_object(d);
  if (!obj) return std::nullopt;
  ready_info r;
  if (auto v = json::get_int(*obj, "version")) r.version = static_cast<int>(*v);
  auto session_id = json::get_string(*obj, "session_id");
  if (!session_id || session_id->empty()) return std::nullopt;
  r.session_id = std::move(*session_id);
  auto user = json::member(*obj, "user");
  if (!user) return std::nullopt;
  auto user_id = json::get_id(*user, "id");
  if (!user_id || user_id->empty()) return std::nullopt;
  r.user_id = std::move(*user_id);
  r.user_name = json::get_string(*user, "username").value_or("");
  if (auto bot = json::member(*user, "bot"); bot && bot->is_boolean())
    r.bot = bot->get<bool>();
  if (auto shard = json::member(*obj, "shard"); shard && !shard->is_null()) {
    if (!shard->is_array() || shard->size() != 2) return std::nullopt;
    auto id = json::to_int((*shard)[0]);
    auto n = json::to_int((*shard)[1]);
    if (!id || !n || *id < 0 || *n < 0 || *id > UINT32_MAX || *n > UINT32_MAX)
      return std::nullopt;
    r.shard.emplace(static_cast<uint32_t>(*id), static_cast<uint32_t>(*n));
  }
  return r;
}

bool parse_invalid_session(std::string_view d) {
  auto x = json::parse(d);
  return x && x->is_boolean() && x->get<bool>();
}

std::string make_identify(const identify_params& p) {
  if (p.access_token.empty() || p.shard_count == 0
      || p.shard_id >= p.shard_count)
    return {};
  // Built by hand to keep the documented key order.
  json::value token = authorization(p.access_token);
  json::value os = p.os, browser = p.browser, device = p.device;
  std::string out = R"({"op":2,"d":{"token":)";
  out += json::dump(token);
  out += R"(,"intents":)";
  out += std::to_string(p.intents);
  out += R"(,"shard":[)";
  out += std::to_string(p.shard_id);
  out += ',';
  out += std::to_string(p.shard_count);
  out += R"(],"properties":{"$os":)";
  out += json::dump(os);
  out += R"(,"$browser":)";
  out += json::dump(browser);
  out += R"(,"$device":)";
  out += json::dump(device);
  out += "}}}";
  return out;
}

std::string make_resume(std::string_view access_token,
                        std::string_view session_id, int64_t seq) {
  json::value token = authorization(access_token);
  json::value session = std::string{session_id};
  std::string out = R"({"op":6,"d":{"token":)";
  out += json::dump(token);
  out += R"(,"session_id":)";
  out += json::dump(session);
  out += R"(,"seq":)";
  out += std::to_string(seq);
  out += "}}";
  return out;
}

std::string make_heartbeat(std::optional<int64_t> seq) {
  std::string out = R"({"op":1,"d":)";
  out += seq ? std::to_string(*seq) : "null";
  out += '}';
  return out;
}

std::optional<std::string> parse_gateway_url(std::string_view body) {
  auto obj = json::parse_object(body);
  if (!obj) return std::nullopt;
  auto url = json::get_string(*obj, "url");
  if (!url || url->empty()) return std::nullopt;
  return url;
}

std::optional<gateway_bot> parse_gateway_bot(std::string_view body,
                                             std::string* error) {
  auto fail = [error](const char* what) -> std::optional<gateway_bot> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto obj = json::parse_object(body, error);
  if (!obj) return std::nullopt;
  gateway_bot r;
  auto url = json::get_string(*obj, "url");
  if (!url || url->empty()) return fail("url missing");
  r.url = std::move(*url);
  auto shards = json::get_int(*obj, "shards");
  if (!shards || *shards < 1 || *shards > UINT32_MAX)
    return fail("shards missing or not a positive integer");
  r.shards = static_cast<uint32_t>(*shards);
  if (auto limit = json::member(*obj, "session_start_limit")) {
    if (!limit->is_object()) return fail("session_start_limit is malformed");
    auto& l = r.limit;
    l.total = json::get_int(*limit, "total").value_or(0);
    l.remaining = json::get_int(*limit, "remaining").value_or(0);
    l.reset_after_ms = json::get_int(*limit, "reset_after").value_or(0);
    l.max_concurrency = std::max<int64_t>(
      json::get_int(*limit, "max_concurrency").value_or(1), 1);
  }
  return r;
}

} // namespace tether::qq
