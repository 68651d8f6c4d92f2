#define CAF_SUITE protocols.feishu.webhook

#include "protocols/feishu/webhook.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::feishu;

namespace {

// The documented url_verification request, encrypted elsewhere with the
// key "test key" and IV 00 01 .. 0f, and its signature for timestamp
// 1700000000 and nonce "nonce123".
constexpr char challenge_plain[]
  = R"({"challenge":"ajls384kdjx98XX","token":"xxxxxx","type":"url_verification"})";
constexpr char challenge_encrypted[]
  = "AAECAwQFBgcICQoLDA0ODw9mLTIAZS9jAmGTQ1wAhHpnBHVL2wRjH9rPunQdQC1vLjsckay"
    "A10kZ8cPwtb62F8rC7JprUPR/4S2aZihfR+p8npX7UzWPithZmfKIPZgE";
constexpr char challenge_signature[]
  = "3d0c699fc2e01244af25e03bfb5fdd58f72780c45c0fe7c22b7a71fea8cb3342";

constexpr char event_json[]
  = R"({"schema":"2.0","header":{"event_id":"ev_1","event_type":"im.message.receive_v1",)"
    R"("app_id":"cli_a","tenant_key":"tk","create_time":"1700000000123","token":"vtok"},)"
    R"("event":{"sender":{"sender_id":{"union_id":"on_1","user_id":"u1","open_id":"ou_sender"},)"
    R"("sender_type":"user","tenant_key":"tk"},"message":{"message_id":"om_1","root_id":"",)"
    R"("parent_id":"om_0","create_time":"1700000000456","update_time":"1700000000456",)"
    R"("chat_id":"oc_chat","thread_id":"","chat_type":"group","message_type":"text",)"
    R"("content":"{\"text\": \"@_user_1 hello @_user_10!\"}","mentions":[)"
    R"({"key":"@_user_1","id":{"open_id":"ou_bot","user_id":"","union_id":"on_bot"},)"
    R"("name":"Tether","tenant_key":"tk"},{"key":"@_user_10","id":{"open_id":"ou_ann",)"
    R"("user_id":"ann","union_id":"on_ann"},"name":"Ann","tenant_key":"tk"}]}}})";

webhook_config config() {
  webhook_config cfg;
  cfg.bot_name = "lark";
  cfg.encrypt_key = "test key";
  cfg.verification_token = "vtok";
  cfg.bot_ids = {"ou_bot"};
  return cfg;
}

std::string flip(std::string x, size_t i) {
  x[i] = static_cast<char>(x[i] ^ 0x01);
  return x;
}

// An encrypted, signed request for `json` under config().
request sealed(const std::string& json, std::string& body, std::string& sig) {
  auto enc = encrypt(json, "test key", std::string(16, '\x5a'));
  body = R"({"encrypt":")" + enc.value_or("") + "\"}";
  sig = signature("1700000001", "n2", "test key", body);
  return request{"1700000001", "n2", sig, body};
}

// Replaces every `from` in `x`.
std::string replace_all(std::string x, std::string_view from,
                        std::string_view to) {
  for (auto i = x.find(from); i != std::string::npos;
       i = x.find(from, i + to.size()))
    x.replace(i, from.size(), to);
  return x;
}

} // namespace

CAF_TEST(vector V4) {
  std::string error;
  auto plain = decrypt(
    "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "test key", &error);
  CAF_REQUIRE(plain);
  CAF_CHECK_EQUAL(*plain, "hello world");
  CAF_CHECK_EQUAL(plain->size(), 11u);
  // Same IV, same ciphertext.
  auto iv = std::string("\x3f\x7e\xf0\xf9\x56\x48\x98\xd8\x0f\x10\xed\x51\x06"
                        "\x12\x7a\x46",
                        16);
  CAF_CHECK(encrypt("hello world", "test key", iv)
            == std::string{"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="});
}

CAF_TEST(decrypt errors) {
  std::string error;
  CAF_CHECK(!decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "test kez",
                     &error));
  CAF_CHECK_EQUAL(error.substr(0, 15), "feishu: pkcs7: ");
  CAF_CHECK(!decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk", "test key",
                     &error));
  CAF_CHECK_EQUAL(error, "feishu: base64: length 43 is not a multiple of 4");
  CAF_CHECK(!decrypt("AAAAAAAAAAAAAAAAAAAAAA==", "test key", &error));
  CAF_CHECK_EQUAL(error, "feishu: ciphertext too short");
  CAF_CHECK(!decrypt("", "test key", &error));
  // IV plus 17 bytes: not whole blocks.
  CAF_CHECK(!decrypt(
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "test key", &error));
}

CAF_TEST(signatures) {
  std::string body = R"({"encrypt":")" + std::string{challenge_encrypted}
                     + "\"}";
  CAF_CHECK_EQUAL(signature("1700000000", "nonce123", "test key", body),
                  challenge_signature);
  CAF_CHECK(verify_signature("1700000000", "nonce123", "test key", body,
                             challenge_signature));
  CAF_CHECK(!verify_signature("1700000001", "nonce123", "test key", body,
                              challenge_signature));
  CAF_CHECK(!verify_signature("1700000000", "nonce124", "test key", body,
                              challenge_signature));
  CAF_CHECK(!verify_signature("1700000000", "nonce123", "test kez", body,
                              challenge_signature));
  CAF_CHECK(!verify_signature("1700000000", "nonce123", "test key",
                              flip(body, 20), challenge_signature));
  CAF_CHECK(!verify_signature("1700000000", "nonce123", "test key", body,
                              flip(challenge_signature, 0)));
  CAF_CHECK(!verify_signature("1700000000", "nonce123", "test key", body, ""));
}

CAF_TEST(url verification in plain and encrypted form) {
  auto plain = as_url_verification(challenge_plain);
  CAF_REQUIRE(plain);
  CAF_CHECK_EQUAL(plain->challenge, "ajls384kdjx98XX");
  CAF_CHECK_EQUAL(plain->token, "xxxxxx");
  CAF_CHECK_EQUAL(challenge_response(plain->challenge),
                  R"({"challenge":"ajls384kdjx98XX"})");
  std::string body = R"({"encrypt":")" + std::string{challenge_encrypted}
                     + "\"}";
  auto opened = open_body(body, "test key");
  CAF_REQUIRE(opened);
  CAF_CHECK_EQUAL(*opened, challenge_plain);
  CAF_CHECK(!as_url_verification(event_json));
  CAF_CHECK(!as_url_verification("not json"));
  CAF_CHECK(!as_url_verification(R"({"type":"url_verification"})"));
}

CAF_TEST(handle_request answers challenges) {
  auto cfg = config();
  cfg.verification_token = "xxxxxx";
  std::string body = R"({"encrypt":")" + std::string{challenge_encrypted}
                     + "\"}";
  // The SDKs skip the signature for url_verification, so none is given.
  auto out = handle_request({"", "", "", body}, cfg);
  CAF_CHECK(out.kind == outcome_kind::challenge);
  CAF_CHECK_EQUAL(out.status, 200);
  CAF_CHECK_EQUAL(out.response, R"({"challenge":"ajls384kdjx98XX"})");
  // Plain, without an encrypt key.
  cfg.encrypt_key.clear();
  auto plain = handle_request({"", "", "", challenge_plain}, cfg);
  CAF_CHECK(plain.kind == outcome_kind::challenge);
  CAF_CHECK_EQUAL(plain.response, R"({"challenge":"ajls384kdjx98XX"})");
  // A wrong token.
  cfg.verification_token = "other";
  auto wrong = handle_request({"", "", "", challenge_plain}, cfg);
  CAF_CHECK(wrong.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(wrong.status, 401);
  CAF_CHECK_EQUAL(wrong.error, "feishu: url_verification token mismatch");
  // Encrypted, but no key configured.
  auto no_key = handle_request({"", "", "", body}, cfg);
  CAF_CHECK(no_key.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(no_key.status, 400);
  CAF_CHECK_EQUAL(no_key.error,
                  "feishu: encrypted body but no encrypt key configured");
}

CAF_TEST(handle_request accepts signed events and rejects tampering) {
  auto cfg = config();
  std::string body;
  std::string sig;
  auto req = sealed(event_json, body, sig);
  auto out = handle_request(req, cfg);
  CAF_CHECK(out.kind == outcome_kind::event);
  CAF_CHECK_EQUAL(out.status, 200);
  CAF_CHECK_EQUAL(out.response, R"({"msg":"success"})");
  CAF_REQUIRE(out.event);
  CAF_CHECK_EQUAL(out.event->event_id, "ev_1");
  // One flipped byte in the timestamp, nonce, signature or body.
  auto t1 = req;
  auto ts = flip(std::string{req.timestamp}, 9);
  t1.timestamp = ts;
  CAF_CHECK_EQUAL(handle_request(t1, cfg).status, 401);
  auto t2 = req;
  auto nonce = flip(std::string{req.nonce}, 0);
  t2.nonce = nonce;
  CAF_CHECK_EQUAL(handle_request(t2, cfg).status, 401);
  auto t3 = req;
  auto bad_sig = flip(sig, 5);
  t3.signature = bad_sig;
  auto rejected = handle_request(t3, cfg);
  CAF_CHECK(rejected.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(rejected.status, 401);
  CAF_CHECK_EQUAL(rejected.error, "feishu: signature mismatch");
  CAF_CHECK(!rejected.event);
  auto t4 = req;
  t4.signature = "";
  CAF_CHECK_EQUAL(handle_request(t4, cfg).status, 401);
  // A flipped ciphertext byte: the signature no longer matches.
  auto t5 = req;
  auto bad_body = flip(body, 40);
  t5.body = bad_body;
  auto flipped = handle_request(t5, cfg);
  CAF_CHECK(flipped.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(flipped.status, 401);
  CAF_CHECK_EQUAL(flipped.error, "feishu: signature mismatch");
}

CAF_TEST(unsigned bodies pass only as url_verification) {
  auto cfg = config();
  std::string body;
  std::string sig;
  auto req = sealed(event_json, body, sig);
  req.signature = "";
  auto unsigned_event = handle_request(req, cfg);
  CAF_CHECK(unsigned_event.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(unsigned_event.status, 401);
  CAF_CHECK_EQUAL(unsigned_event.error, "feishu: signature mismatch");
  // Broken padding without a signature looks like any other rejection.
  std::string broken
    = R"({"encrypt":")"
      + encrypt("x", "other key", std::string(16, 'i')).value_or("") + "\"}";
  auto padding = handle_request({"", "", "", broken}, cfg);
  CAF_CHECK(padding.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(padding.status, 401);
  // Signed but undecryptable is the sender's bug: 400.
  auto signed_broken = signature("1", "n", "test key", broken);
  auto bad = handle_request({"1", "n", signed_broken, broken}, cfg);
  CAF_CHECK(bad.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(bad.status, 400);
}

CAF_TEST(handle_request checks the verification token) {
  auto cfg = config();
  std::string body;
  std::string sig;
  auto req = sealed(replace_all(event_json, "vtok", "other"), body, sig);
  auto out = handle_request(req, cfg);
  CAF_CHECK(out.kind == outcome_kind::rejected);
  CAF_CHECK_EQUAL(out.error, "feishu: verification token mismatch");
  cfg.verification_token.clear();
  CAF_CHECK(handle_request(req, cfg).kind == outcome_kind::event);
}

CAF_TEST(handle_request without encryption) {
  auto cfg = config();
  cfg.encrypt_key.clear();
  auto out = handle_request({"", "", "", event_json}, cfg);
  CAF_CHECK(out.kind == outcome_kind::event);
  for (auto bad : {"", "[]", "{", R"({"schema":"2.0"})",
                   R"({"schema":"2.0","header":{"event_id":"x"}})",
                   R"({"uuid":"v1 event","event":{}})"}) {
    auto r = handle_request({"", "", "", bad}, cfg);
    CAF_CHECK(r.kind == outcome_kind::rejected);
    CAF_CHECK_EQUAL(r.status, 400);
    CAF_MESSAGE(r.error);
  }
}

CAF_TEST(envelope fields) {
  std::string error;
  auto env = parse_envelope(event_json, &error);
  CAF_REQUIRE(env);
  CAF_CHECK_EQUAL(env->event_id, "ev_1");
  CAF_CHECK_EQUAL(env->event_type, "im.message.receive_v1");
  CAF_CHECK_EQUAL(env->create_time, "1700000000123");
  CAF_CHECK_EQUAL(env->token, "vtok");
  CAF_CHECK_EQUAL(env->app_id, "cli_a");
  CAF_CHECK_EQUAL(env->tenant_key, "tk");
  CAF_CHECK(nlohmann::json::parse(env->event)["message"]["message_id"]
            == "om_1");
  CAF_CHECK(!parse_envelope(R"({"schema":"1.0","header":{}})", &error));
  CAF_CHECK_EQUAL(error, "feishu: not a schema 2.0 event");
  CAF_CHECK(!parse_envelope(R"({"schema":"2.0","header":[]})", &error));
  CAF_CHECK_EQUAL(error, "feishu: event without header");
  CAF_CHECK(!parse_envelope(std::string(100000, '{'), &error));
  CAF_CHECK_EQUAL(error, "feishu: malformed event JSON");
}

CAF_TEST(text messages with mentions) {
  auto env = parse_envelope(event_json);
  CAF_REQUIRE(env);
  std::string error;
  auto msg = convert_message_receive(*env, config(), &error);
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->platform, "feishu");
  CAF_CHECK_EQUAL(msg->bot, "lark");
  CAF_CHECK_EQUAL(msg->id, "om_1");
  CAF_CHECK_EQUAL(msg->sender.id, "ou_sender");
  CAF_CHECK_EQUAL(msg->context.room_id, "oc_chat");
  CAF_CHECK_EQUAL(msg->context.thread_id, "");
  CAF_CHECK_EQUAL(msg->reply_to, "om_0");
  CAF_CHECK_EQUAL(msg->timestamp, 1700000000);
  // @_user_10 must not be read as @_user_1 followed by "0".
  CAF_CHECK_EQUAL(msg->text, "@Tether hello @Ann!");
  CAF_REQUIRE_EQUAL(msg->segments.size(), 4u);
  CAF_CHECK_EQUAL(msg->segments[0].type, "mention");
  CAF_CHECK_EQUAL(msg->segments[0].text, "@Tether");
  CAF_CHECK_EQUAL(msg->segments[0].target, "ou_bot");
  CAF_CHECK_EQUAL(msg->segments[1].type, "text");
  CAF_CHECK_EQUAL(msg->segments[1].text, " hello ");
  CAF_CHECK_EQUAL(msg->segments[2].target, "ou_ann");
  CAF_CHECK_EQUAL(msg->segments[3].type, "text");
  CAF_CHECK_EQUAL(msg->segments[3].text, "!");
  CAF_CHECK(msg->mentions_bot);
  CAF_CHECK_EQUAL(msg->raw, env->event);
}

CAF_TEST(mentions_bot only for the configured ids or p2p chats) {
  auto env = parse_envelope(event_json);
  CAF_REQUIRE(env);
  auto cfg = config();
  cfg.bot_ids = {"ou_other"};
  auto msg = convert_message_receive(*env, cfg);
  CAF_REQUIRE(msg);
  CAF_CHECK(!msg->mentions_bot);
  cfg.bot_ids = {"on_bot"}; // union_id works too
  CAF_CHECK(convert_message_receive(*env, cfg)->mentions_bot);
  cfg.bot_ids = {""}; // an empty id matches nothing
  CAF_CHECK(!convert_message_receive(*env, cfg)->mentions_bot);
  auto p2p = parse_envelope(replace_all(event_json, "\"group\"", "\"p2p\""));
  CAF_REQUIRE(p2p);
  CAF_CHECK(convert_message_receive(*p2p, cfg)->mentions_bot);
}

CAF_TEST(post and image messages) {
  auto post_content = nlohmann::json{
    {"title", "T"},
    {"content",
     {{{{"tag", "at"}, {"user_id", "@_user_1"}, {"user_name", "Tether"}},
       {{"tag", "text"}, {"text", " hi"}}},
      {{{"tag", "img"},
        {"image_key",
         "img_1"}}}}}}.dump();
  auto json = replace_all(event_json, R"("message_type":"text")",
                          R"("message_type":"post")");
  auto at = json.find(R"("content":")");
  auto end = json.find(R"(","mentions")");
  json.replace(at, end + 1 - at,
               "\"content\":" + nlohmann::json(post_content).dump());
  auto env = parse_envelope(json);
  CAF_REQUIRE(env);
  std::string error;
  auto msg = convert_message_receive(*env, config(), &error);
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->text, "T\n@Tether hi\n");
  CAF_CHECK_EQUAL(msg->segments.back().type, "image");
  CAF_CHECK_EQUAL(msg->segments.back().target, "img_1");
  CAF_CHECK(msg->mentions_bot);
  auto image = replace_all(event_json, R"("message_type":"text")",
                           R"("message_type":"image")");
  image = replace_all(image, R"(\"text\": \"@_user_1 hello @_user_10!\")",
                      R"(\"image_key\":\"img_2\")");
  auto image_env = parse_envelope(image);
  CAF_REQUIRE(image_env);
  auto pic = convert_message_receive(*image_env, config(), &error);
  CAF_REQUIRE(pic);
  CAF_CHECK_EQUAL(pic->text, "");
  CAF_REQUIRE_EQUAL(pic->segments.size(), 1u);
  CAF_CHECK_EQUAL(pic->segments[0].type, "image");
  CAF_CHECK_EQUAL(pic->segments[0].target, "img_2");
}

CAF_TEST(malformed messages are errors) {
  std::string error;
  envelope env;
  env.event_type = "im.chat.updated_v1";
  CAF_CHECK(!convert_message_receive(env, config(), &error));
  CAF_CHECK_EQUAL(error, "feishu: not im.message.receive_v1 but "
                         "im.chat.updated_v1");
  env.event_type = "im.message.receive_v1";
  for (auto event :
       {"", "null", "{}", R"({"message":{"message_id":"m"}})",
        R"({"message":{"message_id":"m","chat_id":"c"}})",
        R"({"message":{"message_id":"m","chat_id":"c","content":"x"}})",
        R"({"message":{"message_id":"m","chat_id":"c","content":{}}})"}) {
    env.event = event;
    CAF_CHECK(!convert_message_receive(env, config(), &error));
    CAF_MESSAGE(error);
  }
  env.event = R"({"message":{"message_id":"m","chat_id":"c","content":"{}",)"
              R"("mentions":[1,{"key":5}],"message_type":"text"}})";
  auto msg = convert_message_receive(env, config(), &error);
  CAF_REQUIRE(msg);
  CAF_CHECK_EQUAL(msg->text, "");
}
