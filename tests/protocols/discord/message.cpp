#define CAF_SUITE protocols.discord.message

#include "protocols/discord/message.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"
#include "protocols/discord/gateway.hpp"

using namespace tether;
using namespace tether::discord;

namespace {

using strings = std::vector<std::string>;

// A realistic MESSAGE_CREATE `d` (~1.3 KB): a reply in a guild that
// mentions the bot and a member with a nick, links a channel, uses a custom
// emoji, a timestamp tag and a role mention, and carries an attachment.
// referenced_message comes first and has its own id/content/mentions.
const std::string sample
  = R"({"type":19,"tts":false,"timestamp":"2024-05-01T12:34:56.789000+00:00",)"
    R"("referenced_message":{"type":0,"id":"1235000000000000000",)"
    R"("content":"anyone up for a game?","mentions":[{"id":"999",)"
    R"("username":"x"}],"channel_id":"1100000000000000001",)"
    R"("author":{"username":"carol","id":"300000000000000003",)"
    R"("global_name":"Carol"}},"pinned":false,"message_reference":{"type":0,)"
    R"("message_id":"1235000000000000000","guild_id":"1000000000000000000",)"
    R"("channel_id":"1100000000000000001"},"mentions":[{)"
    R"("username":"tetherbot",)"
    R"("member":{"roles":[],"nick":null},"id":"200000000000000002",)"
    R"("global_name":null,"bot":true},{"username":"carol",)"
    R"("member":{"roles":["400000000000000004"],"nick":"Caz"},)"
    R"("id":"300000000000000003","global_name":"Carol"}],)"
    R"("mention_roles":["400000000000000004"],"mention_everyone":false,)"
    R"("id":"1235000123456789012","embeds":[],"edited_timestamp":null,)"
    R"("content":"<@200000000000000002> hi <@!300000000000000003>, see )"
    R"(<#1100000000000000009> <:blobwave:500000000000000005> )"
    R"(<t:1714566896:R> )"
    R"(<@&400000000000000004>","channel_id":"1100000000000000001",)"
    R"("author":{"username":"alice","id":"100000000000000001",)"
    R"("global_name":"Alice A.","avatar":"a1b2c3"},)"
    R"("attachments":[{"url":"https://cdn.discordapp.com/attachments/)"
    R"(1100000000000000001/600000000000000006/cat.png?ex=66","size":48213,)"
    R"("id":"600000000000000006","filename":"cat.png",)"
    R"("content_type":"image/png"}],"guild_id":"1000000000000000000"})";

// "type|text|target" per segment.
strings flat(const std::vector<segment>& xs) {
  strings result;
  for (auto& x : xs)
    result.push_back(x.type + "|" + x.text + "|" + x.target);
  return result;
}

std::string joined(const std::vector<segment>& xs) {
  std::string result;
  for (auto& x : xs)
    result += x.text;
  return result;
}

// Converts a minimal message whose content is `content`; mentions of user
// 1 (nick N1), 2 (global name G2) and 3 (username u3) are known.
inbound_message convert_content(const std::string& content) {
  nlohmann::json d = {
    {"id", "10"},
    {"channel_id", "20"},
    {"author", {{"id", "30"}, {"username", "sam"}, {"global_name", nullptr}}},
    {"content", content},
    {"mentions",
     {{{"id", "1"},
       {"username", "u1"},
       {"global_name", "G1"},
       {"member", {{"nick", "N1"}}}},
      {{"id", "2"}, {"username", "u2"}, {"global_name", "G2"}},
      {{"id", "3"}, {"username", "u3"}, {"global_name", nullptr}}}},
  };
  std::string error;
  auto msg = convert_message_create(d.dump(), "b", "2", &error);
  if (!msg) CAF_FAIL("conversion failed: " << error);
  if (joined(msg->segments) != msg->text)
    CAF_FAIL("segments do not add up to the text: " << msg->text);
  return std::move(*msg);
}

} // namespace

CAF_TEST(the sample converts completely) {
  CAF_REQUIRE_GREATER(sample.size(), 1000u);
  CAF_REQUIRE_LESS(sample.size(), 1500u);
  std::string error;
  auto msg = convert_message_create(sample, "main", "200000000000000002",
                                    &error);
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK_EQUAL(msg->platform, "discord");
  CAF_CHECK_EQUAL(msg->bot, "main");
  CAF_CHECK_EQUAL(msg->id, "1235000123456789012");
  CAF_CHECK_EQUAL(msg->sender.id, "100000000000000001");
  CAF_CHECK_EQUAL(msg->sender.name, "Alice A.");
  CAF_CHECK_EQUAL(msg->timestamp, 1714566896);
  CAF_CHECK_EQUAL(msg->context.room_id, "1100000000000000001");
  CAF_CHECK_EQUAL(msg->context.guild_id, "1000000000000000000");
  CAF_CHECK_EQUAL(msg->context.thread_id, "");
  CAF_CHECK_EQUAL(msg->text, "@tetherbot hi @Caz, see #1100000000000000009 "
                             ":blobwave: <t:1714566896:R> @role");
  CAF_CHECK_EQUAL(flat(msg->segments),
                  (strings{
                    "mention|@tetherbot|200000000000000002",
                    "text| hi |",
                    "mention|@Caz|300000000000000003",
                    "text|, see |",
                    "channel|#1100000000000000009|1100000000000000009",
                    "text| |",
                    "emoji|:blobwave:|500000000000000005",
                    "text| <t:1714566896:R> |",
                    "role|@role|400000000000000004",
                  }));
  CAF_REQUIRE_EQUAL(msg->attachments.size(), 1u);
  auto& a = msg->attachments[0];
  CAF_CHECK_EQUAL(a.url, "https://cdn.discordapp.com/attachments/"
                         "1100000000000000001/600000000000000006/"
                         "cat.png?ex=66");
  CAF_CHECK_EQUAL(a.name, "cat.png");
  CAF_CHECK_EQUAL(a.content_type, "image/png");
  CAF_CHECK_EQUAL(a.size, 48213u);
  CAF_CHECK_EQUAL(msg->reply_to, "1235000000000000000");
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->raw, sample);
}

CAF_TEST(the sample converts from inside a dispatch frame) {
  auto frame
    = parse_frame(R"({"t":"MESSAGE_CREATE","s":7,"op":0,"d":)" + sample + "}");
  CAF_REQUIRE(frame);
  CAF_CHECK_EQUAL(frame->d, sample);
  auto msg = convert_message_create(frame->d, "main", "1");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->id, "1235000123456789012");
  CAF_CHECK(!msg->mentions_bot);
}

CAF_TEST(mention names prefer nick then global name then username) {
  auto msg = convert_content("<@1> <@2> <@3> <@!1> <@4>");
  CAF_CHECK_EQUAL(msg.text, "@N1 @G2 @u3 @N1 @4");
  CAF_CHECK_EQUAL(flat(msg.segments), (strings{
                                        "mention|@N1|1",
                                        "text| |",
                                        "mention|@G2|2",
                                        "text| |",
                                        "mention|@u3|3",
                                        "text| |",
                                        "mention|@N1|1",
                                        "text| |",
                                        "mention|@4|4",
                                      }));
  CAF_CHECK_EQUAL(msg.sender.name, "sam");
  CAF_CHECK(msg.mentions_bot); // user 2 is the bot here
}

CAF_TEST(emoji animated or not render as their name) {
  auto msg = convert_content("a<a:party_parrot:77>b<:ok:88>");
  CAF_CHECK_EQUAL(msg.text, "a:party_parrot:b:ok:");
  CAF_CHECK_EQUAL(flat(msg.segments), (strings{
                                        "text|a|",
                                        "emoji|:party_parrot:|77",
                                        "text|b|",
                                        "emoji|:ok:|88",
                                      }));
}

CAF_TEST(markup that is not a token stays verbatim) {
  strings inputs = {
    "<t:1714566896:R>",
    "<@abc>",
    "<@>",
    "<@12",
    "<#x>",
    "<:x:>",
    "<::1>",
    "<a:x>",
    "<:bad name:1>",
    "a < b and c <d>",
    "</cmd:123>",
    "<@123456789012345678901>", // 21 digits: not a snowflake
    "<",
    "@everyone <@&>",
  };
  for (auto& in : inputs) {
    auto msg = convert_content(in);
    CAF_CHECK_EQUAL(msg.text, in);
    CAF_CHECK_EQUAL(flat(msg.segments), (strings{"text|" + in + "|"}));
  }
}

CAF_TEST(tokens next to each other and broken prefixes) {
  auto msg = convert_content("<<@3>><#5><@&6>");
  CAF_CHECK_EQUAL(msg.text, "<@u3>#5@role");
  CAF_CHECK_EQUAL(flat(msg.segments), (strings{
                                        "text|<|",
                                        "mention|@u3|3",
                                        "text|>|",
                                        "channel|#5|5",
                                        "role|@role|6",
                                      }));
}

CAF_TEST(empty content has no segments) {
  auto msg = convert_content("");
  CAF_CHECK_EQUAL(msg.text, "");
  CAF_CHECK(msg.segments.empty());
  CAF_CHECK_EQUAL(msg.timestamp, 0);
  CAF_CHECK_EQUAL(msg.context.guild_id, "");
  CAF_CHECK_EQUAL(msg.reply_to, "");
  CAF_CHECK(msg.attachments.empty());
}

CAF_TEST(unicode and escapes in content survive) {
  auto msg = convert_content("h\u00e9llo \"w\"\n<@1> \xf0\x9f\x91\x8b");
  CAF_CHECK_EQUAL(msg.text, "h\u00e9llo \"w\"\n@N1 \xf0\x9f\x91\x8b");
}

CAF_TEST(a forward is not a reply) {
  auto d = R"({"id":"1","channel_id":"2","author":{"id":"3","username":"u"},)"
           R"("message_reference":{"type":1,"message_id":"9"}})";
  auto msg = convert_message_create(d, "b", "x");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->reply_to, "");
  d = R"({"id":"1","channel_id":"2","author":{"id":"3","username":"u"},)"
      R"("message_reference":{"message_id":"9"}})";
  msg = convert_message_create(d, "b", "x");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->reply_to, "9");
}

CAF_TEST(an attachment without content type keeps it empty) {
  auto d = R"({"id":"1","channel_id":"2","author":{"id":"3","username":"u"},)"
           R"("attachments":[{"id":"5","filename":"a.bin","size":3,)"
           R"("url":"https://x/a.bin"},{"id":"6","filename":"b.txt",)"
           R"("size":0,"url":"https://x/b.txt","content_type":null}]})";
  auto msg = convert_message_create(d, "b", "");
  CAF_REQUIRE(msg);
  CAF_REQUIRE_EQUAL(msg->attachments.size(), 2u);
  CAF_CHECK_EQUAL(msg->attachments[0].name, "a.bin");
  CAF_CHECK_EQUAL(msg->attachments[0].content_type, "");
  CAF_CHECK_EQUAL(msg->attachments[0].size, 3u);
  CAF_CHECK_EQUAL(msg->attachments[1].url, "https://x/b.txt");
  CAF_CHECK(!msg->mentions_bot);
}

CAF_TEST(non messages and malformed input are rejected) {
  struct {
    const char* d;
    const char* error;
  } cases[] = {
    {R"({"channel_id":"2","author":{"id":"3"}})", "id missing"},
    {R"({"id":"1","author":{"id":"3"}})", "channel_id missing"},
    {R"({"id":"1","channel_id":"2"})", "author.id missing"},
    {R"({"id":"1","channel_id":"2","author":{"username":"u"}})",
     "author.id missing"},
    {R"({"id":1,"channel_id":"2","author":{"id":"3"}})",
     "malformed message object"},
    {R"({"id":"1","channel_id":"2","author":{"id":"3"},"content":5})",
     "malformed message object"},
    {R"({"id":"1","channel_id":"2","author":{"id":"3"},"mentions":{}})",
     "malformed message object"},
    {R"({"id":"1","channel_id":"2","author":{"id":"3"},)"
     R"("timestamp":"yesterday"})",
     "malformed timestamp"},
    {R"({"id":"1","channel_id":"2","author":{"id":"3"}} x)", "malformed JSON"},
    {R"({"id":"1",)", "malformed"},
    {"null", "malformed"},
    {"", "malformed JSON"},
  };
  for (auto& c : cases) {
    std::string error;
    CAF_CHECK(!convert_message_create(c.d, "b", "", &error));
    if (error.find(c.error) == std::string::npos)
      CAF_FAIL("input " << c.d << ": error '" << error << "' lacks '" << c.error
                        << "'");
  }
}

CAF_TEST(iso 8601 timestamps become unix seconds) {
  CAF_CHECK(parse_iso8601("1970-01-01T00:00:00+00:00") == 0);
  CAF_CHECK(parse_iso8601("2024-05-01T12:34:56.789000+00:00") == 1714566896);
  CAF_CHECK(parse_iso8601("2024-05-01T12:34:56Z") == 1714566896);
  CAF_CHECK(parse_iso8601("2024-05-01T12:34:56") == 1714566896);
  CAF_CHECK(parse_iso8601("2024-05-01T14:34:56+02:00") == 1714566896);
  CAF_CHECK(parse_iso8601("2024-05-01T07:04:56.1-05:30") == 1714566896);
  CAF_CHECK(parse_iso8601("2000-02-29T00:00:00+00:00") == 951782400);
  CAF_CHECK(parse_iso8601("1969-12-31T23:59:59Z") == -1);
  CAF_CHECK(!parse_iso8601(""));
  CAF_CHECK(!parse_iso8601("2024-13-01T00:00:00Z"));
  CAF_CHECK(!parse_iso8601("2024-05-32T00:00:00Z"));
  CAF_CHECK(!parse_iso8601("2024-05-01T24:00:00Z"));
  CAF_CHECK(!parse_iso8601("2024-05-01T12:34:56+0000"));
  CAF_CHECK(!parse_iso8601("2024-05-01T12:34:56.Z"));
  CAF_CHECK(!parse_iso8601("2024-05-01T12:34:56Zjunk"));
  CAF_CHECK(!parse_iso8601("2024-5-01T12:34:56Z"));
}

CAF_TEST(other dispatches keep their ids and raw payload) {
  auto ids = parse_dispatch_ids(
    R"({"id":"5","unavailable":true,"channels":[{"id":"1"}]})");
  CAF_REQUIRE(ids);
  CAF_CHECK_EQUAL(ids->id, "5");
  CAF_CHECK(ids->unavailable);
  CAF_CHECK_EQUAL(ids->guild_id, "");
  CAF_CHECK(!parse_dispatch_ids("[1,2]"));
  CAF_CHECK(!parse_dispatch_ids("{bad"));
  CAF_CHECK(!parse_dispatch_ids(R"({"id":5})"));
  auto del = convert_dispatch(
    "MESSAGE_DELETE", R"({"id":"77","channel_id":"9","guild_id":null})", "main",
    "1000");
  CAF_REQUIRE(del);
  CAF_CHECK_EQUAL(del->type, "message_delete");
  CAF_CHECK_EQUAL(del->id, "77");
  CAF_CHECK_EQUAL(del->context.room_id, "9");
  CAF_CHECK_EQUAL(del->bot, "main");
  // A partial update (an embed resolved) has no author: ids only.
  auto partial = convert_dispatch(
    "MESSAGE_UPDATE", R"({"id":"77","channel_id":"9","embeds":[]})", "main",
    "1000");
  CAF_REQUIRE(partial);
  CAF_CHECK_EQUAL(partial->type, "message_update");
  CAF_CHECK_EQUAL(partial->text, "");
  // A full update converts like a new message.
  auto full = convert_dispatch(
    "MESSAGE_UPDATE",
    R"({"id":"77","channel_id":"9","author":{"id":"42","username":"a"},)"
    R"("content":"edited <@1000>","mentions":[{"id":"1000","username":"bot"}]})",
    "main", "1000");
  CAF_REQUIRE(full);
  CAF_CHECK_EQUAL(full->type, "message_update");
  CAF_CHECK_EQUAL(full->text, "edited @bot");
  CAF_CHECK(full->mentions_bot);
  auto ev = convert_dispatch("TYPING_START",
                             R"({"channel_id":"9","user_id":"42"})", "main",
                             "1000");
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL(ev->type, "event");
  CAF_CHECK_EQUAL(ev->event, "TYPING_START");
  CAF_CHECK_EQUAL(ev->raw, R"({"channel_id":"9","user_id":"42"})");
}
