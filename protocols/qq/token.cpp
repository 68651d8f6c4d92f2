#include "protocols/qq/token.hpp"

#include <algorithm>

#include "protocols/gateway/json_fields.hpp"

namespace tether::qq {

namespace json = gateway::json;

std::string make_token_request(std::string_view app_id,
                               std::string_view client_secret) {
  json::value body = json::value::object();
  body["appId"] = std::string{app_id};
  body["clientSecret"] = std::string{client_secret};
  return json::dump(body);
}

std::optional<access_token> parse_token_response(std::string_view body,
                                                 std::string* error) {
  auto fail = [error](std::string what) -> std::optional<access_token> {
    if (error) *error = std::move(what);
    return std::nullopt;
  };
  auto obj = json::parse_object(body, error);
  if (!obj) return std::nullopt;
  auto token = json::get_string(*obj, "access_token");
  if (!token || token->empty()) {
    auto code = json::get_int(*obj, "code");
    auto message = json::get_string(*obj, "message");
    if (code || message) {
      std::string what = "code ";
      what += code ? std::to_string(*code) : "?";
      what += ": ";
      what += message ? *message : "";
      return fail(std::move(what));
    }
    return fail("access_token missing");
  }
  auto expires_in = json::get_int(*obj, "expires_in");
  if (!expires_in || *expires_in <= 0)
    return fail("expires_in missing or not a positive integer");
  return access_token{std::move(*token), std::chrono::seconds{*expires_in}};
}

std::chrono::seconds refresh_after(std::chrono::seconds expires_in,
                                   std::chrono::seconds margin) {
  using std::chrono::seconds;
  auto lifetime = std::clamp(expires_in, seconds{0}, max_token_lifetime);
  margin = std::max(margin, seconds{0});
  auto result = lifetime - margin;
  if (result < seconds{1}) result = lifetime / 2;
  return std::max(result, seconds{1});
}

std::string authorization(std::string_view access_token) {
  std::string result = "QQBot ";
  result += access_token;
  return result;
}

} // namespace tether::qq
