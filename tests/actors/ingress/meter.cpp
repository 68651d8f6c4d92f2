#define CAF_SUITE actors.ingress.meter

#include "actors/ingress/meter.hpp"

#include <memory>

#include "actors/ingress/ingress.hpp"
#include "actors/metrics/names.hpp"
#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::ingress;
using namespace std::chrono_literals;

namespace {

// The series are process-wide: tests compare before and after.
uint64_t requests(const std::string& platform, const std::string& status) {
  return metrics::webhook_requests().with({platform, status}).value();
}

uint64_t errors(const std::string& platform, const std::string& reason) {
  return metrics::webhook_errors().with({platform, reason}).value();
}

uint64_t answered_count(const std::string& platform) {
  return metrics::webhook_request_duration().with({platform}).count();
}

std::shared_ptr<webhook_call> make_call(const std::string& platform) {
  auto call = std::make_shared<webhook_call>();
  call->meter = &webhook_meter::of(platform);
  call->received = std::chrono::steady_clock::now() - 20ms;
  return call;
}

} // namespace

CAF_TEST(one meter per platform) {
  CAF_CHECK_EQUAL(&webhook_meter::of("t_a"), &webhook_meter::of("t_a"));
  CAF_CHECK_NOT_EQUAL(&webhook_meter::of("t_a"), &webhook_meter::of("t_b"));
  CAF_CHECK_EQUAL(webhook_meter::of("t_a").platform(), "t_a");
}

CAF_TEST(an answer counts once with its status class and duration) {
  auto ok = requests("t_ok", "2xx");
  auto sum = metrics::webhook_request_duration().with({"t_ok"}).sum();
  auto call = make_call("t_ok");
  respond_ok(*call, "{}", "application/json");
  respond_empty(*call, 500); // ignored by the responder, and by the count
  CAF_CHECK_EQUAL(requests("t_ok", "2xx"), ok + 1);
  CAF_CHECK_EQUAL(requests("t_ok", "5xx"), 0u);
  CAF_CHECK_EQUAL(answered_count("t_ok"), 1u);
  CAF_CHECK_GREATER_OR_EQUAL(
    metrics::webhook_request_duration().with({"t_ok"}).sum() - sum, 0.02);
  call.reset(); // answered: nothing more is counted
  CAF_CHECK_EQUAL(requests("t_ok", "5xx"), 0u);
  CAF_CHECK_EQUAL(errors("t_ok", "unanswered"), 0u);
}

CAF_TEST(a rejection counts its reason and its status) {
  rejections rej{"t_component", "/hook"};
  auto call = make_call("t_rej");
  rej.reject(*call, 401, "signature", "bad");
  rej.reject(*make_call("t_rej"), 401, "signature");
  rej.reject(*make_call("t_rej"), 405, "method", "GET");
  CAF_CHECK_EQUAL(errors("t_rej", "signature"), 2u);
  CAF_CHECK_EQUAL(errors("t_rej", "method"), 1u);
  CAF_CHECK_EQUAL(requests("t_rej", "4xx"), 3u);
  CAF_CHECK_EQUAL(rej.count("signature"), 2u);
}

CAF_TEST(a call dropped without an answer counts as 500 and unanswered) {
  make_call("t_drop"); // the temporary dies at once, unanswered
  CAF_CHECK_EQUAL(requests("t_drop", "5xx"), 1u);
  CAF_CHECK_EQUAL(errors("t_drop", "unanswered"), 1u);
  CAF_CHECK_EQUAL(answered_count("t_drop"), 1u);
}

CAF_TEST(a call without a meter is answered and counts nothing) {
  auto call = std::make_shared<webhook_call>();
  respond_empty(*call, 200);
  CAF_CHECK(call->answered);
  call = std::make_shared<webhook_call>(); // dropped unanswered, no meter
  call.reset();
  CAF_CHECK(!call);
}
