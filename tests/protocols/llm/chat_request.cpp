#define CAF_SUITE protocols.llm.chat_request

#include "protocols/llm/chat_request.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::llm;

CAF_TEST(a first message is the system prompt and the user turn) {
  request_options opts;
  opts.model = "gpt-4o-mini";
  opts.system_prompt = "Be brief.";
  CAF_CHECK_EQUAL(build_chat_request(opts, {}, {"user", "hi there", "alice"}),
                  R"({"model":"gpt-4o-mini","messages":[)"
                  R"({"role":"system","content":"Be brief."},)"
                  R"({"role":"user","content":"hi there","name":"alice"}]})");
}

CAF_TEST(history comes between the system prompt and the new message) {
  request_options opts;
  opts.model = "m";
  opts.system_prompt = "S";
  std::vector<chat_message> history{{"user", "one", "alice"},
                                    {"assistant", "1", ""},
                                    {"user", "two", "bob"},
                                    {"assistant", "2", ""}};
  CAF_CHECK_EQUAL(build_chat_request(opts, history, {"user", "three", ""}),
                  R"({"model":"m","messages":[)"
                  R"({"role":"system","content":"S"},)"
                  R"({"role":"user","content":"one","name":"alice"},)"
                  R"({"role":"assistant","content":"1"},)"
                  R"({"role":"user","content":"two","name":"bob"},)"
                  R"({"role":"assistant","content":"2"},)"
                  R"({"role":"user","content":"three"}]})");
}

CAF_TEST(temperature and max_tokens appear only when set) {
  request_options opts;
  opts.model = "m";
  opts.temperature = 0.7;
  opts.max_tokens = 256;
  CAF_CHECK_EQUAL(build_chat_request(opts, {}, {"user", "q", ""}),
                  R"({"model":"m","messages":[{"role":"user","content":"q"}],)"
                  R"("temperature":0.7,"max_tokens":256})");
  opts.temperature = 0.0;
  opts.max_tokens.reset();
  CAF_CHECK_EQUAL(build_chat_request(opts, {}, {"user", "q", ""}),
                  R"({"model":"m","messages":[{"role":"user","content":"q"}],)"
                  R"("temperature":0.0})");
}

CAF_TEST(text is escaped and invalid UTF - 8 does not fail the request) {
  request_options opts;
  opts.model = "m";
  CAF_CHECK_EQUAL(
    build_chat_request(opts, {}, {"user", "say \"hi\"\n\\ 你好", ""}),
    R"({"model":"m","messages":[{"role":"user","content":"say \"hi\"\n\\ 你好"}]})");
  CAF_CHECK_EQUAL(build_chat_request(opts, {},
                                     {"user",
                                      "a\xff"
                                      "b",
                                      ""}),
                  "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                  "\"content\":\"a\xef\xbf\xbd"
                  "b\"}]}");
}

CAF_TEST(participant names keep what the API accepts) {
  CAF_CHECK_EQUAL(participant_name("alice"), "alice");
  CAF_CHECK_EQUAL(participant_name("Bob_the-2nd"), "Bob_the-2nd");
  CAF_CHECK_EQUAL(participant_name("Jane Doe"), "Jane_Doe");
  CAF_CHECK_EQUAL(participant_name("zoë"), "zo_");
  // Nothing readable left: no name rather than `__`.
  CAF_CHECK_EQUAL(participant_name("张三"), "");
  CAF_CHECK_EQUAL(participant_name(""), "");
  CAF_CHECK_EQUAL(participant_name(std::string(100, 'x')),
                  std::string(64, 'x'));
}
