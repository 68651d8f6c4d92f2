#define CAF_SUITE protocols.llm.chat_response

#include "protocols/llm/chat_response.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::llm;

CAF_TEST(the content of the first choice is the answer) {
  // The shape of OpenAI's documented response.
  auto x = parse_chat_response(
    R"({"id":"chatcmpl-123","object":"chat.completion","created":1677652288,)"
    R"("model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":)"
    R"("assistant","content":"Hello there, how may I assist you today?"},)"
    R"("finish_reason":"stop"},{"index":1,"message":{"role":"assistant",)"
    R"("content":"second"}}],"usage":{"prompt_tokens":9,)"
    R"("completion_tokens":12,"total_tokens":21}})");
  CAF_REQUIRE(x.content);
  CAF_CHECK_EQUAL(*x.content, "Hello there, how may I assist you today?");
  CAF_CHECK(!x.error);
  CAF_CHECK_EQUAL(x.problem, "");
}

CAF_TEST(null content and content parts) {
  auto x = parse_chat_response(
    R"({"choices":[{"message":{"role":"assistant","content":null}}]})");
  CAF_REQUIRE(x.content);
  CAF_CHECK_EQUAL(*x.content, "");
  x = parse_chat_response(
    R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},)"
    R"({"type":"image_url","image_url":{}},{"type":"text","text":"b"}]}}]})");
  CAF_REQUIRE(x.content);
  CAF_CHECK_EQUAL(*x.content, "ab");
}

CAF_TEST(the error object is read with whatever fields it has) {
  auto x = parse_chat_response(
    R"({"error":{"message":"Incorrect API key provided: sk-abc.",)"
    R"("type":"invalid_request_error","param":null,)"
    R"("code":"invalid_api_key"}})");
  CAF_CHECK(!x.content);
  CAF_REQUIRE(x.error);
  CAF_CHECK_EQUAL(x.error->message, "Incorrect API key provided: sk-abc.");
  CAF_CHECK_EQUAL(x.error->type, "invalid_request_error");
  CAF_CHECK_EQUAL(x.error->code, "invalid_api_key");
  CAF_CHECK_EQUAL(describe(*x.error),
                  "Incorrect API key provided: sk-abc. (type "
                  "invalid_request_error, code invalid_api_key)");
  x = parse_chat_response(R"({"error":{"message":"boom","code":500}})");
  CAF_REQUIRE(x.error);
  CAF_CHECK_EQUAL(x.error->code, "500");
  CAF_CHECK_EQUAL(describe(*x.error), "boom (code 500)");
  x = parse_chat_response(R"({"error":"model not found"})");
  CAF_REQUIRE(x.error);
  CAF_CHECK_EQUAL(describe(*x.error), "model not found");
  CAF_CHECK_EQUAL(describe(api_error{}), "(no message)");
}

CAF_TEST(malformed bodies say why) {
  CAF_CHECK_EQUAL(
    parse_chat_response(R"({"choices":[{"message":{"role":)").problem,
    "malformed JSON");
  CAF_CHECK_EQUAL(parse_chat_response("").problem, "empty body");
  CAF_CHECK_EQUAL(parse_chat_response("<html>502</html>").problem,
                  "malformed JSON");
  CAF_CHECK_EQUAL(parse_chat_response("[1]").problem, "expected a JSON object");
  CAF_CHECK_EQUAL(parse_chat_response(R"({"choices":[]})").problem,
                  "no choices[0] in the response");
  CAF_CHECK_EQUAL(parse_chat_response(R"({"choices":[{"text":"x"}]})").problem,
                  "no choices[0].message in the response");
  CAF_CHECK_EQUAL(
    parse_chat_response(R"({"choices":[{"message":{"content":5}}]})").problem,
    "choices[0].message.content is neither text nor parts");
  auto x = parse_chat_response("{}");
  CAF_CHECK(!x.content && !x.error);
}
