#define CAF_SUITE protocols.qq.close_code

#include "protocols/qq/close_code.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::qq;

namespace {

std::string action(int code) {
  return std::string{to_string(classify_close(code))};
}

std::string name(int code) {
  return std::string{close_code_name(code)};
}

} // namespace

CAF_TEST(every code of the documented table has its action) {
  struct {
    int code;
    const char* action;
    const char* name;
  } table[] = {
    {4001, "reidentify", "invalid opcode"},
    {4002, "reidentify", "invalid payload"},
    {4006, "reidentify", "invalid session id"},
    {4007, "reidentify", "invalid seq"},
    {4008, "resume", "sending payloads too fast"},
    {4009, "resume", "connection expired"},
    {4010, "fatal", "invalid shard"},
    {4011, "fatal", "too many guilds"},
    {4012, "fatal", "invalid version"},
    {4013, "fatal", "invalid intent"},
    {4014, "fatal", "intent not permitted"},
    {4914, "fatal", "bot offline (sandbox only)"},
    {4915, "fatal", "bot banned"},
  };
  for (auto& row : table) {
    CAF_MESSAGE("close code " << row.code);
    CAF_CHECK_EQUAL(action(row.code), row.action);
    CAF_CHECK_EQUAL(name(row.code), row.name);
  }
}

CAF_TEST(internal errors re - identify across the whole range) {
  for (int code = 4900; code <= 4913; ++code) {
    CAF_CHECK_EQUAL(action(code), "reidentify");
    CAF_CHECK_EQUAL(name(code), "internal error");
  }
  CAF_CHECK_EQUAL(name(4899), "unknown close code");
  CAF_CHECK_EQUAL(name(4916), "unknown close code");
}

CAF_TEST(sdk and unknown codes re - identify) {
  for (int code :
       {4000, 4003, 4004, 4005, 4015, 4899, 4916, 4999, 9001, 9005, 3000})
    CAF_CHECK_EQUAL(action(code), "reidentify");
  CAF_CHECK_EQUAL(name(4004), "authentication failed");
  CAF_CHECK_EQUAL(name(9001), "invalid session");
  CAF_CHECK_EQUAL(name(9005), "connection closed, cannot resume");
}

CAF_TEST(only authentication failures invalidate the token) {
  CAF_CHECK(invalidates_token(4004));
  for (int code : {4001, 4006, 4009, 4013, 4915, 1000, -1})
    CAF_CHECK(!invalidates_token(code));
}

CAF_TEST(drops and transport codes keep the session resumable) {
  for (int code : {-1, 1000, 1001, 1006, 1011, 1012})
    CAF_CHECK_EQUAL(action(code), "resume");
  CAF_CHECK_EQUAL(name(-1), "no close frame");
  CAF_CHECK_EQUAL(name(1006), "abnormal closure");
}
