#define CAF_SUITE protocols.onebot.api

#include "protocols/onebot/api.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::onebot;

// -- actions ------------------------------------------------------------------

CAF_TEST(the documented request) {
  // PROTOCOLS.md §4.2, verbatim.
  CAF_CHECK_EQUAL(
    make_action("send_private_msg", R"({"user_id":10001000,"message":"你好"})",
                "123"),
    R"({"action":"send_private_msg","params":{"user_id":10001000,"message":"你好"},"echo":"123"})");
  CAF_CHECK_EQUAL(make_action("x", "[]", "1"), "");
  CAF_CHECK_EQUAL(make_action("x", "{", "1"), "");
}

CAF_TEST(send actions carry segment arrays) {
  cq_message msg{cq_segment::text("你好")};
  CAF_CHECK_EQUAL(
    make_send_private_msg(10001000, msg, "123"),
    R"({"action":"send_private_msg","params":{"user_id":10001000,"message":[{"type":"text","data":{"text":"你好"}}]},"echo":"123"})");
  CAF_CHECK_EQUAL(
    make_send_group_msg(30003, msg, "e"),
    R"({"action":"send_group_msg","params":{"group_id":30003,"message":[{"type":"text","data":{"text":"你好"}}]},"echo":"e"})");
  CAF_CHECK_EQUAL(
    make_send_msg(message_type::group, 30003, msg, "e"),
    R"({"action":"send_msg","params":{"message_type":"group","group_id":30003,"message":[{"type":"text","data":{"text":"你好"}}]},"echo":"e"})");
  CAF_CHECK_EQUAL(
    make_send_msg(message_type::private_chat, 7, {}, ""),
    R"({"action":"send_msg","params":{"message_type":"private","user_id":7,"message":[]},"echo":""})");
}

CAF_TEST(replies pick the action from the room and quote the message) {
  outbound_reply r;
  r.text = "pong";
  r.context.room_id = "group:30003";
  r.reply_to = "7";
  CAF_CHECK_EQUAL(
    make_reply(r, "1").value_or(""),
    R"({"action":"send_group_msg","params":{"group_id":30003,"message":[{"type":"reply","data":{"id":"7"}},{"type":"text","data":{"text":"pong"}}]},"echo":"1"})");
  r.context.room_id = "private:20002";
  r.reply_to = "";
  CAF_CHECK_EQUAL(
    make_reply(r, "2").value_or(""),
    R"({"action":"send_private_msg","params":{"user_id":20002,"message":[{"type":"text","data":{"text":"pong"}}]},"echo":"2"})");
  for (auto room : {"", "group:", "group:x", "temp:1", "private"}) {
    r.context.room_id = room;
    CAF_CHECK(!make_reply(r, "3"));
  }
}

CAF_TEST(responses) {
  // PROTOCOLS.md §4.2, verbatim (the elided data written out once).
  auto r = parse_response(
    R"({"status":"ok","retcode":0,"data":{"message_id":42},"echo":"123"})");
  CAF_REQUIRE(r);
  CAF_CHECK(r->ok());
  CAF_CHECK_EQUAL(r->status, "ok");
  CAF_CHECK_EQUAL(r->retcode, 0);
  CAF_CHECK_EQUAL(r->echo, "123");
  CAF_CHECK_EQUAL(r->message_id.value_or(0), 42);
  CAF_CHECK_EQUAL(r->data, R"({"message_id":42})");
  r = parse_response(
    R"({"status":"failed","retcode":1404,"data":null,"echo":"123"})");
  CAF_REQUIRE(r);
  CAF_CHECK(!r->ok());
  CAF_CHECK_EQUAL(r->retcode, 1404);
  CAF_CHECK_EQUAL(r->data, "null");
  CAF_CHECK(!r->message_id);
  r = parse_response(R"({"status":"async","retcode":1,"data":null})");
  CAF_REQUIRE(r);
  CAF_CHECK(r->ok());
  CAF_CHECK_EQUAL(r->echo, "");
  r = parse_response(R"({"status":"ok","retcode":0,"echo":{"n":1}})");
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->echo, R"({"n":1})");
  CAF_CHECK(!parse_response(R"({"status":"ok","retcode":1})")->ok());
}

CAF_TEST(malformed responses are errors) {
  struct {
    const char* json;
    const char* error;
  } cases[] = {
    {"", "malformed JSON"},
    {"[]", "not a JSON object"},
    {R"({"retcode":0})", "status missing"},
    {R"({"status":"ok"})", "retcode missing"},
    {R"({"status":"ok","retcode":"0"})", "retcode missing"},
  };
  for (auto& c : cases) {
    std::string error;
    CAF_CHECK(!parse_response(c.json, &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}

// -- reverse WebSocket --------------------------------------------------------

CAF_TEST(reverse handshakes with bearer or token credentials) {
  auto r = check_handshake("10001", "Universal", "Bearer s3cret", "s3cret");
  CAF_CHECK(r.ok());
  CAF_CHECK_EQUAL(r.self_id, 10001);
  CAF_CHECK(r.role == client_role::universal);
  r = check_handshake("10001", "API", "Token s3cret", "s3cret");
  CAF_CHECK(r.ok());
  CAF_CHECK(r.role == client_role::api);
  r = check_handshake(" 10001 ", "event", "bearer  s3cret ", "s3cret");
  CAF_CHECK(r.ok());
  CAF_CHECK(r.role == client_role::event);
  CAF_CHECK_EQUAL(std::string{to_string(r.role)}, "Event");
  // Without a configured token anything goes.
  CAF_CHECK(check_handshake("1", "", "", "").ok());
  CAF_CHECK(check_handshake("1", "", "Bearer whatever", "").ok());
}

CAF_TEST(reverse handshakes that are refused) {
  struct {
    const char* self_id;
    const char* role;
    const char* auth;
    int status;
    const char* reason;
  } cases[] = {
    {"1", "Universal", "", 401, "missing Authorization"},
    {"1", "Universal", "s3cret", 401, "malformed Authorization"},
    {"1", "Universal", "Basic s3cret", 401, "unsupported Authorization scheme"},
    {"1", "Universal", "Bearer s3cre", 403, "wrong access token"},
    {"1", "Universal", "Bearer s3cretX", 403, "wrong access token"},
    {"1", "Universal", "Bearer S3CRET", 403, "wrong access token"},
    {"", "Universal", "Bearer s3cret", 400, "missing or malformed X-Self-ID"},
    {"abc", "Universal", "Bearer s3cret", 400,
     "missing or malformed X-Self-ID"},
    {"0", "Universal", "Bearer s3cret", 400, "missing or malformed X-Self-ID"},
    {"1", "Admin", "Bearer s3cret", 400, "unknown X-Client-Role"},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.self_id << " " << c.role << " " << c.auth);
    auto r = check_handshake(c.self_id, c.role, c.auth, "s3cret");
    CAF_CHECK(!r.ok());
    CAF_CHECK_EQUAL(r.status, c.status);
    CAF_CHECK_EQUAL(r.reason, c.reason);
  }
  auto r = check_handshake("2", "Universal", "Bearer s3cret", "s3cret", 1);
  CAF_CHECK_EQUAL(r.status, 403);
  CAF_CHECK_EQUAL(r.reason, "unexpected X-Self-ID");
  CAF_CHECK(
    check_handshake("1", "Universal", "Bearer s3cret", "s3cret", 1).ok());
}

CAF_TEST(constant time comparison is still a comparison) {
  CAF_CHECK(constant_time_equal("", ""));
  CAF_CHECK(constant_time_equal("abc", "abc"));
  CAF_CHECK(!constant_time_equal("abc", "abd"));
  CAF_CHECK(!constant_time_equal("abc", "ab"));
  CAF_CHECK(!constant_time_equal(std::string_view{"a\0b", 3},
                                 std::string_view{"a\0c", 3}));
}

// -- forward WebSocket --------------------------------------------------------

CAF_TEST(forward urls) {
  CAF_CHECK_EQUAL(forward_url("ws://127.0.0.1:6700",
                              forward_endpoint::universal),
                  "ws://127.0.0.1:6700/");
  CAF_CHECK_EQUAL(forward_url("ws://127.0.0.1:6700/", forward_endpoint::api),
                  "ws://127.0.0.1:6700/api");
  CAF_CHECK_EQUAL(forward_url("ws://h:1//", forward_endpoint::event),
                  "ws://h:1/event");
}

CAF_TEST(the access token goes into a header) {
  auto headers = auth_headers("tok");
  CAF_REQUIRE_EQUAL(headers.size(), 1u);
  CAF_CHECK_EQUAL(headers[0].first, "Authorization");
  CAF_CHECK_EQUAL(headers[0].second, "Bearer tok");
  CAF_CHECK(auth_headers("").empty());
}
