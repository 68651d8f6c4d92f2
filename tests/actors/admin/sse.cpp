#define CAF_SUITE actors.admin.sse

#include "caf/test/unit_test.hpp"

#include "actors/admin/sse.hpp"

using namespace tether::admin;

CAF_TEST(an event frame has a name and one data line per line) {
  CAF_CHECK_EQUAL(sse_frame("log", "hello"), "event: log\ndata: hello\n\n");
  CAF_CHECK_EQUAL(sse_frame("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
  CAF_CHECK_EQUAL(sse_frame("x", ""), "event: x\ndata: \n\n");
}
