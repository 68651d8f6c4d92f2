#include "protocols/onebot/api.hpp"

#include "protocols/gateway/json_fields.hpp"
#include "protocols/gateway/named_bits.hpp"
#include "protocols/gateway/room.hpp"

namespace tether::onebot {

namespace json = gateway::json;

namespace {

// Ordered objects keep the key order of the OneBot docs.
json::ordered segments_value(const cq_message& xs) {
  json::ordered arr = json::ordered::array();
  for (auto& seg : xs) {
    json::ordered data = json::ordered::object();
    for (auto& [key, value] : seg.data)
      data[key] = value;
    json::ordered x = json::ordered::object();
    x["type"] = seg.type;
    x["data"] = std::move(data);
    arr.push_back(std::move(x));
  }
  return arr;
}

std::string action(std::string_view name, json::ordered params,
                   std::string_view echo) {
  json::ordered x = json::ordered::object();
  x["action"] = std::string{name};
  x["params"] = std::move(params);
  x["echo"] = std::string{echo};
  return json::dump(x);
}

std::string_view trim(std::string_view x) {
  while (!x.empty() && (x.front() == ' ' || x.front() == '\t'))
    x.remove_prefix(1);
  while (!x.empty() && (x.back() == ' ' || x.back() == '\t'))
    x.remove_suffix(1);
  return x;
}

} // namespace

std::string make_send_private_msg(int64_t user_id, const cq_message& message,
                                  std::string_view echo) {
  json::ordered params = json::ordered::object();
  params["user_id"] = user_id;
  params["message"] = segments_value(message);
  return action("send_private_msg", std::move(params), echo);
}

std::string make_send_group_msg(int64_t group_id, const cq_message& message,
                                std::string_view echo) {
  json::ordered params = json::ordered::object();
  params["group_id"] = group_id;
  params["message"] = segments_value(message);
  return action("send_group_msg", std::move(params), echo);
}

std::string make_send_msg(message_type type, int64_t id,
                          const cq_message& message, std::string_view echo) {
  json::ordered params = json::ordered::object();
  if (type == message_type::group) {
    params["message_type"] = "group";
    params["group_id"] = id;
  } else {
    params["message_type"] = "private";
    params["user_id"] = id;
  }
  params["message"] = segments_value(message);
  return action("send_msg", std::move(params), echo);
}

std::string make_action(std::string_view name, std::string_view params_json,
                        std::string_view echo) {
  auto params = json::ordered::parse(params_json.begin(), params_json.end(),
                                     nullptr, false);
  if (params.is_discarded() || !params.is_object()) return {};
  return action(name, std::move(params), echo);
}

std::optional<std::string> make_reply(const outbound_reply& reply,
                                      std::string_view echo) {
  auto room = gateway::split_room(reply.context.room_id);
  if (!room) return std::nullopt;
  auto id = json::parse_int(room->id);
  if (!id) return std::nullopt;
  cq_message message;
  if (json::parse_int(reply.reply_to))
    message.push_back({"reply", {{"id", reply.reply_to}}});
  message.push_back(cq_segment::text(reply.text));
  if (room->scene == "group") return make_send_group_msg(*id, message, echo);
  if (room->scene == "private")
    return make_send_private_msg(*id, message, echo);
  return std::nullopt;
}

std::optional<api_response> parse_response(std::string_view text,
                                           std::string* error) {
  auto fail = [error](const char* what) -> std::optional<api_response> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto obj = json::parse_object(text, error);
  if (!obj) return std::nullopt;
  api_response r;
  auto status = json::get_string(*obj, "status");
  if (!status) return fail("status missing");
  r.status = std::move(*status);
  auto retcode = json::member(*obj, "retcode");
  if (!retcode || !retcode->is_number_integer()) return fail("retcode missing");
  r.retcode = json::to_int(*retcode).value_or(-1);
  auto data = json::member(*obj, "data");
  r.data = data ? json::dump(*data) : "null";
  if (data) {
    if (auto id = json::member(*data, "message_id");
        id && id->is_number_integer())
      r.message_id = json::to_int(*id);
  }
  if (auto echo = json::member(*obj, "echo")) {
    if (echo->is_string())
      r.echo = echo->get<std::string>();
    else if (!echo->is_null())
      r.echo = json::dump(*echo);
  }
  return r;
}

std::string_view to_string(client_role x) {
  switch (x) {
    case client_role::universal: return "Universal";
    case client_role::api: return "API";
    case client_role::event: return "Event";
  }
  return "?";
}

bool constant_time_equal(std::string_view x, std::string_view y) {
  if (x.size() != y.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < x.size(); ++i)
    diff = diff
           | static_cast<unsigned char>(static_cast<unsigned char>(x[i])
                                        ^ static_cast<unsigned char>(y[i]));
  return diff == 0;
}

handshake_result
check_handshake(std::string_view x_self_id, std::string_view x_client_role,
                std::string_view authorization, std::string_view access_token,
                int64_t expected_self_id) {
  handshake_result r;
  auto refuse = [&r](int status, const char* reason) {
    r.status = status;
    r.reason = reason;
    return r;
  };
  // Credentials first, so an unauthenticated peer learns nothing else.
  if (!access_token.empty()) {
    auto value = trim(authorization);
    if (value.empty()) return refuse(401, "missing Authorization");
    auto space = value.find(' ');
    if (space == std::string_view::npos)
      return refuse(401, "malformed Authorization");
    auto scheme = value.substr(0, space);
    auto token = trim(value.substr(space + 1));
    if (!gateway::equal_ignoring_case(scheme, "Bearer")
        && !gateway::equal_ignoring_case(scheme, "Token"))
      return refuse(401, "unsupported Authorization scheme");
    if (!constant_time_equal(token, access_token))
      return refuse(403, "wrong access token");
  }
  auto self_id = json::parse_int(trim(x_self_id));
  if (!self_id || *self_id <= 0)
    return refuse(400, "missing or malformed X-Self-ID");
  if (expected_self_id != 0 && *self_id != expected_self_id)
    return refuse(403, "unexpected X-Self-ID");
  r.self_id = *self_id;
  auto role = trim(x_client_role);
  if (role.empty() || gateway::equal_ignoring_case(role, "Universal"))
    r.role = client_role::universal;
  else if (gateway::equal_ignoring_case(role, "API"))
    r.role = client_role::api;
  else if (gateway::equal_ignoring_case(role, "Event"))
    r.role = client_role::event;
  else
    return refuse(400, "unknown X-Client-Role");
  return r;
}

std::string forward_url(std::string_view base, forward_endpoint which) {
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  std::string out{base};
  switch (which) {
    case forward_endpoint::universal: out += '/'; break;
    case forward_endpoint::api: out += "/api"; break;
    case forward_endpoint::event: out += "/event"; break;
  }
  return out;
}

header_list auth_headers(std::string_view access_token) {
  header_list result;
  if (!access_token.empty())
    result.emplace_back("Authorization", "Bearer " + std::string{access_token});
  return result;
}

} // namespace tether::onebot
