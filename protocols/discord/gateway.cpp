#include "protocols/discord/gateway.hpp"

#include <algorithm>

#include "protocols/discord/json_input.hpp"

namespace od = simdjson::ondemand;

namespace tether::discord {

namespace {

using detail::for_each_field;
using detail::is_null;
using detail::read_int;
using detail::read_string;

// -- reading ------------------------------------------------------------------

const char* describe(simdjson::error_code e) {
  switch (e) {
    case simdjson::EMPTY: return "empty input";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::UNCLOSED_STRING: return "unclosed string";
    case simdjson::UNESCAPED_CHARS: return "unescaped control character";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "truncated JSON";
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::CAPACITY: return "input too large";
    default: return "malformed JSON";
  }
}

// Copies the text of `v` verbatim, checking scalars completely (the
// on-demand parser would accept `nul` as a token).
bool raw_value(od::value& v, std::string& out) {
  od::json_type t;
  if (v.type().get(t)) return false;
  std::string_view raw;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (v.get_object().get(o) || o.raw_json().get(raw)) return false;
      break;
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a) || a.raw_json().get(raw)) return false;
      break;
    }
    case od::json_type::number: {
      raw = v.raw_json_token();
      double x;
      if (v.get_double().get(x)) return false;
      break;
    }
    case od::json_type::string: {
      raw = v.raw_json_token();
      std::string_view x;
      if (v.get_string().get(x)) return false;
      break;
    }
    case od::json_type::boolean: {
      raw = v.raw_json_token();
      bool x;
      if (v.get_bool().get(x)) return false;
      break;
    }
    case od::json_type::null: {
      raw = v.raw_json_token();
      bool x = false;
      if (v.is_null().get(x) || !x) return false;
      break;
    }
  }
  raw = detail::trim(raw);
  out.assign(raw.data(), raw.size());
  return true;
}

// Runs `on_field(key, value)` for every member of the object `json`.
template<class F>
bool for_each_field(std::string_view json, F&& on_field) {
  detail::json_input in{json};
  od::document doc;
  return !in.iterate().get(doc) && detail::for_each_field(doc, on_field);
}

// -- writing ------------------------------------------------------------------

void append_json_string(std::string& out, std::string_view x) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : x) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string checked(std::string frame) {
  if (frame.size() > max_send_frame) return {};
  return frame;
}

} // namespace

std::string_view opcode_name(int op) {
  switch (static_cast<opcode>(op)) {
    case opcode::dispatch: return "dispatch";
    case opcode::heartbeat: return "heartbeat";
    case opcode::identify: return "identify";
    case opcode::presence_update: return "presence_update";
    case opcode::voice_state_update: return "voice_state_update";
    case opcode::resume: return "resume";
    case opcode::reconnect: return "reconnect";
    case opcode::request_guild_members: return "request_guild_members";
    case opcode::invalid_session: return "invalid_session";
    case opcode::hello: return "hello";
    case opcode::heartbeat_ack: return "heartbeat_ack";
  }
  return "unknown";
}

std::optional<gateway_frame> parse_frame(std::string_view json,
                                         std::string* error) {
  auto fail = [error](const char* what) -> std::optional<gateway_frame> {
    if (error) *error = what;
    return std::nullopt;
  };
  detail::json_input in{json};
  od::document doc;
  od::object obj;
  if (auto e = in.iterate().get(doc)) return fail(describe(e));
  od::json_type root;
  if (auto e = doc.type().get(root)) return fail(describe(e));
  if (root != od::json_type::object) return fail("payload is not an object");
  if (auto e = doc.get_object().get(obj)) return fail(describe(e));
  gateway_frame f;
  bool have_op = false;
  bool have_d = false;
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (auto e = field.unescaped_key().get(key)) return fail(describe(e));
    if (auto e = field.value().get(v)) return fail(describe(e));
    if (key == "op") {
      if (!read_int(v, f.op) || f.op < 0)
        return fail("op is not a non-negative integer");
      have_op = true;
    } else if (key == "s") {
      if (is_null(v)) {
        f.s.reset();
      } else {
        int64_t s = 0;
        if (!read_int(v, s)) return fail("s is not an integer or null");
        f.s = s;
      }
    } else if (key == "t") {
      if (is_null(v))
        f.t.clear();
      else if (!read_string(v, f.t))
        return fail("t is not a string or null");
    } else if (key == "d") {
      if (!raw_value(v, f.d)) return fail("malformed d");
      have_d = true;
    }
    // Other keys (none today) are skipped unread.
  }
  if (!detail::at_end(doc)) return fail("trailing data after the payload");
  if (!have_op) return fail("op missing");
  if (!have_d) f.d = "null";
  return f;
}

std::optional<std::chrono::milliseconds> parse_hello(std::string_view d) {
  int64_t interval = 0;
  auto ok = for_each_field(d, [&](std::string_view key, od::value& v) {
    return key != "heartbeat_interval" || read_int(v, interval);
  });
  if (!ok || interval <= 0) return std::nullopt;
  return std::chrono::milliseconds{interval};
}

std::optional<ready_info> parse_ready(std::string_view d) {
  ready_info r;
  auto read_user = [&r](std::string_view key, od::value& v) {
    if (key == "id") return read_string(v, r.user_id);
    if (key == "username") return read_string(v, r.user_name);
    return true;
  };
  auto read_shard = [&r](od::value& v) {
    od::array a;
    if (v.get_array().get(a)) return false;
    uint32_t xs[2];
    size_t n = 0;
    for (auto item : a) {
      od::value x;
      if (item.get(x) || n == 2 || !read_int(x, xs[n])) return false;
      ++n;
    }
    if (n != 2) return false;
    r.shard.emplace(xs[0], xs[1]);
    return true;
  };
  auto ok = for_each_field(d, [&](std::string_view key, od::value& v) {
    if (key == "session_id") return read_string(v, r.session_id);
    if (key == "resume_gateway_url")
      return read_string(v, r.resume_gateway_url);
    if (key == "user") return for_each_field(v, read_user);
    if (key == "shard") return is_null(v) || read_shard(v);
    return true; // guilds, application, ... are skipped unread
  });
  if (!ok || r.session_id.empty() || r.user_id.empty()) return std::nullopt;
  return r;
}

std::optional<bool> parse_invalid_session(std::string_view d) {
  d = detail::trim(d);
  if (d == "true") return true;
  if (d == "false") return false;
  return std::nullopt;
}

std::string make_identify(const identify_params& p) {
  if (p.shard_count == 0 || p.shard_id >= p.shard_count) return {};
  std::string out;
  out.reserve(256 + p.token.size());
  out += R"({"op":2,"d":{"token":)";
  append_json_string(out, p.token);
  out += R"(,"properties":{"os":)";
  append_json_string(out, p.os);
  out += R"(,"browser":)";
  append_json_string(out, p.browser);
  out += R"(,"device":)";
  append_json_string(out, p.device);
  out += R"(},"large_threshold":)";
  out += std::to_string(std::clamp(p.large_threshold, 50, 250));
  out += R"(,"shard":[)";
  out += std::to_string(p.shard_id);
  out += ',';
  out += std::to_string(p.shard_count);
  out += R"(],"intents":)";
  out += std::to_string(p.intents);
  out += "}}";
  return checked(std::move(out));
}

std::string make_resume(const std::string& token, const std::string& session_id,
                        int64_t seq) {
  std::string out;
  out.reserve(64 + token.size() + session_id.size());
  out += R"({"op":6,"d":{"token":)";
  append_json_string(out, token);
  out += R"(,"session_id":)";
  append_json_string(out, session_id);
  out += R"(,"seq":)";
  out += std::to_string(seq);
  out += "}}";
  return checked(std::move(out));
}

std::string make_heartbeat(std::optional<int64_t> seq) {
  std::string out = R"({"op":1,"d":)";
  out += seq ? std::to_string(*seq) : "null";
  out += '}';
  return out;
}

std::optional<gateway_bot> parse_gateway_bot(std::string_view body) {
  gateway_bot r;
  // One bit per member that must be present.
  enum : unsigned {
    url = 1,
    shards = 2,
    total = 4,
    remaining = 8,
    reset_after = 16,
    max_concurrency = 32,
    all = 63,
  };
  unsigned seen = 0;
  auto mark = [&seen](bool ok, unsigned bit) {
    seen |= ok ? bit : 0;
    return ok;
  };
  auto read_limit = [&](std::string_view key, od::value& v) {
    auto& l = r.limit;
    if (key == "total") return mark(read_int(v, l.total), total);
    if (key == "remaining") return mark(read_int(v, l.remaining), remaining);
    if (key == "reset_after")
      return mark(read_int(v, l.reset_after_ms), reset_after);
    if (key == "max_concurrency")
      return mark(read_int(v, l.max_concurrency), max_concurrency);
    return true;
  };
  auto ok = for_each_field(body, [&](std::string_view key, od::value& v) {
    if (key == "url") return mark(read_string(v, r.url), url);
    if (key == "shards") return mark(read_int(v, r.shards), shards);
    if (key == "session_start_limit") return for_each_field(v, read_limit);
    return true;
  });
  if (!ok || seen != all || r.url.empty() || r.shards == 0
      || r.limit.max_concurrency < 1)
    return std::nullopt;
  return r;
}

std::string gateway_query_url(std::string base, bool zlib_stream) {
  if (auto pos = base.find('#'); pos != std::string::npos) base.resize(pos);
  auto scheme = base.find("://");
  auto host = scheme == std::string::npos ? 0 : scheme + 3;
  std::string query;
  if (auto pos = base.find('?', host); pos != std::string::npos) {
    query = base.substr(pos + 1);
    base.resize(pos);
  }
  if (base.find('/', host) == std::string::npos) base += '/';
  base += '?';
  // Keep foreign parameters, drop the ones we set.
  size_t first = 0;
  while (first < query.size()) {
    auto last = std::min(query.find('&', first), query.size());
    std::string_view param{query.data() + first, last - first};
    auto name = param.substr(0, param.find('='));
    if (!param.empty() && name != "v" && name != "encoding"
        && name != "compress") {
      base += param;
      base += '&';
    }
    first = last + 1;
  }
  base += "v=";
  base += std::to_string(api_version);
  base += "&encoding=json";
  if (zlib_stream) base += "&compress=zlib-stream";
  return base;
}

} // namespace tether::discord
