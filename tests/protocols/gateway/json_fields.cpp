#define CAF_SUITE protocols.gateway.json_fields

#include "protocols/gateway/json_fields.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::gateway;

CAF_TEST(parse reports malformed input) {
  std::string error;
  CAF_CHECK(json::parse("[1,2]", &error));
  for (auto text : {"", "{", "{\"a\":}", "nul", "{} {}", "\"\\x\""}) {
    error.clear();
    CAF_CHECK(!json::parse(text, &error));
    CAF_CHECK_EQUAL(error, "malformed JSON");
  }
  CAF_CHECK(!json::parse_object("[1]", &error));
  CAF_CHECK_EQUAL(error, "not a JSON object");
  CAF_CHECK(json::parse_object(" {} "));
}

CAF_TEST(get_int reads integers and decimal strings) {
  auto obj = *json::parse_object(
    R"({"a":7200,"b":"7200","c":"-5","d":1.5,"e":"12x","f":true,)"
    R"("g":"","h":18446744073709551615,"i":"9223372036854775808",)"
    R"("j":"-9223372036854775808","k":null})");
  CAF_CHECK_EQUAL(json::get_int(obj, "a").value_or(0), 7200);
  CAF_CHECK_EQUAL(json::get_int(obj, "b").value_or(0), 7200);
  CAF_CHECK_EQUAL(json::get_int(obj, "c").value_or(0), -5);
  CAF_CHECK_EQUAL(json::get_int(obj, "j").value_or(0),
                  std::numeric_limits<int64_t>::min());
  for (auto key : {"d", "e", "f", "g", "h", "i", "k", "missing"})
    CAF_CHECK(!json::get_int(obj, key));
  CAF_CHECK(!json::get_int(json::value::array(), "a"));
}

CAF_TEST(get_id reads strings and integers as text) {
  auto obj = *json::parse_object(
    R"({"s":"E4F4","n":6158788878435714165,"m":-3,"f":1.0,"o":{}})");
  CAF_CHECK_EQUAL(json::get_id(obj, "s").value_or(""), "E4F4");
  CAF_CHECK_EQUAL(json::get_id(obj, "n").value_or(""), "6158788878435714165");
  CAF_CHECK_EQUAL(json::get_id(obj, "m").value_or(""), "-3");
  CAF_CHECK(!json::get_id(obj, "f"));
  CAF_CHECK(!json::get_id(obj, "o"));
  CAF_CHECK(!json::get_id(obj, "missing"));
  CAF_CHECK_EQUAL(json::get_string(obj, "s").value_or(""), "E4F4");
  CAF_CHECK(!json::get_string(obj, "n"));
}

CAF_TEST(dump replaces invalid UTF - 8 instead of throwing) {
  json::value x = std::string{"a\xff"
                              "b"};
  CAF_CHECK_EQUAL(json::dump(x), "\"a\xef\xbf\xbd"
                                 "b\"");
  json::ordered y = json::ordered::object();
  y["z"] = 1;
  y["a"] = std::string{"\xc3"};
  CAF_CHECK_EQUAL(json::dump(y), "{\"z\":1,\"a\":\"\xef\xbf\xbd\"}");
}
