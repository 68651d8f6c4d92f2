#define CAF_SUITE protocols.onebot.event

#include "protocols/onebot/event.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::onebot;

namespace {

std::string segments_of(const inbound_message& msg) {
  std::string out;
  for (auto& s : msg.segments) {
    out += s.type;
    out += '(';
    out += s.text;
    if (!s.target.empty()) {
      out += '|';
      out += s.target;
    }
    out += ')';
  }
  return out;
}

std::string kind_of(std::string_view json) {
  switch (classify_frame(json)) {
    case frame_kind::event: return "event";
    case frame_kind::response: return "response";
    case frame_kind::invalid: return "invalid";
  }
  return "?";
}

} // namespace

CAF_TEST(frames on a universal connection are told apart) {
  CAF_CHECK_EQUAL(kind_of(R"({"post_type":"message","self_id":1})"), "event");
  CAF_CHECK_EQUAL(
    kind_of(R"({"status":"failed","retcode":1404,"data":null,"echo":"123"})"),
    "response");
  CAF_CHECK_EQUAL(kind_of(R"({"foo":1})"), "invalid");
  CAF_CHECK_EQUAL(kind_of("["), "invalid");
}

CAF_TEST(private messages as cq strings) {
  std::string json
    = R"({"time":1700000000,"self_id":10001,"post_type":"message",)"
      R"("message_type":"private","sub_type":"friend","message_id":-12,)"
      R"("user_id":20002,"message":"[CQ:face,id=178]看看我刚拍的照片[CQ:image,file=123.jpg]",)"
      R"("raw_message":"[CQ:face,id=178]看看我刚拍的照片[CQ:image,file=123.jpg]",)"
      R"("font":0,"sender":{"user_id":20002,"nickname":"小明","sex":"male","age":0}})";
  std::string error;
  auto ev = parse_event(json, "ob", &error);
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK(ev->kind == event_kind::message);
  CAF_CHECK_EQUAL(ev->self_id, 10001);
  CAF_CHECK_EQUAL(ev->detail_type, "private");
  CAF_CHECK_EQUAL(ev->sub_type, "friend");
  CAF_REQUIRE(ev->message);
  auto& m = *ev->message;
  CAF_CHECK_EQUAL(m.platform, "onebot");
  CAF_CHECK_EQUAL(m.bot, "ob");
  CAF_CHECK_EQUAL(m.id, "-12");
  CAF_CHECK_EQUAL(m.timestamp, 1700000000);
  CAF_CHECK_EQUAL(m.sender.id, "20002");
  CAF_CHECK_EQUAL(m.sender.name, "小明");
  CAF_CHECK_EQUAL(m.context.room_id, "private:20002");
  CAF_CHECK_EQUAL(m.text, "[face:178]看看我刚拍的照片");
  CAF_CHECK_EQUAL(segments_of(m), "emoji([face:178]|178)"
                                  "text(看看我刚拍的照片)image(|123.jpg)");
  CAF_REQUIRE_EQUAL(m.attachments.size(), 1u);
  CAF_CHECK_EQUAL(m.attachments[0].url, "123.jpg");
  CAF_CHECK_EQUAL(m.attachments[0].name, "123.jpg");
  CAF_CHECK(!m.mentions_bot);
  CAF_CHECK_EQUAL(m.raw, json);
}

CAF_TEST(group messages as segment arrays) {
  auto ev = parse_event(
    R"({"time":1,"self_id":10001,"post_type":"message","message_type":"group",)"
    R"("sub_type":"normal","message_id":7,"group_id":30003,"user_id":20002,)"
    R"("anonymous":null,"message":[{"type":"reply","data":{"id":"6"}},)"
    R"({"type":"at","data":{"qq":"10001"}},{"type":"text","data":{"text":" hi"}},)"
    R"({"type":"image","data":{"file":"a.jpg","url":"http://x/a.jpg"}},)"
    R"({"type":"dice","data":{}}],)"
    R"("raw_message":"x","font":0,"sender":{"user_id":20002,"nickname":"n",)"
    R"("card":"Card","role":"member"}})",
    "ob");
  CAF_REQUIRE(ev);
  CAF_REQUIRE(ev->message);
  auto& m = *ev->message;
  CAF_CHECK_EQUAL(m.context.room_id, "group:30003");
  CAF_CHECK_EQUAL(m.sender.name, "Card");
  CAF_CHECK_EQUAL(m.reply_to, "6");
  CAF_CHECK(m.mentions_bot);
  CAF_CHECK_EQUAL(m.text, "@10001 hi");
  CAF_CHECK_EQUAL(segments_of(m), "mention(@10001|10001)text( hi)"
                                  "image(|http://x/a.jpg)dice()");
  CAF_REQUIRE_EQUAL(m.attachments.size(), 1u);
  CAF_CHECK_EQUAL(m.attachments[0].url, "http://x/a.jpg");
}

CAF_TEST(at all and other people do not mention the bot) {
  auto ev = parse_event(
    R"({"self_id":10001,"post_type":"message","message_type":"group",)"
    R"("message_id":1,"group_id":3,"user_id":2,)"
    R"("message":"[CQ:at,qq=all] [CQ:at,qq=100011]","sender":{"nickname":"n","card":""}})",
    "ob");
  CAF_REQUIRE(ev);
  CAF_REQUIRE(ev->message);
  CAF_CHECK(!ev->message->mentions_bot);
  CAF_CHECK_EQUAL(ev->message->sender.name, "n");
  CAF_CHECK_EQUAL(segments_of(*ev->message),
                  "mention_all(@全体成员)text( )mention(@100011|100011)");
}

CAF_TEST(notices and requests pass through by type) {
  auto ev = parse_event(
    R"({"time":1,"self_id":1,"post_type":"notice","notice_type":"group_recall",)"
    R"("group_id":2,"user_id":3,"operator_id":3,"message_id":4})",
    "ob");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == event_kind::notice);
  CAF_CHECK_EQUAL(ev->detail_type, "group_recall");
  CAF_CHECK(!ev->message);
  ev = parse_event(
    R"({"time":1,"self_id":1,"post_type":"request","request_type":"friend",)"
    R"("user_id":3,"comment":"hi","flag":"f"})",
    "ob");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == event_kind::request);
  CAF_CHECK_EQUAL(ev->detail_type, "friend");
  ev = parse_event(R"({"self_id":1,"post_type":"message_sent"})", "ob");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == event_kind::other);
}

CAF_TEST(heartbeats carry interval and status) {
  // PROTOCOLS.md §4.3 with its elided fields written out.
  auto ev = parse_event(
    R"({"post_type":"meta_event","meta_event_type":"heartbeat","status":{"online":true,"good":false},"interval":15000,"time":5,"self_id":1})",
    "ob");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == event_kind::heartbeat);
  CAF_CHECK_EQUAL(std::string{to_string(ev->kind)}, "heartbeat");
  CAF_REQUIRE(ev->heartbeat_interval);
  CAF_CHECK_EQUAL(ev->heartbeat_interval->count(), 15000);
  CAF_CHECK_EQUAL(ev->status, R"({"good":false,"online":true})");
  CAF_CHECK_EQUAL(ev->online.value_or(false), true);
  CAF_CHECK_EQUAL(ev->good.value_or(true), false);
  std::string error;
  CAF_CHECK(!parse_event(
    R"({"post_type":"meta_event","meta_event_type":"heartbeat","self_id":1})",
    "ob", &error));
  CAF_CHECK_EQUAL(error, "heartbeat interval missing or not positive");
  CAF_CHECK(!parse_event(
    R"({"post_type":"meta_event","meta_event_type":"heartbeat","self_id":1,"interval":0})",
    "ob"));
}

CAF_TEST(lifecycle events) {
  // PROTOCOLS.md §4.3, once per sub_type.
  struct {
    const char* sub_type;
    lifecycle expected;
  } table[] = {
    {"connect", lifecycle::connect},
    {"enable", lifecycle::enable},
    {"disable", lifecycle::disable},
  };
  for (auto& row : table) {
    auto json
      = std::
          string{R"({"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":")"}
        + row.sub_type + R"(","time":1,"self_id":10001})";
    auto ev = parse_event(json, "ob");
    CAF_REQUIRE(ev);
    CAF_CHECK(ev->kind == event_kind::lifecycle);
    CAF_REQUIRE(ev->lifecycle_type);
    CAF_CHECK(*ev->lifecycle_type == row.expected);
    CAF_CHECK_EQUAL(ev->self_id, 10001);
  }
  auto ev = parse_event(
    R"({"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"x","self_id":1})",
    "ob");
  CAF_REQUIRE(ev);
  CAF_CHECK(!ev->lifecycle_type);
}

CAF_TEST(malformed events are errors) {
  struct {
    const char* json;
    const char* error;
  } cases[] = {
    {"{", "malformed JSON"},
    {"[]", "not a JSON object"},
    {R"({"self_id":1})", "post_type missing"},
    {R"({"post_type":"notice"})", "self_id missing"},
    {R"({"post_type":"message","self_id":1,"message_type":"channel"})",
     "unknown message_type"},
    {R"({"post_type":"message","self_id":1,"message_type":"private","user_id":2,"message":"x"})",
     "message_id missing"},
    {R"({"post_type":"message","self_id":1,"message_type":"private","message_id":1,"message":"x"})",
     "user_id missing"},
    {R"({"post_type":"message","self_id":1,"message_type":"group","message_id":1,"user_id":2,"message":"x"})",
     "group_id missing"},
    {R"({"post_type":"message","self_id":1,"message_type":"private","message_id":1,"user_id":2})",
     "message missing"},
    {R"({"post_type":"message","self_id":1,"message_type":"private","message_id":1,"user_id":2,"message":"[CQ:at"})",
     "unterminated CQ code"},
    {R"({"post_type":"message","self_id":1,"message_type":"private","message_id":1,"user_id":2,"message":5})",
     "message is not a segment array"},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.json);
    std::string error;
    CAF_CHECK(!parse_event(c.json, "ob", &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}
