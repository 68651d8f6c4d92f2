#define CAF_SUITE protocols.qq.gateway

#include "protocols/qq/gateway.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::qq;
using namespace std::chrono_literals;

namespace {

std::string kind_of(const std::string& json) {
  auto f = parse_frame(json);
  if (!f) return "invalid";
  return std::string{to_string(classify(*f))};
}

} // namespace

// -- parse_frame --------------------------------------------------------------

CAF_TEST(the documented payload yields id op d s and t) {
  // PROTOCOLS.md §2.2.
  auto f = parse_frame(
    R"({"id":"event_id","op":0,"d":{},"s":42,"t":"GATEWAY_EVENT_NAME"})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->id, "event_id");
  CAF_CHECK_EQUAL(f->op, 0);
  CAF_REQUIRE(f->s);
  CAF_CHECK_EQUAL(*f->s, 42);
  CAF_CHECK_EQUAL(f->t, "GATEWAY_EVENT_NAME");
  CAF_CHECK_EQUAL(f->d, "{}");
  CAF_CHECK_EQUAL(std::string{to_string(classify(*f))}, "dispatch");
}

CAF_TEST(control frames have no s t or id) {
  auto f = parse_frame(R"({"op":11})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, 11);
  CAF_CHECK(!f->s);
  CAF_CHECK_EQUAL(f->t, "");
  CAF_CHECK_EQUAL(f->id, "");
  CAF_CHECK_EQUAL(f->d, "null");
  f = parse_frame(R"({"op":0,"s":null,"t":null,"id":null,"d":null})");
  CAF_REQUIRE(f);
  CAF_CHECK(!f->s);
}

CAF_TEST(malformed frames are errors) {
  struct {
    const char* json;
    const char* error;
  } cases[] = {
    {"", "malformed JSON"},
    {"{", "malformed JSON"},
    {R"({"op":10} x)", "malformed JSON"},
    {"[]", "payload is not an object"},
    {R"({"d":{}})", "op missing"},
    {R"({"op":"10"})", "op is not a small non-negative integer"},
    {R"({"op":-1})", "op is not a small non-negative integer"},
    {R"({"op":1.5})", "op is not a small non-negative integer"},
    {R"({"op":99999999999})", "op is not a small non-negative integer"},
    {R"({"op":0,"s":"1"})", "s is not an integer or null"},
    {R"({"op":0,"s":18446744073709551615})", "s is out of range"},
    {R"({"op":0,"t":5})", "t is not a string or null"},
    {R"({"op":0,"id":5})", "id is not a string or null"},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.json);
    std::string error;
    CAF_CHECK(!parse_frame(c.json, &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}

CAF_TEST(frames are classified for the session) {
  CAF_CHECK_EQUAL(kind_of(R"({"op":10,"d":{"heartbeat_interval":45000}})"),
                  "hello");
  CAF_CHECK_EQUAL(kind_of(R"({"op":0,"s":1,"t":"READY","d":{}})"), "ready");
  CAF_CHECK_EQUAL(kind_of(R"({"op":0,"s":2002,"t":"RESUMED","d":""})"),
                  "resumed");
  CAF_CHECK_EQUAL(kind_of(R"({"op":0,"s":3,"t":"AT_MESSAGE_CREATE","d":{}})"),
                  "dispatch");
  CAF_CHECK_EQUAL(kind_of(R"({"op":11})"), "heartbeat_ack");
  CAF_CHECK_EQUAL(kind_of(R"({"op":1,"d":null})"), "heartbeat_request");
  CAF_CHECK_EQUAL(kind_of(R"({"op":7})"), "reconnect");
  CAF_CHECK_EQUAL(kind_of(R"({"op":9,"d":false})"), "invalid_session");
  CAF_CHECK_EQUAL(kind_of(R"({"op":13,"d":{}})"), "other");
  CAF_CHECK_EQUAL(kind_of(R"({"op":42})"), "other");
  CAF_CHECK_EQUAL(std::string{opcode_name(12)}, "http_callback_ack");
  CAF_CHECK_EQUAL(std::string{opcode_name(3)}, "unknown");
}

// -- control payloads ---------------------------------------------------------

CAF_TEST(hello carries the heartbeat interval) {
  // PROTOCOLS.md §2.3.
  auto f = parse_frame(R"({"op":10,"d":{"heartbeat_interval":45000}})");
  CAF_REQUIRE(f);
  auto interval = parse_hello(f->d);
  CAF_REQUIRE(interval);
  CAF_CHECK_EQUAL(interval->count(), 45000);
  for (auto d :
       {"{}", "null", R"({"heartbeat_interval":0})",
        R"({"heartbeat_interval":-1})", R"({"heartbeat_interval":"45000"})",
        R"({"heartbeat_interval":4.5})", "{"})
    CAF_CHECK(!parse_hello(d));
}

CAF_TEST(ready yields session user and shard) {
  // PROTOCOLS.md §2.3, verbatim.
  auto f = parse_frame(
    R"({"op":0,"s":1,"t":"READY","d":{"version":1,"session_id":"082ee18c-…","user":{"id":"6158788878435714165","username":"…","bot":true},"shard":[0,0]}})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(std::string{to_string(classify(*f))}, "ready");
  CAF_CHECK_EQUAL(f->s.value_or(0), 1);
  auto r = parse_ready(f->d);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->version, 1);
  CAF_CHECK_EQUAL(r->session_id, "082ee18c-…");
  CAF_CHECK_EQUAL(r->user_id, "6158788878435714165");
  CAF_CHECK_EQUAL(r->user_name, "…");
  CAF_CHECK(r->bot);
  CAF_REQUIRE(r->shard);
  CAF_CHECK_EQUAL(r->shard->first, 0u);
  CAF_CHECK_EQUAL(r->shard->second, 0u);
}

CAF_TEST(ready without session or user is rejected) {
  for (auto d : {R"({"user":{"id":"1"}})", R"({"session_id":"s"})",
                 R"({"session_id":"","user":{"id":"1"}})",
                 R"({"session_id":"s","user":{}})",
                 R"({"session_id":"s","user":{"id":"1"},"shard":[0]})",
                 R"({"session_id":"s","user":{"id":"1"},"shard":[-1,2]})",
                 R"({"session_id":"s","user":{"id":"1"},"shard":"0,1"})", "",
                 "null", "[]"})
    CAF_CHECK(!parse_ready(d));
  auto r = parse_ready(R"({"session_id":"s","user":{"id":1}})");
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->user_id, "1");
  CAF_CHECK(!r->shard);
}

CAF_TEST(resumed has an empty string as d) {
  // PROTOCOLS.md §2.3, verbatim.
  auto f = parse_frame(R"({"op":0,"s":2002,"t":"RESUMED","d":""})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(std::string{to_string(classify(*f))}, "resumed");
  CAF_CHECK_EQUAL(f->s.value_or(0), 2002);
  CAF_CHECK_EQUAL(f->d, R"("")");
}

CAF_TEST(invalid session resumes only on a literal true) {
  CAF_CHECK(parse_invalid_session("true"));
  CAF_CHECK(parse_invalid_session(" true "));
  for (auto d : {"false", "null", "", "{}", "1", "\"true\"", "tru"})
    CAF_CHECK(!parse_invalid_session(d));
}

// -- builders -----------------------------------------------------------------

CAF_TEST(identify matches the documented frame) {
  // PROTOCOLS.md §2.3, verbatim (the token placeholder included).
  identify_params p;
  p.access_token = "{AccessToken}";
  p.intents = 513;
  p.shard_id = 0;
  p.shard_count = 4;
  p.browser = "my_library";
  p.device = "my_library";
  CAF_CHECK_EQUAL(
    make_identify(p),
    R"({"op":2,"d":{"token":"QQBot {AccessToken}","intents":513,"shard":[0,4],"properties":{"$os":"linux","$browser":"my_library","$device":"my_library"}}})");
}

CAF_TEST(identify refuses impossible shards and empty tokens) {
  identify_params p;
  p.access_token = "t";
  CAF_CHECK_EQUAL(
    make_identify(p),
    R"({"op":2,"d":{"token":"QQBot t","intents":0,"shard":[0,1],"properties":{"$os":"linux","$browser":"tether","$device":"tether"}}})");
  p.shard_id = 1;
  CAF_CHECK_EQUAL(make_identify(p), "");
  p.shard_id = 0;
  p.shard_count = 0;
  CAF_CHECK_EQUAL(make_identify(p), "");
  p.shard_count = 1;
  p.access_token.clear();
  CAF_CHECK_EQUAL(make_identify(p), "");
}

CAF_TEST(identify escapes the token) {
  identify_params p;
  p.access_token = "a\"b\\c\n";
  auto frame = make_identify(p);
  CAF_CHECK_NOT_EQUAL(frame.find(R"("token":"QQBot a\"b\\c\n")"),
                      std::string::npos);
}

CAF_TEST(resume carries the prefixed token session and seq) {
  // PROTOCOLS.md §2.3 shows {"op":6,"d":{"token":"my_token",
  // "session_id":"…","seq":1337}}; the token is the Identify one.
  CAF_CHECK_EQUAL(
    make_resume("my_token", "…", 1337),
    R"({"op":6,"d":{"token":"QQBot my_token","session_id":"…","seq":1337}})");
  auto f = parse_frame(
    R"({"op":6,"d":{"token":"my_token","session_id":"…","seq":1337}})");
  CAF_REQUIRE(f);
  CAF_CHECK_EQUAL(f->op, 6);
}

CAF_TEST(heartbeats carry the last seq or null) {
  // PROTOCOLS.md §2.3: {"op":1,"d":251}, null on a first connection.
  CAF_CHECK_EQUAL(make_heartbeat(251), R"({"op":1,"d":251})");
  CAF_CHECK_EQUAL(make_heartbeat(std::nullopt), R"({"op":1,"d":null})");
}

// -- GET /gateway -------------------------------------------------------------

CAF_TEST(gateway url) {
  // PROTOCOLS.md §2.1, verbatim.
  CAF_CHECK_EQUAL(
    parse_gateway_url(R"({"url":"wss://api.sgroup.qq.com/websocket/"})")
      .value_or(""),
    "wss://api.sgroup.qq.com/websocket/");
  CAF_CHECK(!parse_gateway_url(R"({"url":""})"));
  CAF_CHECK(!parse_gateway_url(R"({})"));
  CAF_CHECK(!parse_gateway_url("{"));
}

CAF_TEST(gateway bot with session start limit) {
  auto g = parse_gateway_bot(
    R"({"url":"wss://api.sgroup.qq.com/websocket/","shards":9,)"
    R"("session_start_limit":{"total":1000,"remaining":999,)"
    R"("reset_after":14400000,"max_concurrency":1}})");
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(g->url, "wss://api.sgroup.qq.com/websocket/");
  CAF_CHECK_EQUAL(g->shards, 9u);
  CAF_CHECK_EQUAL(g->limit.total, 1000);
  CAF_CHECK_EQUAL(g->limit.remaining, 999);
  CAF_CHECK_EQUAL(g->limit.reset_after_ms, 14400000);
  CAF_CHECK_EQUAL(g->limit.max_concurrency, 1);
}

CAF_TEST(the malformed shard_url_get example is rejected) {
  // Shaped like the doc's example, which lacks the "url": key and so is
  // not JSON.
  std::string error;
  CAF_CHECK(!parse_gateway_bot(
    R"({"wss://api.sgroup.qq.com/websocket/","shards":9,"session_start_limit":{"total":1000,"remaining":999,"reset_after":14400000,"max_concurrency":1}})",
    &error));
  CAF_CHECK_EQUAL(error, "malformed JSON");
  CAF_CHECK(!parse_gateway_bot(R"({"url":"u","shards":0})", &error));
  CAF_CHECK_EQUAL(error, "shards missing or not a positive integer");
  CAF_CHECK(!parse_gateway_bot(
    R"({"url":"u","shards":1,"session_start_limit":[]})", &error));
  CAF_CHECK_EQUAL(error, "session_start_limit is malformed");
  auto g = parse_gateway_bot(
    R"({"url":"u","shards":1,"session_start_limit":{"max_concurrency":0}})");
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(g->limit.max_concurrency, 1);
}
