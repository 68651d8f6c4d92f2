#define CAF_SUITE protocols.discord.gateway

#include "protocols/discord/gateway.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"
#include "protocols/discord/json_input.hpp"

using namespace tether::discord;
using namespace std::chrono_literals;

namespace {

// Key order independent form: nlohmann's default object sorts keys.
std::string canonical(const std::string& json) {
  return nlohmann::json::parse(json).dump();
}

// Expects parse_frame to reject `json` with an error containing `what`.
void check_rejected(const std::string& json, const std::string& what) {
  std::string error;
  auto f = parse_frame(json, &error);
  CAF_CHECK(!f);
  if (error.find(what) == std::string::npos)
    CAF_FAIL("input " << json << ": error '" << error << "' lacks '" << what
                      << "'");
}

} // namespace

// -- parse_frame --------------------------------------------------------------

CAF_TEST(a dispatch yields op s t and d verbatim) {
  std::string d = R"({"content":"a } { \" ] [","nested":{"x":[1,{"y":null}]}})";
  auto json = R"({"t":"MESSAGE_CREATE","s":42,"op":0,"d":)" + d + "}";
  std::string error;
  auto f = parse_frame(json, &error);
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK_EQUAL(f->op, 0);
  CAF_REQUIRE(f->s);
  CAF_CHECK_EQUAL(*f->s, 42);
  CAF_CHECK_EQUAL(f->t, "MESSAGE_CREATE");
  CAF_CHECK_EQUAL(f->d, d);
}

CAF_TEST(keys come in any order and whitespace is allowed) {
  auto f = parse_frame(" {\n \"d\" : [1, 2] ,\"op\": 0, \"t\" : \"X\" , "
                       "\"s\" : 9007199254740993 }\r\n");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, 0);
  CAF_REQUIRE(f->s);
  CAF_CHECK_EQUAL(*f->s, int64_t{9007199254740993});
  CAF_CHECK_EQUAL(f->t, "X");
  CAF_CHECK_EQUAL(f->d, "[1, 2]");
}

CAF_TEST(null s and t stay empty) {
  auto f = parse_frame(R"({"op":11,"d":null,"s":null,"t":null})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, 11);
  CAF_CHECK(!f->s);
  CAF_CHECK_EQUAL(f->t, "");
  CAF_CHECK_EQUAL(f->d, "null");
}

CAF_TEST(a missing d reads as null) {
  auto f = parse_frame(R"({"op":11})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, 11);
  CAF_CHECK_EQUAL(f->d, "null");
  CAF_CHECK(!f->s);
}

CAF_TEST(scalar d values are copied as their token) {
  struct {
    const char* json;
    const char* d;
  } cases[] = {
    {R"({"op":9,"d":false})", "false"},
    {R"({"op":9,"d":true })", "true"},
    {R"({"op":1,"d":251})", "251"},
    {R"({"op":1,"d": -1.5e3 })", "-1.5e3"},
    {R"({"op":0,"d":"a\"b"})", R"("a\"b")"},
    {R"({"op":7,"d":null})", "null"},
  };
  for (auto& c : cases) {
    auto f = parse_frame(c.json);
    CAF_REQUIRE(f);
    CAF_CHECK_EQUAL(f->d, c.d);
  }
}

CAF_TEST(unknown top level keys are ignored) {
  auto f = parse_frame(R"({"op":10,"_trace":["gw-1",{"a":1}],"d":{}})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, 10);
  CAF_CHECK_EQUAL(f->d, "{}");
}

CAF_TEST(malformed frames are rejected with a reason) {
  check_rejected("", "empty");
  check_rejected("   ", "empty");
  check_rejected("[1,2]", "not an object");
  check_rejected("42", "not an object");
  check_rejected(R"({"d":null})", "op missing");
  check_rejected(R"({"op":"0"})", "op");
  check_rejected(R"({"op":1.5})", "op");
  check_rejected(R"({"op":-1})", "op");
  check_rejected(R"({"op":99999999999})", "op");
  check_rejected(R"({"op":0,"s":"1"})", "s is not");
  check_rejected(R"({"op":0,"s":1.5})", "s is not");
  check_rejected(R"({"op":0,"t":7})", "t is not");
  check_rejected(R"({"op":0,"d":nul})", "malformed d");
  check_rejected(R"({"op":0,"d":tru})", "malformed d");
  check_rejected(R"({"op":0,"d":1x})", "");
  check_rejected(R"({"op":0,"d":"\q"})", "malformed d");
  check_rejected(R"({"op":0,"d":{}} {})", "trailing");
  check_rejected(R"({"op":0,"d":{}}})", "trailing");
  check_rejected(R"({"op":0,"d":{"a":1})", "");
  check_rejected(R"({"op":0,"d":"abc)", "unclosed string");
  check_rejected(R"({"op":0 "d":1})", "");
  check_rejected(R"({"op":0,"d":1,})", "");
  check_rejected(R"({"op":0,"d":{"a" 1}})", "");
  check_rejected("{\"op\":0,\"t\":\"\xff\xfe\"}", "UTF-8");
  check_rejected("{\"op\":0,\"t\":\"a\nb\"}", "");
}

CAF_TEST(a parse nested inside another keeps both documents intact) {
  // The per-thread scratch is busy while the outer document lives, so the
  // inner parse must use its own instead of overwriting the outer text.
  detail::json_input outer{R"({"a":"outer","b":{"c":1}})"};
  simdjson::ondemand::document doc;
  CAF_REQUIRE(!outer.iterate().get(doc));
  simdjson::ondemand::object obj;
  CAF_REQUIRE(!doc.get_object().get(obj));
  std::string_view a;
  CAF_REQUIRE(!obj["a"].get_string().get(a));
  auto inner = parse_frame(R"({"op":1,"d":{"xxxxxxxxxxxxxxx":"inner"}})");
  CAF_REQUIRE(inner);
  CAF_CHECK_EQUAL(inner->d, R"({"xxxxxxxxxxxxxxx":"inner"})");
  CAF_CHECK_EQUAL(std::string{a}, "outer");
  std::string_view raw;
  simdjson::ondemand::object b;
  CAF_REQUIRE(!obj["b"].get_object().get(b));
  CAF_REQUIRE(!b.raw_json().get(raw));
  CAF_CHECK_EQUAL(std::string{raw}, R"({"c":1})");
}

CAF_TEST(parse_frame tolerates a null error pointer) {
  CAF_CHECK(!parse_frame("nope"));
}

// -- control payloads ---------------------------------------------------------

CAF_TEST(hello yields the heartbeat interval) {
  auto f = parse_frame(
    R"({"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,)"
    R"("_trace":["[\"gateway-prd-us-east1-b-0568\",{\"micros\":0.0}]"]}})");
  CAF_REQUIRE(f);
  auto interval = parse_hello(f->d);
  CAF_REQUIRE(interval);
  CAF_CHECK_EQUAL(interval->count(), 41250);
  CAF_CHECK(parse_hello(R"({"heartbeat_interval":45000})") == 45000ms);
  CAF_CHECK(!parse_hello("{}"));
  CAF_CHECK(!parse_hello(R"({"heartbeat_interval":0})"));
  CAF_CHECK(!parse_hello(R"({"heartbeat_interval":-5})"));
  CAF_CHECK(!parse_hello(R"({"heartbeat_interval":"45000"})"));
  CAF_CHECK(!parse_hello(R"({"heartbeat_interval":45000)"));
  CAF_CHECK(!parse_hello("null"));
}

CAF_TEST(ready yields session user and shard) {
  auto d
    = R"({"v":10,"user_settings":{},"user":{"verified":true,)"
      R"("username":"tetherbot","mfa_enabled":false,"id":"200000000000000002",)"
      R"("global_name":null,"flags":0,"email":null,"discriminator":"0",)"
      R"("bot":true,"avatar":null},"session_type":"normal",)"
      R"("session_id":"8f2e1c0b7a6d5e4f","resume_gateway_url":)"
      R"("wss://gateway-us-east1-b.discord.gg","relationships":[],)"
      R"("private_channels":[],"presences":[],"guilds":[{"unavailable":true,)"
      R"("id":"1000000000000000000"},{"unavailable":true,"id":"1"}],)"
      R"("guild_join_requests":[],"geo_ordered_rtc_regions":["us-east"],)"
      R"("auth":{},"application":{"id":"200000000000000002","flags":565248},)"
      R"("_trace":["x"],"shard":[3,8]})";
  auto r = parse_ready(d);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->session_id, "8f2e1c0b7a6d5e4f");
  CAF_CHECK_EQUAL(r->resume_gateway_url, "wss://gateway-us-east1-b.discord.gg");
  CAF_CHECK_EQUAL(r->user_id, "200000000000000002");
  CAF_CHECK_EQUAL(r->user_name, "tetherbot");
  CAF_REQUIRE(r->shard);
  CAF_CHECK_EQUAL(r->shard->first, 3u);
  CAF_CHECK_EQUAL(r->shard->second, 8u);
}

CAF_TEST(ready without shard has none and bad ready is rejected) {
  auto r = parse_ready(R"({"session_id":"s","user":{"id":"1","username":"b"},)"
                       R"("resume_gateway_url":"wss://r"})");
  CAF_REQUIRE(r);
  CAF_CHECK(!r->shard);
  CAF_CHECK_EQUAL(r->session_id, "s");
  CAF_CHECK(!parse_ready(R"({"user":{"id":"1"}})"));
  CAF_CHECK(!parse_ready(R"({"session_id":"s"})"));
  CAF_CHECK(!parse_ready(R"({"session_id":"s","user":{"id":1}})"));
  CAF_CHECK(
    !parse_ready(R"({"session_id":"s","user":{"id":"1"},"shard":[1]})"));
  CAF_CHECK(
    !parse_ready(R"({"session_id":"s","user":{"id":"1"},"shard":[1,2,3]})"));
  CAF_CHECK(
    !parse_ready(R"({"session_id":"s","user":{"id":"1"},"shard":[-1,2]})"));
  CAF_CHECK(!parse_ready(R"({"session_id":"s","user":{"id":"1"})"));
  CAF_CHECK(!parse_ready("[]"));
}

CAF_TEST(invalid session says whether to resume) {
  CAF_CHECK(parse_invalid_session("true") == true);
  CAF_CHECK(parse_invalid_session(" false ") == false);
  auto f = parse_frame(R"({"t":null,"s":null,"op":9,"d":false})");
  CAF_REQUIRE(f);
  CAF_CHECK(parse_invalid_session(f->d) == false);
  CAF_CHECK(!parse_invalid_session("null"));
  CAF_CHECK(!parse_invalid_session("1"));
  CAF_CHECK(!parse_invalid_session("\"true\""));
  CAF_CHECK(!parse_invalid_session(""));
}

// -- builders -----------------------------------------------------------------

CAF_TEST(identify is exactly the documented payload) {
  identify_params p;
  p.token = "my_token";
  p.intents = 513;
  p.shard_id = 2;
  p.shard_count = 4;
  auto frame = make_identify(p);
  CAF_CHECK_EQUAL(
    frame, R"({"op":2,"d":{"token":"my_token","properties":{"os":"linux",)"
           R"("browser":"tether","device":"tether"},"large_threshold":250,)"
           R"("shard":[2,4],"intents":513}})");
  CAF_CHECK_EQUAL(
    canonical(frame),
    canonical(R"({"d":{"intents":513,"shard":[2,4],"large_threshold":250,)"
              R"("properties":{"device":"tether","browser":"tether",)"
              R"("os":"linux"},"token":"my_token"},"op":2})"));
}

CAF_TEST(identify escapes strings and clamps large_threshold) {
  identify_params p;
  p.token = "a\"b\\c\n\x01";
  p.os = "lin\tux";
  p.large_threshold = 10;
  auto j = nlohmann::json::parse(make_identify(p));
  CAF_CHECK_EQUAL(j["d"]["token"].get<std::string>(), p.token);
  CAF_CHECK_EQUAL(j["d"]["properties"]["os"].get<std::string>(), "lin\tux");
  CAF_CHECK_EQUAL(j["d"]["large_threshold"].get<int>(), 50);
  CAF_CHECK_EQUAL(j["d"]["intents"].get<uint64_t>(), 0u);
  p.large_threshold = 1000;
  j = nlohmann::json::parse(make_identify(p));
  CAF_CHECK_EQUAL(j["d"]["large_threshold"].get<int>(), 250);
  p.large_threshold = 100;
  j = nlohmann::json::parse(make_identify(p));
  CAF_CHECK_EQUAL(j["d"]["large_threshold"].get<int>(), 100);
}

CAF_TEST(identify refuses frames over 4096 bytes and impossible shards) {
  identify_params p;
  p.token = std::string(3900, 't');
  CAF_CHECK_NOT_EQUAL(make_identify(p), "");
  CAF_CHECK_LESS_OR_EQUAL(make_identify(p).size(), max_send_frame);
  p.token = std::string(4096, 't');
  CAF_CHECK_EQUAL(make_identify(p), "");
  p.token = "t";
  p.shard_id = 4;
  p.shard_count = 4;
  CAF_CHECK_EQUAL(make_identify(p), "");
  p.shard_id = 0;
  p.shard_count = 0;
  CAF_CHECK_EQUAL(make_identify(p), "");
}

CAF_TEST(resume is exactly the documented payload) {
  CAF_CHECK_EQUAL(make_resume("tok", "8f2e", 1337),
                  R"({"op":6,"d":{"token":"tok","session_id":"8f2e",)"
                  R"("seq":1337}})");
  CAF_CHECK_EQUAL(make_resume("t", std::string(4100, 's'), 1), "");
  auto j = nlohmann::json::parse(make_resume("a\"b", "c", 0));
  CAF_CHECK_EQUAL(j["d"]["token"].get<std::string>(), "a\"b");
}

CAF_TEST(heartbeat carries the last sequence or null) {
  CAF_CHECK_EQUAL(make_heartbeat(std::nullopt), R"({"op":1,"d":null})");
  CAF_CHECK_EQUAL(make_heartbeat(251), R"({"op":1,"d":251})");
  CAF_CHECK_EQUAL(make_heartbeat(0), R"({"op":1,"d":0})");
}

CAF_TEST(builders round trip through parse_frame) {
  auto f = parse_frame(make_heartbeat(7));
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, static_cast<int>(opcode::heartbeat));
  CAF_CHECK_EQUAL(f->d, "7");
  f = parse_frame(make_resume("t", "s", 5));
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, static_cast<int>(opcode::resume));
  CAF_CHECK_EQUAL(f->d, R"({"token":"t","session_id":"s","seq":5})");
}

// -- /gateway/bot and URLs ----------------------------------------------------

CAF_TEST(gateway bot body is read completely) {
  auto g = parse_gateway_bot(
    R"({"url": "wss://gateway.discord.gg", "shards": 9, "session_start_limit":)"
    R"( {"total": 1000, "remaining": 999, "reset_after": 14400000,)"
    R"( "max_concurrency": 1}})");
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(g->url, "wss://gateway.discord.gg");
  CAF_CHECK_EQUAL(g->shards, 9u);
  CAF_CHECK_EQUAL(g->limit.total, 1000);
  CAF_CHECK_EQUAL(g->limit.remaining, 999);
  CAF_CHECK_EQUAL(g->limit.reset_after_ms, 14400000);
  CAF_CHECK_EQUAL(g->limit.max_concurrency, 1);
  g = parse_gateway_bot(
    R"({"session_start_limit":{"max_concurrency":16,"reset_after":5,)"
    R"("remaining":0,"total":2000},"shards":32,"url":"wss://g"})");
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(g->shards, 32u);
  CAF_CHECK_EQUAL(g->limit.max_concurrency, 16);
  CAF_CHECK_EQUAL(g->limit.remaining, 0);
}

CAF_TEST(incomplete gateway bot bodies are rejected) {
  auto limit = std::string{R"("session_start_limit":{"total":1000,)"
                           R"("remaining":999,"reset_after":1,)"
                           R"("max_concurrency":1})"};
  CAF_CHECK(parse_gateway_bot(R"({"url":"wss://g","shards":1,)" + limit + "}"));
  CAF_CHECK(!parse_gateway_bot(R"({"shards":1,)" + limit + "}"));
  CAF_CHECK(!parse_gateway_bot(R"({"url":"","shards":1,)" + limit + "}"));
  CAF_CHECK(!parse_gateway_bot(R"({"url":"wss://g",)" + limit + "}"));
  CAF_CHECK(
    !parse_gateway_bot(R"({"url":"wss://g","shards":0,)" + limit + "}"));
  CAF_CHECK(!parse_gateway_bot(R"({"url":"wss://g","shards":1})"));
  CAF_CHECK(!parse_gateway_bot(
    R"({"url":"wss://g","shards":1,"session_start_limit":{"total":1,)"
    R"("remaining":1,"reset_after":1}})"));
  CAF_CHECK(!parse_gateway_bot(
    R"({"url":"wss://g","shards":1,"session_start_limit":{"total":1,)"
    R"("remaining":1,"reset_after":1,"max_concurrency":0}})"));
  CAF_CHECK(
    !parse_gateway_bot(R"({"message": "401: Unauthorized", "code": 0})"));
  CAF_CHECK(!parse_gateway_bot("<html>"));
}

CAF_TEST(query parameters are appended once and correctly) {
  CAF_CHECK_EQUAL(gateway_query_url("wss://gateway.discord.gg", false),
                  "wss://gateway.discord.gg/?v=10&encoding=json");
  CAF_CHECK_EQUAL(gateway_query_url("wss://gateway.discord.gg/", false),
                  "wss://gateway.discord.gg/?v=10&encoding=json");
  CAF_CHECK_EQUAL(gateway_query_url("wss://gateway.discord.gg", true),
                  "wss://gateway.discord.gg/?v=10&encoding=json"
                  "&compress=zlib-stream");
  CAF_CHECK_EQUAL(gateway_query_url("wss://gateway-us-east1-b.discord.gg",
                                    true),
                  "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json"
                  "&compress=zlib-stream");
  CAF_CHECK_EQUAL(gateway_query_url("wss://g.example/ws?x=1", false),
                  "wss://g.example/ws?x=1&v=10&encoding=json");
  CAF_CHECK_EQUAL(gateway_query_url("wss://g.example?v=9&encoding=etf"
                                    "&compress=zstd-stream&x=1&",
                                    true),
                  "wss://g.example/?x=1&v=10&encoding=json"
                  "&compress=zlib-stream");
  CAF_CHECK_EQUAL(gateway_query_url("wss://g.example/?", false),
                  "wss://g.example/?v=10&encoding=json");
  CAF_CHECK_EQUAL(gateway_query_url("ws://127.0.0.1:8080#frag", false),
                  "ws://127.0.0.1:8080/?v=10&encoding=json");
}

CAF_TEST(opcodes have names) {
  CAF_CHECK_EQUAL(opcode_name(0), "dispatch");
  CAF_CHECK_EQUAL(opcode_name(9), "invalid_session");
  CAF_CHECK_EQUAL(opcode_name(11), "heartbeat_ack");
  CAF_CHECK_EQUAL(opcode_name(5), "unknown");
  CAF_CHECK_EQUAL(static_cast<int>(opcode::hello), 10);
  CAF_CHECK_EQUAL(static_cast<int>(opcode::request_guild_members), 8);
}
