#define CAF_SUITE protocols.discord.interaction

#include "protocols/discord/interaction.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::discord;

namespace {

// Discord publishes no Ed25519 vectors; these use the key of RFC 8032
// test 1 and signatures computed independently of this code.
constexpr char public_key[]
  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

constexpr char ping_body[]
  = R"({"application_id":"111","id":"222","token":"tok","type":1,"version":1})";
constexpr char ping_timestamp[] = "1700000000";
constexpr char ping_signature[]
  = "df1206152c5e22f88eaa90ea0729205bc7ebf26a4fa0caec0f1187d789204f06"
    "013aa2f156fd5ac1423ab3bbd15ad38f27e03d611d5946c4ae840390c63f510f";

constexpr char command_body[]
  = R"({"application_id":"111","channel_id":"333","data":{"id":"444","name":"echo",)"
    R"("options":[{"name":"text","type":3,"value":"hello world"}],"type":1},)"
    R"("guild_id":"555","id":"1234567890123456789","member":{"nick":"Nick",)"
    R"("user":{"global_name":"Global","id":"666","username":"user"}},)"
    R"("token":"tok.en","type":2,"version":1})";
constexpr char command_timestamp[] = "1700000002";
constexpr char command_signature[]
  = "311941b1c3f45558bae38fcde8710745c6b59b666b9ee4eeefa709bd8475ca1e"
    "1ec5fd3d092f145b937e8b695af1e5fc02e4aa9a3393d6403330178a9ca71005";

std::string flip(std::string x, size_t i) {
  x[i] = static_cast<char>(x[i] ^ 0x01);
  return x;
}

std::string command_text(const std::string& options) {
  auto body
    = R"({"id":"1","application_id":"2","token":"t","type":2,)"
      R"("user":{"id":"9","username":"u"},"data":{"name":"cmd","options":)"
      + options + "}}";
  auto msg = convert_command(body, "bot");
  return msg ? msg->text : "<error>";
}

} // namespace

CAF_TEST(signatures verify over timestamp and raw body) {
  CAF_CHECK(
    verify_interaction(public_key, ping_signature, ping_timestamp, ping_body));
  CAF_CHECK(verify_interaction(public_key, command_signature, command_timestamp,
                               command_body));
}

CAF_TEST(tampered requests fail verification) {
  std::string body = ping_body;
  std::string sig = ping_signature;
  std::string ts = ping_timestamp;
  CAF_CHECK(!verify_interaction(public_key, sig, ts, flip(body, 30)));
  CAF_CHECK(!verify_interaction(public_key, sig, ts, body + "\n"));
  CAF_CHECK(!verify_interaction(public_key, sig, flip(ts, 9), body));
  CAF_CHECK(!verify_interaction(public_key, sig, "", body));
  CAF_CHECK(!verify_interaction(public_key, flip(sig, 0), ts, body));
  CAF_CHECK(!verify_interaction(public_key, flip(sig, 100), ts, body));
  CAF_CHECK(!verify_interaction(flip(public_key, 5), sig, ts, body));
  // The timestamp belongs to the message: swapping the two fails.
  CAF_CHECK(!verify_interaction(public_key, command_signature, ping_timestamp,
                                command_body));
  // Malformed hex and sizes.
  CAF_CHECK(!verify_interaction(public_key, "", ts, body));
  CAF_CHECK(!verify_interaction(public_key, sig.substr(1), ts, body));
  CAF_CHECK(!verify_interaction(public_key, sig.substr(2), ts, body));
  CAF_CHECK(!verify_interaction(public_key, "xy" + sig.substr(2), ts, body));
  CAF_CHECK(!verify_interaction("", sig, ts, body));
  CAF_CHECK(!verify_interaction("not hex", sig, ts, body));
}

CAF_TEST(ping and pong) {
  auto x = parse_interaction(ping_body);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->type, static_cast<int>(interaction_type::ping));
  CAF_CHECK_EQUAL(x->id, "222");
  CAF_CHECK_EQUAL(pong_response(), R"({"type":1})");
  // A PING needs nothing but its type.
  CAF_CHECK(parse_interaction(R"({"type":1})"));
}

CAF_TEST(parsing errors) {
  std::string error;
  CAF_CHECK(!parse_interaction("", &error));
  CAF_CHECK_EQUAL(error, "discord interaction: malformed JSON");
  CAF_CHECK(!parse_interaction(R"({"type":"2"})", &error));
  CAF_CHECK_EQUAL(error, "discord interaction: no integer type");
  CAF_CHECK(!parse_interaction(R"({"type":2,"id":"1","token":"t"})", &error));
  CAF_CHECK_EQUAL(error,
                  "discord interaction: missing id, application_id or token");
  CAF_CHECK(!parse_interaction(R"({"type":-3})", &error));
  CAF_CHECK(!parse_interaction(std::string(100000, '['), &error));
  CAF_CHECK_EQUAL(error, "discord interaction: malformed JSON");
}

CAF_TEST(application commands become messages) {
  auto x = parse_interaction(command_body);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->type, 2);
  CAF_CHECK_EQUAL(x->application_id, "111");
  CAF_CHECK_EQUAL(x->token, "tok.en");
  std::string error;
  auto msg = convert_command(command_body, "main", &error);
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->platform, "discord");
  CAF_CHECK_EQUAL(msg->bot, "main");
  CAF_CHECK_EQUAL(msg->id, "1234567890123456789");
  CAF_CHECK_EQUAL(msg->text, "/echo hello world");
  CAF_REQUIRE_EQUAL(msg->segments.size(), 1u);
  CAF_CHECK_EQUAL(msg->segments[0].text, "/echo hello world");
  CAF_CHECK_EQUAL(msg->sender.id, "666");
  CAF_CHECK_EQUAL(msg->sender.name, "Nick");
  CAF_CHECK_EQUAL(msg->context.room_id, "333");
  CAF_CHECK_EQUAL(msg->context.guild_id, "555");
  // (1234567890123456789 >> 22) + 1420070400000 ms.
  CAF_CHECK_EQUAL(msg->timestamp, 1714414322);
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->raw, command_body);
}

CAF_TEST(option rendering) {
  CAF_CHECK_EQUAL(command_text("[]"), "/cmd");
  CAF_CHECK_EQUAL(command_text(R"([{"name":"n","type":4,"value":42},)"
                               R"({"name":"b","type":5,"value":true},)"
                               R"({"name":"f","type":10,"value":1.5},)"
                               R"({"name":"s","type":3,"value":"x y"}])"),
                  "/cmd 42 true 1.5 x y");
  CAF_CHECK_EQUAL(command_text(R"([{"name":"group","type":2,"options":[)"
                               R"({"name":"sub","type":1,"options":[)"
                               R"({"name":"who","type":6,"value":"777"}]}]}])"),
                  "/cmd group sub 777");
  CAF_CHECK_EQUAL(command_text(R"([{"name":"sub","type":1}])"), "/cmd sub");
  // Nonsense options do not crash and stop at the sub-command depth.
  CAF_CHECK_EQUAL(command_text(
                    R"([1,"x",{"type":1},{"name":"a","options":[)"
                    R"({"name":"b","options":[{"name":"c","options":)"
                    R"([{"name":"deep"}]}]}]}])"),
                  "/cmd a b c");
  CAF_CHECK_EQUAL(command_text(R"({"name":"x"})"), "/cmd");
}

CAF_TEST(direct messages use the user object) {
  auto msg = convert_command(
    R"({"id":"1","application_id":"2","token":"t","type":2,"channel_id":"8",)"
    R"("user":{"id":"9","username":"solo"},"data":{"name":"ping"}})",
    "main");
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->sender.id, "9");
  CAF_CHECK_EQUAL(msg->sender.name, "solo");
  CAF_CHECK_EQUAL(msg->context.guild_id, "");
  CAF_CHECK_EQUAL(msg->text, "/ping");
}

CAF_TEST(non - commands and malformed commands are errors) {
  std::string error;
  CAF_CHECK(!convert_command(ping_body, "main", &error));
  CAF_CHECK_EQUAL(error, "discord interaction: not an application command");
  CAF_CHECK(!convert_command(R"({"type":2,"user":{"id":"9"},"data":{}})",
                             "main", &error));
  CAF_CHECK_EQUAL(error, "discord interaction: command without name");
  CAF_CHECK(
    !convert_command(R"({"type":2,"data":{"name":"x"}})", "main", &error));
  CAF_CHECK_EQUAL(error, "discord interaction: command without user id");
  CAF_CHECK(!convert_command("{", "main", &error));
  CAF_CHECK(
    !convert_command(R"({"type":2,"data":"x","user":7})", "main", &error));
}

CAF_TEST(response bodies) {
  CAF_CHECK_EQUAL(deferred_response(), R"({"type":5})");
  CAF_CHECK_EQUAL(message_response("hi <@1> \"q\""),
                  R"({"type":4,"data":{"content":"hi <@1> \"q\"",)"
                  R"("allowed_mentions":{"parse":[]}}})");
  CAF_CHECK(nlohmann::json::accept(message_response("bad \xff utf-8")));
  CAF_CHECK_EQUAL(followup_path("111", "tok.en"), "/webhooks/111/tok.en");
}
