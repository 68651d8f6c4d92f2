#define CAF_SUITE protocols.gateway.close_action

#include "protocols/gateway/close_action.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::gateway;

CAF_TEST(actions have names) {
  CAF_CHECK_EQUAL(std::string{to_string(close_action::resume)}, "resume");
  CAF_CHECK_EQUAL(std::string{to_string(close_action::reidentify)},
                  "reidentify");
  CAF_CHECK_EQUAL(std::string{to_string(close_action::fatal)}, "fatal");
}

CAF_TEST(transport codes are the RFC 6455 range and a missing frame) {
  for (int code : {-1, 1000, 1001, 1006, 1015, 2999})
    CAF_CHECK(is_transport_close(code));
  for (int code : {0, 999, 3000, 4000, 4009, 4999, -2})
    CAF_CHECK(!is_transport_close(code));
}

CAF_TEST(transport codes have names) {
  CAF_CHECK_EQUAL(std::string{transport_close_name(-1)}, "no close frame");
  CAF_CHECK_EQUAL(std::string{transport_close_name(1000)}, "normal closure");
  CAF_CHECK_EQUAL(std::string{transport_close_name(1006)}, "abnormal closure");
  CAF_CHECK_EQUAL(std::string{transport_close_name(1015)},
                  "TLS handshake failure");
  CAF_CHECK_EQUAL(std::string{transport_close_name(1004)},
                  "unknown close code");
  CAF_CHECK_EQUAL(std::string{transport_close_name(4000)},
                  "unknown close code");
}
