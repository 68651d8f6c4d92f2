#define CAF_SUITE protocols.wecom.message

#include "protocols/wecom/message.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/wecom/crypto.hpp"

using namespace tether;
using namespace tether::wecom;

namespace {

constexpr char text_xml[]
  = "<xml><ToUserName><![CDATA[ww1234]]></ToUserName><FromUserName><![CDATA["
    "zhangsan]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><!"
    "[CDATA[text]]></MsgType><Content><![CDATA[hello <world>]]></Content><Msg"
    "Id>1234567890123456</MsgId><AgentID>1</AgentID></xml>";

} // namespace

CAF_TEST(text messages) {
  std::string error;
  auto msg = convert_message(text_xml, "corp", &error);
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->platform, "wecom");
  CAF_CHECK_EQUAL(msg->bot, "corp");
  CAF_CHECK_EQUAL(msg->id, "1234567890123456");
  CAF_CHECK_EQUAL(msg->sender.id, "zhangsan");
  CAF_CHECK_EQUAL(msg->context.room_id, "zhangsan");
  CAF_CHECK_EQUAL(msg->timestamp, 1348831860);
  CAF_CHECK_EQUAL(msg->text, "hello <world>");
  CAF_REQUIRE_EQUAL(msg->segments.size(), 1u);
  CAF_CHECK_EQUAL(msg->segments[0].type, "text");
  CAF_CHECK_EQUAL(msg->segments[0].text, "hello <world>");
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->raw, text_xml);
  CAF_CHECK(msg->attachments.empty());
}

CAF_TEST(image messages) {
  auto msg = convert_message(
    "<xml><ToUserName><![CDATA[ww1234]]></ToUserName><FromUserName><![CDATA["
    "lisi]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CD"
    "ATA[image]]></MsgType><PicUrl><![CDATA[https://p.example/1.jpg]]></PicU"
    "rl><MediaId><![CDATA[media_1]]></MediaId><MsgId>99</MsgId></xml>",
    "corp");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->text, "");
  CAF_REQUIRE_EQUAL(msg->segments.size(), 1u);
  CAF_CHECK_EQUAL(msg->segments[0].type, "image");
  CAF_CHECK_EQUAL(msg->segments[0].target, "https://p.example/1.jpg");
  CAF_REQUIRE_EQUAL(msg->attachments.size(), 1u);
  CAF_CHECK_EQUAL(msg->attachments[0].url, "https://p.example/1.jpg");
  CAF_CHECK_EQUAL(msg->attachments[0].name, "media_1");
  CAF_CHECK_EQUAL(msg->id, "99");
}

CAF_TEST(events have no MsgId and dedupe on sender and time) {
  auto msg = convert_message(
    "<xml><ToUserName><![CDATA[ww1234]]></ToUserName><FromUserName><![CDATA["
    "wangwu]]></FromUserName><CreateTime> 1408091189 </CreateTime><MsgType>"
    "<![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><!"
    "[CDATA[menu_1]]></EventKey><AgentID>1</AgentID></xml>",
    "corp");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->id, "wangwu:1408091189");
  CAF_CHECK_EQUAL(msg->timestamp, 1408091189);
  CAF_CHECK_EQUAL(msg->text, "");
  CAF_REQUIRE_EQUAL(msg->segments.size(), 1u);
  CAF_CHECK_EQUAL(msg->segments[0].type, "event");
  CAF_CHECK_EQUAL(msg->segments[0].target, "click");
}

CAF_TEST(other types and voice recognition) {
  auto voice = convert_message(
    "<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>"
    "voice</MsgType><MediaId>m</MediaId><Recognition><![CDATA[ni hao]]>"
    "</Recognition><MsgId>5</MsgId></xml>",
    "corp");
  CAF_REQUIRE(voice);
  CAF_CHECK_EQUAL(voice->text, "ni hao");
  auto location = convert_message(
    "<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>"
    "location</MsgType><Location_X>23.1</Location_X><MsgId>6</MsgId></xml>",
    "corp");
  CAF_REQUIRE(location);
  CAF_CHECK_EQUAL(location->text, "");
  CAF_REQUIRE_EQUAL(location->segments.size(), 1u);
  CAF_CHECK_EQUAL(location->segments[0].type, "location");
}

CAF_TEST(incomplete or malformed messages are errors) {
  std::string error;
  CAF_CHECK(!convert_message("<xml><FromUserName>u</FromUserName></xml>",
                             "corp", &error));
  CAF_CHECK_EQUAL(error, "wecom: message has no MsgType");
  CAF_CHECK(
    !convert_message("<xml><MsgType>text</MsgType></xml>", "corp", &error));
  CAF_CHECK_EQUAL(error, "wecom: message has no FromUserName");
  CAF_CHECK(!convert_message("<xml><FromUserName>u</FromUserName><MsgType>"
                             "text</MsgType><CreateTime>12x</CreateTime></xml>",
                             "corp", &error));
  CAF_CHECK_EQUAL(error, "wecom: CreateTime is not a number");
  CAF_CHECK(!convert_message("<xml><FromUserName>u</FromUserName><MsgType>"
                             "text</MsgType><CreateTime>99999999999999999999"
                             "</CreateTime></xml>",
                             "corp", &error));
  CAF_CHECK(!convert_message("<xml><MsgType>text", "corp", &error));
  CAF_CHECK_EQUAL(error.substr(0, 4), "xml:");
  CAF_CHECK(!convert_message("", "corp", &error));
}

CAF_TEST(passive text reply) {
  auto reply = make_text_reply("zhangsan", "ww1234", 1348831860, "a]]>b");
  CAF_CHECK_EQUAL(reply, "<xml><ToUserName><![CDATA[zhangsan]]></ToUserName>"
                         "<FromUserName><![CDATA[ww1234]]></FromUserName>"
                         "<CreateTime>1348831860</CreateTime>"
                         "<MsgType><![CDATA[text]]></MsgType>"
                         "<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>"
                         "</xml>");
  auto doc = xml::parse_flat(reply);
  CAF_REQUIRE(doc);
  CAF_CHECK_EQUAL(doc->get("Content"), "a]]>b");
}

CAF_TEST(a callback end to end) {
  auto crypt = msg_crypt::make(
    "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww1234");
  CAF_REQUIRE(crypt);
  auto encrypt = crypt->encrypt(text_xml);
  CAF_REQUIRE(encrypt);
  auto body = "<xml><ToUserName><![CDATA[ww1234]]></ToUserName><Encrypt><![CD"
              "ATA["
              + *encrypt + "]]></Encrypt></xml>";
  auto sig = msg_signature("QDG6eK", "1348831861", "77", *encrypt);
  auto inner = crypt->open_post(sig, "1348831861", "77", body);
  CAF_REQUIRE(inner);
  auto msg = convert_message(*inner, "corp");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->text, "hello <world>");
  auto sealed = crypt->seal_reply(make_text_reply(msg->sender.id, "ww1234",
                                                  1348831862, "pong"),
                                  "1348831862", "88");
  CAF_REQUIRE(sealed);
  auto envelope = xml::parse_flat(*sealed);
  CAF_REQUIRE(envelope);
  auto reply = crypt->decrypt(envelope->get("Encrypt"));
  CAF_REQUIRE(reply);
  auto doc = xml::parse_flat(*reply);
  CAF_REQUIRE(doc);
  CAF_CHECK_EQUAL(doc->get("ToUserName"), "zhangsan");
  CAF_CHECK_EQUAL(doc->get("Content"), "pong");
}
