#define CAF_SUITE protocols.plugin.protocol

#include "protocols/plugin/protocol.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::plugin;

namespace {

std::string why(const frame& f) {
  if (auto x = std::get_if<bad_frame>(&f))
    return x->why;
  return "(a valid frame)";
}

} // namespace

CAF_TEST(tetherd says hello with its version and the handler name) {
  CAF_CHECK_EQUAL(make_hello("echo"),
                  R"({"type":"hello","version":1,"handler":"echo"})");
}

CAF_TEST(a call wraps the message json with the call id) {
  inbound_message msg;
  msg.platform = "sandbox";
  msg.bot = "console";
  msg.id = "1-1";
  msg.text = "!echo hi";
  CAF_CHECK_EQUAL(
    make_call("7", msg),
    R"({"type":"message","id":"7","message":{"type":"message","event":"",)"
    R"("platform":"sandbox","bot":"console","id":"1-1",)"
    R"("sender":{"id":"","name":""},)"
    R"("content":{"text":"!echo hi","segments":[],"attachments":[]},)"
    R"("timestamp":0,"context":{"room_id":"","thread_id":"","guild_id":""},)"
    R"("mentions_bot":false,"reply_to":"","raw":""}})");
}

CAF_TEST(the plugin hello names the plugin and version 1) {
  auto f = parse_line(R"({"type":"hello","name":"echo","version":1})");
  auto x = std::get_if<hello_frame>(&f);
  CAF_REQUIRE(x != nullptr);
  CAF_CHECK_EQUAL(x->name, "echo");
  CAF_CHECK_EQUAL(x->version, 1);
  // Unknown keys are ignored.
  f = parse_line(R"({"type":"hello","name":"e","version":1,"caps":[]})");
  CAF_CHECK(std::holds_alternative<hello_frame>(f));
}

CAF_TEST(a bad hello says what is wrong) {
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"hello","version":1})")),
                  "hello: `name` must be a non-empty string");
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"hello","name":"e"})")),
                  "hello: `version` must be an integer");
  CAF_CHECK_EQUAL(
    why(parse_line(R"({"type":"hello","name":"e","version":2})")),
    "hello: unsupported protocol version 2 (tetherd speaks 1)");
}

CAF_TEST(replies carry the call id and zero or more texts) {
  auto f = parse_line(R"({"type":"reply","id":"3","texts":["a","b"]})");
  auto x = std::get_if<reply_frame>(&f);
  CAF_REQUIRE(x != nullptr);
  CAF_CHECK_EQUAL(x->id, "3");
  CAF_CHECK_EQUAL(x->texts, (std::vector<std::string>{"a", "b"}));
  f = parse_line(R"({"type":"reply","id":"4","texts":[]})");
  x = std::get_if<reply_frame>(&f);
  CAF_REQUIRE(x != nullptr);
  CAF_CHECK(x->texts.empty());
}

CAF_TEST(bad replies are rejected) {
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"reply","texts":[]})")),
                  "reply: `id` must be a string");
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"reply","id":3,"texts":[]})")),
                  "reply: `id` must be a string");
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"reply","id":"3"})")),
                  "reply: `texts` is missing");
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"reply","id":"3","texts":"a"})")),
                  "reply: `texts`: expected a list of strings");
}

CAF_TEST(log lines carry a level and a message) {
  auto f = parse_line(R"({"type":"log","level":"warning","message":"m"})");
  auto x = std::get_if<log_frame>(&f);
  CAF_REQUIRE(x != nullptr);
  CAF_CHECK_EQUAL(x->message, "m");
  CAF_CHECK(x->level == spdlog::level::warn);
  f = parse_line(R"({"type":"log","message":"no level"})");
  x = std::get_if<log_frame>(&f);
  CAF_REQUIRE(x != nullptr);
  CAF_CHECK(x->level == spdlog::level::info);
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"log","level":"info"})")),
                  "log: `message` must be a string");
}

CAF_TEST(levels map to spdlog levels and default to info) {
  CAF_CHECK(parse_level("trace") == spdlog::level::trace);
  CAF_CHECK(parse_level("debug") == spdlog::level::debug);
  CAF_CHECK(parse_level("info") == spdlog::level::info);
  CAF_CHECK(parse_level("warn") == spdlog::level::warn);
  CAF_CHECK(parse_level("error") == spdlog::level::err);
  CAF_CHECK(parse_level("fatal") == spdlog::level::info);
}

CAF_TEST(garbage lines are bad frames not exceptions) {
  CAF_CHECK_EQUAL(why(parse_line("hello world")), "not JSON");
  CAF_CHECK_EQUAL(why(parse_line("")), "not JSON");
  CAF_CHECK_EQUAL(why(parse_line("[1,2]")),
                  "expected a JSON object, found a array");
  CAF_CHECK_EQUAL(why(parse_line(R"({"id":"1"})")), "`type` must be a string");
  CAF_CHECK_EQUAL(why(parse_line(R"({"type":"mystery"})")),
                  "unknown type `mystery`");
  CAF_CHECK_EQUAL(why(parse_line(std::string(200, '['))), "not JSON");
  CAF_CHECK_EQUAL(why(parse_line("{\"type\":\"log\",\"message\":\"\xff\"}")),
                  "not JSON");
}
