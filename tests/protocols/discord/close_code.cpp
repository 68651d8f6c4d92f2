#define CAF_SUITE protocols.discord.close_code

#include "protocols/discord/close_code.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::discord;

namespace {

std::string action(int code) {
  return std::string{to_string(classify_close(code))};
}

std::string name(int code) {
  return std::string{close_code_name(code)};
}

} // namespace

CAF_TEST(every documented gateway close code has its action) {
  struct {
    int code;
    const char* action;
    const char* name;
  } table[] = {
    {4000, "resume", "unknown error"},
    {4001, "resume", "unknown opcode"},
    {4002, "resume", "decode error"},
    {4003, "resume", "not authenticated"},
    {4004, "fatal", "authentication failed"},
    {4005, "resume", "already authenticated"},
    {4007, "reidentify", "invalid seq"},
    {4008, "resume", "rate limited"},
    {4009, "reidentify", "session timed out"},
    {4010, "fatal", "invalid shard"},
    {4011, "fatal", "sharding required"},
    {4012, "fatal", "invalid API version"},
    {4013, "fatal", "invalid intents"},
    {4014, "fatal", "disallowed intents"},
  };
  for (auto& row : table) {
    CAF_MESSAGE("close code " << row.code);
    CAF_CHECK_EQUAL(action(row.code), row.action);
    CAF_CHECK_EQUAL(name(row.code), row.name);
  }
}

CAF_TEST(undocumented gateway codes resume) {
  CAF_CHECK_EQUAL(action(4006), "resume");
  CAF_CHECK_EQUAL(action(4015), "resume");
  CAF_CHECK_EQUAL(action(4999), "resume");
  CAF_CHECK_EQUAL(name(4006), "unknown close code");
}

CAF_TEST(a clean close invalidates the session) {
  CAF_CHECK_EQUAL(action(1000), "reidentify");
  CAF_CHECK_EQUAL(action(1001), "reidentify");
  CAF_CHECK_EQUAL(name(1000), "normal closure");
  CAF_CHECK_EQUAL(name(1001), "going away");
}

CAF_TEST(drops and transport codes resume) {
  for (int code : {-1, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1011, 1012,
                   1013, 1014, 1015, 0, 3000})
    CAF_CHECK_EQUAL(action(code), "resume");
  CAF_CHECK_EQUAL(name(-1), "no close frame");
  CAF_CHECK_EQUAL(name(1006), "abnormal closure");
  CAF_CHECK_EQUAL(name(1011), "internal server error");
  CAF_CHECK_EQUAL(name(3000), "unknown close code");
}
