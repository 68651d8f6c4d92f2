#define CAF_SUITE protocols.message_json

#include "protocols/message_json.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"

using namespace tether;

namespace {

inbound_message full_message() {
  inbound_message msg;
  msg.type = "message";
  msg.platform = "discord";
  msg.bot = "main";
  msg.id = "m1";
  msg.sender = {"u1", "Ann"};
  msg.text = "hi @bot :smile:";
  msg.segments = {{"text", "hi ", ""},
                  {"mention", "@bot", "42"},
                  {"emoji", ":smile:", "e7"}};
  msg.attachments = {{"https://cdn.example/a.png", "a.png", "image/png", 1234}};
  msg.timestamp = 1672531200;
  msg.context = {"r1", "t1", "g1"};
  msg.mentions_bot = true;
  msg.reply_to = "m0";
  msg.raw = R"({"op":0})";
  return msg;
}

} // namespace

CAF_TEST(a message encodes every field in schema order) {
  CAF_CHECK_EQUAL(
    to_json(full_message()),
    R"({"type":"message","event":"","platform":"discord","bot":"main",)"
    R"("id":"m1","sender":{"id":"u1","name":"Ann"},)"
    R"("content":{"text":"hi @bot :smile:","segments":[)"
    R"({"type":"text","text":"hi ","target":""},)"
    R"({"type":"mention","text":"@bot","target":"42"},)"
    R"({"type":"emoji","text":":smile:","target":"e7"}],)"
    R"("attachments":[{"url":"https://cdn.example/a.png","name":"a.png",)"
    R"("content_type":"image/png","size":1234}]},)"
    R"("timestamp":1672531200,)"
    R"("context":{"room_id":"r1","thread_id":"t1","guild_id":"g1"},)"
    R"("mentions_bot":true,"reply_to":"m0","raw":"{\"op\":0}"})");
}

CAF_TEST(an empty message still has every key) {
  CAF_CHECK_EQUAL(
    to_json(inbound_message{}),
    R"({"type":"message","event":"","platform":"","bot":"","id":"",)"
    R"("sender":{"id":"","name":""},)"
    R"("content":{"text":"","segments":[],"attachments":[]},"timestamp":0,)"
    R"("context":{"room_id":"","thread_id":"","guild_id":""},)"
    R"("mentions_bot":false,"reply_to":"","raw":""})");
}

CAF_TEST(an event carries its name and raw payload) {
  inbound_message msg;
  msg.type = "event";
  msg.event = "GUILD_CREATE";
  msg.raw = R"({"id":"1"})";
  auto doc = message_json(msg);
  CAF_CHECK_EQUAL(doc["type"].get<std::string>(), "event");
  CAF_CHECK_EQUAL(doc["event"].get<std::string>(), "GUILD_CREATE");
  CAF_CHECK_EQUAL(doc["raw"].get<std::string>(), R"({"id":"1"})");
}

CAF_TEST(invalid utf8 and control characters never break the encoding) {
  inbound_message msg;
  msg.text = std::string{"a\xff\xfe"} + "b\n\"\x01";
  auto text = to_json(msg);
  CAF_CHECK(text.find(R"("text":"a)"
                      "\xef\xbf\xbd\xef\xbf\xbd"
                      R"(b\n\"\u0001")")
            != std::string::npos);
  CAF_CHECK(!parse_json(text).is_discarded());
}

CAF_TEST(no body or 204 style answers mean no reply) {
  auto x = parse_reply_body("application/json", "");
  CAF_CHECK(x.texts.empty());
  CAF_CHECK(x.error.empty());
  x = parse_reply_body("text/plain", "  \r\n");
  CAF_CHECK(x.texts.empty());
  CAF_CHECK(x.error.empty());
  x = parse_reply_body("application/json", "{}");
  CAF_CHECK(x.texts.empty());
  CAF_CHECK(x.error.empty());
  x = parse_reply_body("application/json", R"({"reply":null})");
  CAF_CHECK(x.texts.empty());
  CAF_CHECK(x.error.empty());
  x = parse_reply_body("application/json", R"({"reply":""})");
  CAF_CHECK(x.texts.empty());
}

CAF_TEST(json answers give one or several replies) {
  auto x = parse_reply_body("application/json; charset=utf-8",
                            R"({"reply":"hello"})");
  CAF_CHECK_EQUAL(x.texts, std::vector<std::string>{"hello"});
  CAF_CHECK(x.error.empty());
  x = parse_reply_body("Application/JSON", R"({"replies":["a","","b"]})");
  CAF_CHECK_EQUAL(x.texts, (std::vector<std::string>{"a", "b"}));
  x = parse_reply_body("application/vnd.bot+json",
                       R"({"reply":"a","replies":["b"],"other":1})");
  CAF_CHECK_EQUAL(x.texts, (std::vector<std::string>{"a", "b"}));
}

CAF_TEST(text answers are one reply without trailing whitespace) {
  auto x = parse_reply_body("text/plain; charset=utf-8", "  two\nlines \n");
  CAF_CHECK_EQUAL(x.texts, std::vector<std::string>{"  two\nlines"});
  x = parse_reply_body("", "plain");
  CAF_CHECK_EQUAL(x.texts, std::vector<std::string>{"plain"});
}

CAF_TEST(unusable json answers are errors with no reply) {
  auto check_error = [](std::string_view body, std::string_view what) {
    auto x = parse_reply_body("application/json", body);
    CAF_CHECK(x.texts.empty());
    CAF_CHECK_EQUAL(x.error, what);
  };
  check_error("{not json", "invalid JSON");
  check_error(R"(["a"])", "expected a JSON object, found a array");
  check_error(R"({"reply":1})", "`reply` must be a string, found a number");
  check_error(R"({"replies":"a"})", "`replies`: expected a list of strings");
  check_error(R"({"replies":["a",2]})",
              "`replies`: expected a list of strings, found a number");
  std::string deep(100, '[');
  check_error(R"({"reply":)" + deep, "invalid JSON");
}

CAF_TEST(replies beyond the limit are dropped and counted) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < max_reply_texts + 5; ++i)
    list.push_back("r" + std::to_string(i));
  auto x = parse_reply_body("application/json",
                            nlohmann::json{{"replies", list}}.dump());
  CAF_CHECK_EQUAL(x.texts.size(), max_reply_texts);
  CAF_CHECK_EQUAL(x.dropped, 5u);
  CAF_CHECK_EQUAL(x.texts.front(), "r0");
}
