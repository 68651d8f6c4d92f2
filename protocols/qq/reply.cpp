#include "protocols/qq/reply.hpp"

#include <algorithm>

#include "protocols/gateway/json_fields.hpp"

namespace tether::qq {

namespace json = gateway::json;

std::string_view api_base(bool sandbox) {
  return sandbox ? sandbox_api_base : production_api_base;
}

std::string send_path(scene s, std::string_view id) {
  if (id.empty()) return {};
  for (char c : id) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '/' || c == '?' || c == '#' || c == '%')
      return {};
  }
  std::string path;
  switch (s) {
    case scene::guild_channel: path = "/channels/"; break;
    case scene::guild_dm: path = "/dms/"; break;
    case scene::group: path = "/v2/groups/"; break;
    case scene::c2c: path = "/v2/users/"; break;
  }
  path += id;
  path += "/messages";
  return path;
}

std::chrono::seconds passive_reply_window(scene s) {
  using namespace std::chrono_literals;
  return s == scene::c2c ? 60min : 5min;
}

uint32_t passive_reply_limit(scene s) {
  return s == scene::c2c || s == scene::group ? 5 : 0;
}

std::string make_text_body(std::string_view content, std::string_view msg_id,
                           uint32_t msg_seq) {
  // Built by hand to keep the documented key order.
  std::string out = R"({"content":)";
  out += json::dump(json::value(std::string{content}));
  out += R"(,"msg_type":0)";
  if (!msg_id.empty()) {
    out += R"(,"msg_id":)";
    out += json::dump(json::value(std::string{msg_id}));
    out += R"(,"msg_seq":)";
    out += std::to_string(msg_seq);
  }
  out += '}';
  return out;
}

// -- msg_seq_tracker ----------------------------------------------------------

msg_seq_tracker::msg_seq_tracker(size_t capacity)
  : capacity_(capacity > 0 ? capacity : 1) {
  // nop
}

msg_seq_tracker::entry& msg_seq_tracker::insert(const std::string& msg_id,
                                                scene s, time_point start) {
  if (entries_.size() >= capacity_) {
    auto victim = by_expiry_.begin();
    entries_.erase(victim->second);
    by_expiry_.erase(victim);
  }
  auto expires = start + passive_reply_window(s);
  auto slot = by_expiry_.emplace(expires, msg_id);
  auto& e = entries_[msg_id];
  e.where = s;
  e.expires = expires;
  e.used = 0;
  e.slot = slot;
  return e;
}

void msg_seq_tracker::note_received(const std::string& msg_id, scene s,
                                    time_point received) {
  // Duplicated pushes of the same msg_id happen; keep the first window
  // and the numbers already handed out.
  if (entries_.count(msg_id) == 0) insert(msg_id, s, received);
}

msg_seq_tracker::grant msg_seq_tracker::next(const std::string& msg_id, scene s,
                                             time_point now) {
  auto i = entries_.find(msg_id);
  entry* e = i != entries_.end() ? &i->second : &insert(msg_id, s, now);
  if (now >= e->expires) return {status::window_expired, 0};
  auto limit = passive_reply_limit(e->where);
  if (limit > 0 && e->used >= limit) return {status::limit_reached, 0};
  return {status::ok, ++e->used};
}

msg_seq_tracker::grant msg_seq_tracker::use(const std::string& msg_id, scene s,
                                            uint32_t seq, time_point now) {
  if (seq == 0) return next(msg_id, s, now);
  auto i = entries_.find(msg_id);
  entry* e = i != entries_.end() ? &i->second : &insert(msg_id, s, now);
  if (now >= e->expires) return {status::window_expired, 0};
  auto limit = passive_reply_limit(e->where);
  if (limit > 0 && seq > limit)
    return {status::limit_reached, 0};
  e->used = std::max(e->used, seq);
  return {status::ok, seq};
}

void msg_seq_tracker::expire(time_point now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    entries_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

std::string_view to_string(msg_seq_tracker::status x) {
  switch (x) {
    case msg_seq_tracker::status::ok: return "ok";
    case msg_seq_tracker::status::window_expired: return "window_expired";
    case msg_seq_tracker::status::limit_reached: return "limit_reached";
  }
  return "?";
}

// -- requests and responses ---------------------------------------------------

std::optional<send_request> make_request(const outbound_reply& reply,
                                         bool sandbox, uint32_t msg_seq) {
  auto room = parse_room(reply.context.room_id);
  if (!room) return std::nullopt;
  auto path = send_path(room->scene, room->id);
  if (path.empty()) return std::nullopt;
  send_request r;
  r.url = api_base(sandbox);
  r.url += path;
  r.body = make_text_body(reply.text, reply.reply_to, msg_seq);
  return r;
}

std::optional<api_error> parse_api_error(std::string_view body) {
  auto obj = json::parse_object(body);
  if (!obj) return std::nullopt;
  auto code = json::get_int(*obj, "code");
  if (!code) return std::nullopt;
  api_error e;
  e.code = *code;
  e.message = json::get_string(*obj, "message").value_or("");
  e.err_code = json::get_int(*obj, "err_code").value_or(0);
  return e;
}

std::optional<sent_message> parse_send_response(std::string_view body) {
  auto obj = json::parse_object(body);
  if (!obj) return std::nullopt;
  auto id = json::get_id(*obj, "id");
  if (!id || id->empty()) return std::nullopt;
  sent_message r;
  r.id = std::move(*id);
  if (auto ts = json::member(*obj, "timestamp")) {
    if (auto text = json::to_id(*ts)) r.timestamp = std::move(*text);
  }
  return r;
}

} // namespace tether::qq
