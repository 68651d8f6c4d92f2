#define CAF_SUITE protocols.qq.message

#include "protocols/qq/message.hpp"

#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::qq;

namespace {

std::string scene_name(std::string_view t) {
  auto s = scene_of_event(t);
  return s ? std::string{to_string(*s)} : "none";
}

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

// The C2C event body of PROTOCOLS.md §2.4 with its elided attachment list
// written out.
constexpr const char* c2c_event
  = R"({"author":{"user_openid":"E4F4…"},"content":"123","id":"ROBOT1.0_…","timestamp":"2023-11-06T13:37:18+08:00","attachments":[]})";

} // namespace

CAF_TEST(message events map to scenes) {
  CAF_CHECK_EQUAL(scene_name("AT_MESSAGE_CREATE"), "channel");
  CAF_CHECK_EQUAL(scene_name("MESSAGE_CREATE"), "channel");
  CAF_CHECK_EQUAL(scene_name("DIRECT_MESSAGE_CREATE"), "dm");
  CAF_CHECK_EQUAL(scene_name("GROUP_AT_MESSAGE_CREATE"), "group");
  CAF_CHECK_EQUAL(scene_name("C2C_MESSAGE_CREATE"), "c2c");
  CAF_CHECK_EQUAL(scene_name("MESSAGE_DELETE"), "none");
  CAF_CHECK_EQUAL(scene_name("READY"), "none");
}

CAF_TEST(rooms round trip through their scene) {
  for (auto s :
       {scene::guild_channel, scene::guild_dm, scene::group, scene::c2c}) {
    auto room = make_room(s, "ID:1");
    auto target = parse_room(room);
    CAF_REQUIRE(target);
    CAF_CHECK(target->scene == s);
    CAF_CHECK_EQUAL(target->id, "ID:1");
  }
  CAF_CHECK_EQUAL(make_room(scene::group, "G"), "group:G");
  for (auto room : {"", "group", "group:", "friend:1", "GROUP:1", ":x"})
    CAF_CHECK(!parse_room(room));
}

CAF_TEST(the documented c2c event converts) {
  std::string error;
  auto msg = convert_message("C2C_MESSAGE_CREATE", c2c_event, "qqbot", "",
                             &error);
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->platform, "qq");
  CAF_CHECK_EQUAL(msg->bot, "qqbot");
  CAF_CHECK_EQUAL(msg->id, "ROBOT1.0_…");
  CAF_CHECK_EQUAL(msg->sender.id, "E4F4…");
  CAF_CHECK_EQUAL(msg->sender.name, "");
  CAF_CHECK_EQUAL(msg->context.room_id, "c2c:E4F4…");
  CAF_CHECK_EQUAL(msg->context.guild_id, "");
  CAF_CHECK_EQUAL(msg->text, "123");
  CAF_CHECK_EQUAL(segments_of(*msg), "text(123)");
  // 2023-11-06T05:37:18Z.
  CAF_CHECK_EQUAL(msg->timestamp, 1699249038);
  CAF_CHECK(!msg->mentions_bot);
  CAF_CHECK(msg->attachments.empty());
  CAF_CHECK_EQUAL(msg->raw, c2c_event);
}

CAF_TEST(the c2c example with its elision is not JSON) {
  std::string error;
  CAF_CHECK(!convert_message(
    "C2C_MESSAGE_CREATE",
    R"({"author":{"user_openid":"E4F4…"},"content":"123","id":"ROBOT1.0_…","timestamp":"2023-11-06T13:37:18+08:00","attachments":[…]})",
    "qqbot", "", &error));
  CAF_CHECK_EQUAL(error, "malformed JSON");
}

CAF_TEST(group at messages use openids and always mention the bot) {
  auto msg = convert_message(
    "GROUP_AT_MESSAGE_CREATE",
    R"({"author":{"member_openid":"M1"},"content":" hi","group_openid":"G1",)"
    R"("id":"ROBOT1.0_g","timestamp":"2023-11-06T13:37:18+08:00",)"
    R"("attachments":[{"content_type":"image/png","filename":"a.png",)"
    R"("height":10,"width":20,"size":"2048","url":"https://x/a.png"}]})",
    "qqbot", "");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->sender.id, "M1");
  CAF_CHECK_EQUAL(msg->context.room_id, "group:G1");
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->text, " hi");
  CAF_REQUIRE_EQUAL(msg->attachments.size(), 1u);
  auto& a = msg->attachments[0];
  CAF_CHECK_EQUAL(a.url, "https://x/a.png");
  CAF_CHECK_EQUAL(a.name, "a.png");
  CAF_CHECK_EQUAL(a.content_type, "image/png");
  CAF_CHECK_EQUAL(a.size, 2048u);
}

CAF_TEST(guild at messages render mentions) {
  auto msg = convert_message(
    "AT_MESSAGE_CREATE",
    R"({"id":"m1","channel_id":"C1","guild_id":"G1",)"
    R"("author":{"id":"111","username":"alice","bot":false},)"
    R"("member":{"nick":"Al","roles":["1"]},)"
    R"("content":"<@!999> hi <@222> and <@!333> <@x> <@!>",)"
    R"("mentions":[{"id":"999","username":"bot","bot":true},)"
    R"({"id":"222","username":"bob"}],)"
    R"("timestamp":"2021-05-20T15:14:58+08:00",)"
    R"("message_reference":{"message_id":"m0"},)"
    R"("attachments":[{"url":"gchat.qpic.cn/x.jpg","content_type":"image/jpeg"}]})",
    "qqbot", "999");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->sender.id, "111");
  CAF_CHECK_EQUAL(msg->sender.name, "Al");
  CAF_CHECK_EQUAL(msg->context.room_id, "channel:C1");
  CAF_CHECK_EQUAL(msg->context.guild_id, "G1");
  CAF_CHECK_EQUAL(msg->text, "@bot hi @bob and @333 <@x> <@!>");
  CAF_CHECK_EQUAL(segments_of(*msg),
                  "mention(@bot|999)text( hi )mention(@bob|222)"
                  "text( and )mention(@333|333)text( <@x> <@!>)");
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->reply_to, "m0");
  CAF_REQUIRE_EQUAL(msg->attachments.size(), 1u);
  CAF_CHECK_EQUAL(msg->attachments[0].url, "https://gchat.qpic.cn/x.jpg");
}

CAF_TEST(plain guild messages mention the bot only when they name it) {
  auto d = std::string{R"({"id":"m","channel_id":"C","guild_id":"G",)"}
           + R"("author":{"id":"1","username":"u"},"content":"<@!7> x",)"
           + R"("mentions":[{"id":"7","username":"b"}]})";
  auto msg = convert_message("MESSAGE_CREATE", d, "qqbot", "7");
  CAF_REQUIRE(msg);
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->sender.name, "u");
  msg = convert_message("MESSAGE_CREATE", d, "qqbot", "8");
  CAF_REQUIRE(msg);
  CAF_CHECK(!msg->mentions_bot);
  msg = convert_message("MESSAGE_CREATE", d, "qqbot", "");
  CAF_REQUIRE(msg);
  CAF_CHECK(!msg->mentions_bot);
}

CAF_TEST(direct messages reply through the dm guild) {
  auto msg = convert_message(
    "DIRECT_MESSAGE_CREATE",
    R"({"id":"d1","channel_id":"C9","guild_id":"DMG","src_guild_id":"G1",)"
    R"("author":{"id":"5","username":"eve"},"content":"yo",)"
    R"("direct_message":true})",
    "qqbot", "");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->context.room_id, "dm:DMG");
  CAF_CHECK_EQUAL(msg->context.guild_id, "G1");
  CAF_CHECK_EQUAL(msg->text, "yo");
  CAF_CHECK(!msg->mentions_bot);
  msg = convert_message(
    "DIRECT_MESSAGE_CREATE",
    R"({"id":"d1","guild_id":"DMG","author":{"id":"5"},"content":""})", "b",
    "");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->context.guild_id, "DMG");
  CAF_CHECK(msg->segments.empty());
}

CAF_TEST(malformed events are errors) {
  struct {
    const char* t;
    const char* d;
    const char* error;
  } cases[] = {
    {"MESSAGE_DELETE", "{}", "not a message event"},
    {"C2C_MESSAGE_CREATE", "{", "malformed JSON"},
    {"C2C_MESSAGE_CREATE", "[]", "not a JSON object"},
    {"C2C_MESSAGE_CREATE", R"({"author":{"user_openid":"u"}})", "id missing"},
    {"C2C_MESSAGE_CREATE", R"({"id":"i"})", "author missing"},
    {"C2C_MESSAGE_CREATE", R"({"id":"i","author":"u"})", "author missing"},
    {"C2C_MESSAGE_CREATE", R"({"id":"i","author":{"id":"1"}})",
     "author id missing"},
    {"GROUP_AT_MESSAGE_CREATE", R"({"id":"i","author":{"member_openid":"m"}})",
     "room id missing"},
    {"AT_MESSAGE_CREATE", R"({"id":"i","author":{"id":"1"},"guild_id":"g"})",
     "room id missing"},
    {"C2C_MESSAGE_CREATE",
     R"({"id":"i","author":{"user_openid":"u"},"timestamp":"yesterday"})",
     "malformed timestamp"},
    {"C2C_MESSAGE_CREATE",
     R"({"id":"i","author":{"user_openid":"u"},"timestamp":5})",
     "malformed timestamp"},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.t << " " << c.d);
    std::string error;
    CAF_CHECK(!convert_message(c.t, c.d, "b", "", &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}
