#define CAF_SUITE protocols.qq.token

#include "protocols/qq/token.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::qq;
using namespace std::chrono_literals;

CAF_TEST(the request body is the documented one) {
  // PROTOCOLS.md §2.1.
  CAF_CHECK_EQUAL(make_token_request("APPID", "CLIENTSECRET"),
                  R"({"appId":"APPID","clientSecret":"CLIENTSECRET"})");
  CAF_CHECK_EQUAL(make_token_request("1\"2", "a\\b"),
                  R"({"appId":"1\"2","clientSecret":"a\\b"})");
  CAF_CHECK_EQUAL(std::string{token_url},
                  "https://bots.qq.com/app/getAppAccessToken");
}

CAF_TEST(expires_in arrives as a string in the documented response) {
  auto t = parse_token_response(
    R"({"access_token":"ACCESS_TOKEN","expires_in":"7200"})");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->token, "ACCESS_TOKEN");
  CAF_CHECK_EQUAL(t->expires_in.count(), 7200);
}

CAF_TEST(expires_in as a number is accepted too) {
  auto t = parse_token_response(R"({"expires_in":6999,"access_token":"x"})");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->token, "x");
  CAF_CHECK_EQUAL(t->expires_in.count(), 6999);
}

CAF_TEST(error bodies and malformed responses are errors) {
  std::string error;
  CAF_CHECK(!parse_token_response(
    R"({"code":100016,"message":"invalid appid or secret"})", &error));
  CAF_CHECK_EQUAL(error, "code 100016: invalid appid or secret");
  struct {
    const char* body;
    const char* error;
  } cases[] = {
    {"", "malformed JSON"},
    {"[]", "not a JSON object"},
    {R"({"expires_in":"7200"})", "access_token missing"},
    {R"({"access_token":"","expires_in":"7200"})", "access_token missing"},
    {R"({"access_token":1,"expires_in":"7200"})", "access_token missing"},
    {R"({"access_token":"x"})", "expires_in missing or not a positive integer"},
    {R"({"access_token":"x","expires_in":"72OO"})",
     "expires_in missing or not a positive integer"},
    {R"({"access_token":"x","expires_in":0})",
     "expires_in missing or not a positive integer"},
    {R"({"access_token":"x","expires_in":"-5"})",
     "expires_in missing or not a positive integer"},
    {R"({"access_token":"x","expires_in":7200.5})",
     "expires_in missing or not a positive integer"},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.body);
    error.clear();
    CAF_CHECK(!parse_token_response(c.body, &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}

CAF_TEST(refresh happens inside the last minute of the lifetime) {
  CAF_CHECK_EQUAL(refresh_after(7200s).count(), 7140);
  CAF_CHECK_EQUAL(refresh_after(7200s, 300s).count(), 6900);
  CAF_CHECK_EQUAL(refresh_after(61s).count(), 1);
}

CAF_TEST(refresh times are clamped to sane values) {
  // Longer than documented: trust the documented bound.
  CAF_CHECK_EQUAL(refresh_after(86400s).count(), 7140);
  // Shorter than the margin: half the lifetime, at least a second.
  CAF_CHECK_EQUAL(refresh_after(60s).count(), 30);
  CAF_CHECK_EQUAL(refresh_after(30s).count(), 15);
  CAF_CHECK_EQUAL(refresh_after(1s).count(), 1);
  CAF_CHECK_EQUAL(refresh_after(0s).count(), 1);
  CAF_CHECK_EQUAL(refresh_after(-10s).count(), 1);
  CAF_CHECK_EQUAL(refresh_after(100s, -5s).count(), 100);
}

CAF_TEST(the authorization value has the QQBot prefix) {
  CAF_CHECK_EQUAL(authorization("ACCESS_TOKEN"), "QQBot ACCESS_TOKEN");
}
