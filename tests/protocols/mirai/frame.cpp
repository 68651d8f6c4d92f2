#define CAF_SUITE protocols.mirai.frame

#include "protocols/mirai/frame.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::mirai;

namespace {

constexpr int64_t bot_qq = 10001;

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

std::optional<push_event> push(const std::string& frame_json,
                               std::string* error = nullptr) {
  auto f = parse_frame(frame_json, error);
  if (!f) return std::nullopt;
  if (f->type != frame_type::push) {
    if (error) *error = "not a push";
    return std::nullopt;
  }
  return parse_push(f->data, bot_qq, "mirai-bot", error);
}

} // namespace

// -- connecting ---------------------------------------------------------------

CAF_TEST(the documented connect url) {
  // PROTOCOLS.md §3.1, verbatim.
  CAF_CHECK_EQUAL(ws_url("ws://localhost:8080", "1234567890", 12345678,
                         "message"),
                  "ws://localhost:8080/message?verifyKey=1234567890&"
                  "qq=12345678");
  CAF_CHECK_EQUAL(ws_url("ws://localhost:8080/", "1234567890", 12345678),
                  "ws://localhost:8080/all?verifyKey=1234567890&qq=12345678");
}

CAF_TEST(the verify key is url encoded) {
  CAF_CHECK_EQUAL(ws_url("ws://h:1", "a b&c=d/é", 1),
                  "ws://h:1/all?verifyKey=a%20b%26c%3Dd%2F%C3%A9&qq=1");
  CAF_CHECK_EQUAL(ws_url("ws://h:1", "", 2), "ws://h:1/all?qq=2");
  CAF_CHECK_EQUAL(url_encode("AZaz09-._~+%"), "AZaz09-._~%2B%25");
}

CAF_TEST(the first frame carries the session key) {
  // PROTOCOLS.md §3.1, verbatim.
  auto f = parse_frame(
    R"({"syncId":"","data":{"code":0,"session":"YourSessionKey"}})");
  CAF_REQUIRE(f);
  CAF_CHECK(f->type == frame_type::session);
  CAF_CHECK_EQUAL(f->sync_id, "");
  auto s = parse_session(f->data);
  CAF_REQUIRE(s);
  CAF_CHECK(s->ok());
  CAF_CHECK_EQUAL(s->session, "YourSessionKey");
  CAF_CHECK_EQUAL(s->code, 0);
}

CAF_TEST(a wrong verify key is fatal) {
  auto f
    = parse_frame(R"({"syncId":"","data":{"code":1,"msg":"Auth Key错误"}})");
  CAF_REQUIRE(f);
  CAF_CHECK(f->type == frame_type::session);
  auto s = parse_session(f->data);
  CAF_REQUIRE(s);
  CAF_CHECK(!s->ok());
  CAF_CHECK_EQUAL(s->code, 1);
  CAF_CHECK_EQUAL(s->msg, "Auth Key错误");
  CAF_CHECK_EQUAL(std::string{to_string(s->kind)}, "fatal");
}

CAF_TEST(session errors are classified by state code) {
  struct {
    int code;
    const char* kind;
    const char* name;
  } table[] = {
    {1, "fatal", "wrong verify key"},
    {2, "retry", "bot does not exist"},
    {3, "retry", "session invalid or missing"},
    {4, "retry", "session not verified"},
    {5, "retry", "target does not exist"},
    {6, "retry", "operation not supported"},
    {10, "retry", "permission denied"},
    {20, "retry", "bot muted"},
    {30, "retry", "message too long"},
    {400, "fatal", "invalid parameter"},
    {500, "retry", "internal error"},
    {7, "retry", "unknown state code"},
  };
  for (auto& row : table) {
    CAF_MESSAGE("code " << row.code);
    auto data = R"({"code":)" + std::to_string(row.code) + R"(,"msg":"…"})";
    auto s = parse_session(data);
    CAF_REQUIRE(s);
    CAF_CHECK_EQUAL(std::string{to_string(s->kind)}, row.kind);
    CAF_CHECK_EQUAL(std::string{state_code_name(row.code)}, row.name);
    CAF_CHECK_EQUAL(s->msg, "…");
  }
  CAF_CHECK_EQUAL(std::string{state_code_name(0)}, "success");
}

CAF_TEST(malformed session frames are rejected) {
  for (auto data :
       {"{}", R"({"code":"x"})", R"({"code":0})", R"({"code":0,"session":""})",
        R"({"code":0,"session":1})", R"({"code":99999999999})", "[]", "{"})
    CAF_CHECK(!parse_session(data));
}

// -- frames -------------------------------------------------------------------

CAF_TEST(frames are told apart by syncId) {
  auto f = parse_frame(R"({"syncId":"-1","data":{"type":"X"}})");
  CAF_REQUIRE(f);
  CAF_CHECK(f->type == frame_type::push);
  f = parse_frame(R"({"syncId":"123","data":{"code":0}})");
  CAF_REQUIRE(f);
  CAF_CHECK(f->type == frame_type::response);
  CAF_CHECK_EQUAL(f->sync_id, "123");
  // Lenient servers may send numbers.
  f = parse_frame(R"({"syncId":-1,"data":{}})");
  CAF_REQUIRE(f);
  CAF_CHECK(f->type == frame_type::push);
  f = parse_frame(R"({"syncId":"-1","data":{}})", nullptr, "999");
  CAF_REQUIRE(f);
  CAF_CHECK(f->type == frame_type::response);
}

CAF_TEST(malformed frames are errors) {
  struct {
    const char* json;
    const char* error;
  } cases[] = {
    {"", "malformed JSON"},
    {"[1]", "not a JSON object"},
    {R"({"data":{}})", "syncId missing"},
    {R"({"syncId":null,"data":{}})", "syncId missing"},
    {R"({"syncId":"1"})", "data is not an object"},
    {R"({"syncId":"1","data":"x"})", "data is not an object"},
  };
  for (auto& c : cases) {
    std::string error;
    CAF_CHECK(!parse_frame(c.json, &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}

// -- pushes -------------------------------------------------------------------

CAF_TEST(bot status events) {
  // PROTOCOLS.md §3.4, verbatim.
  auto ev = push(
    R"({"syncId":"-1","data":{"type":"BotOfflineEventDropped","qq":123456}})");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == push_kind::bot_status);
  CAF_REQUIRE(ev->status);
  CAF_CHECK_EQUAL(std::string{to_string(*ev->status)}, "offline_dropped");
  CAF_CHECK_EQUAL(ev->qq, 123456);
  struct {
    const char* type;
    const char* status;
  } table[] = {
    {"BotOnlineEvent", "online"},
    {"BotOfflineEventActive", "offline_active"},
    {"BotOfflineEventForce", "offline_force"},
    {"BotOfflineEventDropped", "offline_dropped"},
    {"BotReloginEvent", "relogin"},
  };
  for (auto& row : table) {
    auto s = bot_status_of(row.type);
    CAF_REQUIRE(s);
    CAF_CHECK_EQUAL(std::string{to_string(*s)}, row.status);
  }
  CAF_CHECK(!bot_status_of("BotMuteEvent"));
}

CAF_TEST(other events pass through by type) {
  auto ev = push(R"({"syncId":"-1","data":{"type":"NudgeEvent","fromId":1}})");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == push_kind::other);
  CAF_CHECK_EQUAL(ev->type, "NudgeEvent");
  CAF_CHECK(!ev->message);
  ev = push(R"({"syncId":"-1","data":{"type":"StrangerMessage"}})");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == push_kind::other);
}

CAF_TEST(friend messages) {
  // The FriendMessage envelope of PROTOCOLS.md §3.3 with a chain.
  auto ev = push(
    R"({"syncId":"-1","data":{"type":"FriendMessage","sender":{"id":123,"nickname":"","remark":""},"messageChain":[{"type":"Source","id":4321,"time":1700000000},{"type":"Plain","text":"hello"}]}})");
  CAF_REQUIRE(ev);
  CAF_CHECK(ev->kind == push_kind::message);
  CAF_REQUIRE(ev->message);
  auto& m = *ev->message;
  CAF_CHECK_EQUAL(m.platform, "mirai");
  CAF_CHECK_EQUAL(m.bot, "mirai-bot");
  CAF_CHECK_EQUAL(m.id, "4321");
  CAF_CHECK_EQUAL(m.timestamp, 1700000000);
  CAF_CHECK_EQUAL(m.sender.id, "123");
  CAF_CHECK_EQUAL(m.sender.name, "");
  CAF_CHECK_EQUAL(m.context.room_id, "friend:123");
  CAF_CHECK_EQUAL(m.context.guild_id, "");
  CAF_CHECK_EQUAL(m.text, "hello");
  CAF_CHECK_EQUAL(segments_of(m), "text(hello)");
  CAF_CHECK(!m.mentions_bot);
  CAF_CHECK_EQUAL(m.reply_to, "");
}

CAF_TEST(group messages with every supported element) {
  auto ev = push(
    R"({"syncId":"-1","data":{"type":"GroupMessage","sender":{"id":222,)"
    R"("memberName":"Bob","specialTitle":"","permission":"MEMBER",)"
    R"("joinTimestamp":0,"lastSpeakTimestamp":0,"muteTimeRemaining":0,)"
    R"("group":{"id":333,"name":"G","permission":"MEMBER"}},)"
    R"("messageChain":[{"type":"Source","id":7,"time":1700000001},)"
    R"({"type":"Quote","id":6,"groupId":333,"senderId":1,"targetId":333,"origin":[]},)"
    R"({"type":"At","target":10001,"display":"@Bot"},)"
    R"({"type":"Plain","text":" hi "},{"type":"Plain","text":"there"},)"
    R"({"type":"At","target":444,"display":""},)"
    R"({"type":"AtAll"},)"
    R"({"type":"Face","faceId":14,"name":"微笑"},)"
    R"({"type":"Face","faceId":15},)"
    R"({"type":"Image","imageId":"{ABC}.jpg","url":"http://i/x.jpg","size":99},)"
    R"({"type":"Voice","voiceId":"v"},"junk",)"
    R"({"type":"At","target":"555","display":"Carol"}]}})");
  CAF_REQUIRE(ev);
  CAF_REQUIRE(ev->message);
  auto& m = *ev->message;
  CAF_CHECK_EQUAL(m.id, "7");
  CAF_CHECK_EQUAL(m.sender.id, "222");
  CAF_CHECK_EQUAL(m.sender.name, "Bob");
  CAF_CHECK_EQUAL(m.context.room_id, "group:333");
  CAF_CHECK_EQUAL(m.context.guild_id, "333");
  CAF_CHECK_EQUAL(m.reply_to, "6");
  CAF_CHECK(m.mentions_bot);
  CAF_CHECK_EQUAL(m.text, "@Bot hi there@444@全体成员[微笑][face:15]@Carol");
  CAF_CHECK_EQUAL(segments_of(m),
                  "mention(@Bot|10001)text( hi there)mention(@444|444)"
                  "mention_all(@全体成员)emoji([微笑]|14)emoji([face:15]|15)"
                  "image(|http://i/x.jpg)mention(@Carol|555)");
  CAF_REQUIRE_EQUAL(m.attachments.size(), 1u);
  CAF_CHECK_EQUAL(m.attachments[0].url, "http://i/x.jpg");
  CAF_CHECK_EQUAL(m.attachments[0].name, "{ABC}.jpg");
  CAF_CHECK_EQUAL(m.attachments[0].size, 99u);
}

CAF_TEST(at all alone does not mention the bot) {
  auto ev = push(
    R"({"syncId":"-1","data":{"type":"GroupMessage","sender":{"id":2,)"
    R"("memberName":"A","group":{"id":3}},"messageChain":[)"
    R"({"type":"Source","id":1,"time":1},{"type":"AtAll"},)"
    R"({"type":"At","target":10002,"display":"@other"}]}})");
  CAF_REQUIRE(ev);
  CAF_REQUIRE(ev->message);
  CAF_CHECK(!ev->message->mentions_bot);
}

CAF_TEST(temp messages keep the group for the reply) {
  auto ev = push(
    R"({"syncId":"-1","data":{"type":"TempMessage","sender":{"id":9,)"
    R"("memberName":"T","group":{"id":8,"name":"G"}},"messageChain":[)"
    R"({"type":"Source","id":5,"time":2},{"type":"Plain","text":"psst"}]}})");
  CAF_REQUIRE(ev);
  CAF_REQUIRE(ev->message);
  CAF_CHECK_EQUAL(ev->message->context.room_id, "temp:9");
  CAF_CHECK_EQUAL(ev->message->context.guild_id, "8");
  CAF_CHECK_EQUAL(ev->message->sender.name, "T");
}

CAF_TEST(malformed pushes are errors) {
  struct {
    const char* data;
    const char* error;
  } cases[] = {
    {"{", "malformed JSON"},
    {R"({"qq":1})", "type missing"},
    {R"({"type":""})", "type missing"},
    {R"({"type":"FriendMessage","messageChain":[]})", "sender missing"},
    {R"({"type":"FriendMessage","sender":{"id":"x"},"messageChain":[]})",
     "sender.id missing"},
    {R"({"type":"GroupMessage","sender":{"id":1},"messageChain":[]})",
     "sender.group.id missing"},
    {R"({"type":"FriendMessage","sender":{"id":1}})", "messageChain missing"},
    {R"({"type":"FriendMessage","sender":{"id":1},"messageChain":{}})",
     "messageChain missing"},
    {R"({"type":"FriendMessage","sender":{"id":1},)"
     R"("messageChain":[{"type":"Plain","text":"x"}]})",
     "Source element missing"},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.data);
    std::string error;
    CAF_CHECK(!parse_push(c.data, bot_qq, "b", &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}

// -- commands -----------------------------------------------------------------

CAF_TEST(sync ids count up and wrap before the int32 limit) {
  sync_id_allocator ids;
  CAF_CHECK_EQUAL(ids.next(), "1");
  CAF_CHECK_EQUAL(ids.next(), "2");
  for (int i = 0; i < 1000; ++i) {
    auto id = ids.next();
    CAF_REQUIRE(!id.empty() && id != "-1");
  }
}

CAF_TEST(send group message matches the documented frame) {
  // PROTOCOLS.md §3.2, verbatim.
  CAF_CHECK_EQUAL(
    make_send_group_message("123", 987654321, "hello"),
    R"({"syncId":"123","command":"sendGroupMessage","subCommand":null,"content":{"target":987654321,"messageChain":[{"type":"Plain","text":"hello"}]}})");
  CAF_CHECK_EQUAL(
    make_send_group_message("5", 1, "a\"b", 42),
    R"({"syncId":"5","command":"sendGroupMessage","subCommand":null,"content":{"target":1,"quote":42,"messageChain":[{"type":"Plain","text":"a\"b"}]}})");
}

CAF_TEST(friend and temp messages and about) {
  CAF_CHECK_EQUAL(
    make_send_friend_message("7", 123, "hi"),
    R"({"syncId":"7","command":"sendFriendMessage","subCommand":null,"content":{"target":123,"messageChain":[{"type":"Plain","text":"hi"}]}})");
  CAF_CHECK_EQUAL(
    make_send_temp_message("8", 9, 8, "psst", 5),
    R"({"syncId":"8","command":"sendTempMessage","subCommand":null,"content":{"qq":9,"group":8,"quote":5,"messageChain":[{"type":"Plain","text":"psst"}]}})");
  CAF_CHECK_EQUAL(
    make_about("9"),
    R"({"syncId":"9","command":"about","subCommand":null,"content":{}})");
}

CAF_TEST(replies pick the command from the room) {
  outbound_reply r;
  r.text = "ok";
  r.context.room_id = "group:333";
  r.reply_to = "7";
  CAF_CHECK_EQUAL(
    make_reply("1", r).value_or(""),
    R"({"syncId":"1","command":"sendGroupMessage","subCommand":null,"content":{"target":333,"quote":7,"messageChain":[{"type":"Plain","text":"ok"}]}})");
  r.context.room_id = "friend:123";
  r.reply_to = "";
  CAF_CHECK_EQUAL(
    make_reply("2", r).value_or(""),
    R"({"syncId":"2","command":"sendFriendMessage","subCommand":null,"content":{"target":123,"messageChain":[{"type":"Plain","text":"ok"}]}})");
  r.context.room_id = "temp:9";
  r.context.guild_id = "8";
  r.reply_to = "not-a-number";
  CAF_CHECK_EQUAL(
    make_reply("3", r).value_or(""),
    R"({"syncId":"3","command":"sendTempMessage","subCommand":null,"content":{"qq":9,"group":8,"messageChain":[{"type":"Plain","text":"ok"}]}})");
  r.context.guild_id = "";
  CAF_CHECK(!make_reply("4", r));
  for (auto room : {"", "group:x", "channel:1", "group"}) {
    r.context.room_id = room;
    CAF_CHECK(!make_reply("5", r));
  }
}

CAF_TEST(command responses) {
  // PROTOCOLS.md §3.2, verbatim.
  auto f = parse_frame(
    R"({"syncId":"123","data":{"code":0,"msg":"success","messageId":1234567890}})");
  CAF_REQUIRE(f);
  CAF_CHECK(f->type == frame_type::response);
  auto r = parse_response(f->data);
  CAF_REQUIRE(r);
  CAF_CHECK(r->ok());
  CAF_CHECK_EQUAL(r->msg, "success");
  CAF_CHECK_EQUAL(r->message_id.value_or(0), 1234567890);
  r = parse_response(R"({"code":20,"msg":"Bot被禁言"})");
  CAF_REQUIRE(r);
  CAF_CHECK(!r->ok());
  CAF_CHECK_EQUAL(r->code, 20);
  CAF_CHECK(!r->message_id);
  r = parse_response(R"({"code":0,"msg":"","data":{"version":"2.10.0"}})");
  CAF_REQUIRE(r);
  CAF_CHECK(r->ok());
  // Lenient servers may send the code as a string.
  CAF_CHECK(parse_response(R"({"code":"0"})"));
  for (auto data : {"{}", R"({"code":"x"})", "[]", "", R"({"code":1.5})"})
    CAF_CHECK(!parse_response(data));
}
