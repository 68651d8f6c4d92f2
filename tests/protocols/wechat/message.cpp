#define CAF_SUITE protocols.wechat.message

#include "protocols/wechat/message.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::wechat;

namespace {

// The official example text message (PROTOCOLS.md §7).
constexpr char text_xml[]
  = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA["
    "fromUser]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><!"
    "[CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><Ms"
    "gId>1234567890123456</MsgId></xml>";

} // namespace

CAF_TEST(the official text message) {
  auto msg = convert_message(text_xml, "oa");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->platform, "wechat");
  CAF_CHECK_EQUAL(msg->bot, "oa");
  CAF_CHECK_EQUAL(msg->id, "1234567890123456");
  CAF_CHECK_EQUAL(msg->sender.id, "fromUser");
  CAF_CHECK_EQUAL(msg->text, "this is a test");
  CAF_CHECK_EQUAL(msg->timestamp, 1348831860);
  CAF_CHECK_EQUAL(msg->raw, text_xml);
  CAF_CHECK(msg->mentions_bot);
}

CAF_TEST(dedupe keys) {
  auto text = xml::parse_flat(text_xml);
  CAF_REQUIRE(text);
  CAF_CHECK_EQUAL(dedupe_key(*text), "1234567890123456");
  auto event = xml::parse_flat(
    "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA["
    "FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><!"
    "[CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>");
  CAF_REQUIRE(event);
  CAF_CHECK_EQUAL(dedupe_key(*event), "FromUser:123456789");
  auto msg = convert_message(
    "<xml><FromUserName>FromUser</FromUserName><CreateTime>123456789"
    "</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>",
    "oa");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->id, "FromUser:123456789");
  CAF_CHECK_EQUAL(msg->segments.at(0).target, "subscribe");
}

CAF_TEST(image messages) {
  auto msg = convert_message(
    "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA["
    "fromUser]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><!"
    "[CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.example/p]]></Pic"
    "Url><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgI"
    "d></xml>",
    "oa");
  CAF_REQUIRE(msg);
  CAF_REQUIRE_EQUAL(msg->attachments.size(), 1u);
  CAF_CHECK_EQUAL(msg->attachments[0].url, "http://mmbiz.example/p");
  CAF_CHECK_EQUAL(msg->segments.at(0).type, "image");
}

CAF_TEST(malformed pushes are errors) {
  std::string error;
  for (auto bad : {"", "<xml>", "<xml></xml>", "not xml",
                   "<xml><MsgType>text"
                   "</MsgType></xml>",
                   "<a><b></a></b>"}) {
    CAF_CHECK(!convert_message(bad, "oa", &error));
    CAF_MESSAGE(error);
  }
  CAF_CHECK(
    !convert_message("<xml><MsgType>text</MsgType></xml>", "oa", &error));
  CAF_CHECK_EQUAL(error, "wechat: message has no FromUserName");
}

CAF_TEST(passive reply) {
  CAF_CHECK_EQUAL(make_text_reply("fromUser", "toUser", 12345678, "hi"),
                  "<xml><ToUserName><![CDATA[fromUser]]></ToUserName>"
                  "<FromUserName><![CDATA[toUser]]></FromUserName>"
                  "<CreateTime>12345678</CreateTime>"
                  "<MsgType><![CDATA[text]]></MsgType>"
                  "<Content><![CDATA[hi]]></Content></xml>");
}

CAF_TEST(customer service message body) {
  CAF_CHECK_EQUAL(custom_send_path, "/cgi-bin/message/custom/send");
  CAF_CHECK_EQUAL(make_custom_text("OPENID", "Hello \"World\"\n"),
                  R"({"touser":"OPENID","msgtype":"text","text":{"content":)"
                  R"("Hello \"World\"\n"}})");
  // Invalid UTF-8 from users does not throw.
  auto body = make_custom_text("OPENID", "bad \xff byte");
  CAF_CHECK(nlohmann::json::accept(body));
}
