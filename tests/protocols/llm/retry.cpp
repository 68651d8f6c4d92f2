#define CAF_SUITE protocols.llm.retry

#include "protocols/llm/retry.hpp"

#include <optional>

#include "caf/test/unit_test.hpp"

using namespace tether::llm;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// The delay in ms, -1 for none.
int64_t ms(std::optional<milliseconds> x) {
  return x ? x->count() : -1;
}

} // namespace

CAF_TEST(statuses are classified) {
  CAF_CHECK(classify(200) == outcome::success);
  CAF_CHECK(classify(201) == outcome::success);
  for (int status : {0, 408, 429, 500, 502, 503, 504, 529})
    CAF_CHECK_EQUAL(to_string(classify(status)), std::string{"retry"});
  for (int status : {400, 401, 403, 404, 409, 413, 422, 301})
    CAF_CHECK_EQUAL(to_string(classify(status)), std::string{"fail"});
}

CAF_TEST(retry after in seconds) {
  CAF_CHECK_EQUAL(ms(parse_retry_after("3", 0)), 3000);
  CAF_CHECK_EQUAL(ms(parse_retry_after(" 0 ", 0)), 0);
  CAF_CHECK_EQUAL(ms(parse_retry_after("1.5", 0)), 1500);
  CAF_CHECK_EQUAL(ms(parse_retry_after("", 0)), -1);
  CAF_CHECK_EQUAL(ms(parse_retry_after("-1", 0)), -1);
  CAF_CHECK_EQUAL(ms(parse_retry_after("3s", 0)), -1);
  CAF_CHECK_EQUAL(ms(parse_retry_after("0x10", 0)), -1);
  CAF_CHECK_EQUAL(ms(parse_retry_after("1e3", 0)), -1);
  CAF_CHECK_EQUAL(ms(parse_retry_after("1.2.3", 0)), -1);
  CAF_CHECK_EQUAL(ms(parse_retry_after("100000", 0)), -1);
}

CAF_TEST(retry after as an HTTP date) {
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
  std::time_t at = 1445412480;
  CAF_CHECK_EQUAL(
    ms(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", at - 7)), 7000);
  CAF_CHECK_EQUAL(
    ms(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", at + 9)), 0);
  CAF_CHECK_EQUAL(ms(parse_retry_after("Wed, 21 Foo 2015 07:28:00 GMT", at)),
                  -1);
  CAF_CHECK_EQUAL(ms(parse_retry_after("Wed, 21 Oct 2015 07:28:00 UTC", at)),
                  -1);
  CAF_CHECK_EQUAL(
    ms(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", at)), -1);
}

CAF_TEST(backoff doubles up to the cap) {
  CAF_CHECK_EQUAL(backoff_delay(1000ms, 1).count(), 1000);
  CAF_CHECK_EQUAL(backoff_delay(1000ms, 2).count(), 2000);
  CAF_CHECK_EQUAL(backoff_delay(1000ms, 3).count(), 4000);
  CAF_CHECK_EQUAL(backoff_delay(1000ms, 10).count(), 60000);
  CAF_CHECK_EQUAL(backoff_delay(1000ms, 100, 5000ms).count(), 5000);
}
