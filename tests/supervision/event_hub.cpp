#define CAF_SUITE supervision.event_hub

#include "caf/test/unit_test.hpp"

#include "supervision/event_hub.hpp"

using namespace tether::supervision;

namespace {

supervisor_event ev(std::string path) {
  return supervisor_event{event_kind::restart, std::move(path), "boom",
                          duration{0}, 1, 1};
}

} // namespace

CAF_TEST(subscribers get every event in order until they decline) {
  auto hub = std::make_shared<event_hub>();
  std::vector<std::string> a;
  std::vector<std::string> b;
  hub->subscribe([&](const supervisor_event& x) {
    a.push_back(x.path);
    return true;
  });
  auto id = hub->subscribe([&](const supervisor_event& x) {
    b.push_back(x.path);
    return b.size() < 2;
  });
  CAF_CHECK_EQUAL(hub->subscribers(), 2u);
  for (auto p : {"x", "y", "z"})
    hub->publish(ev(p));
  CAF_CHECK_EQUAL(a, (std::vector<std::string>{"x", "y", "z"}));
  CAF_CHECK_EQUAL(b, (std::vector<std::string>{"x", "y"}));
  CAF_CHECK_EQUAL(hub->subscribers(), 1u);
  hub->unsubscribe(id); // already gone: harmless
  CAF_CHECK_EQUAL(hub->subscribers(), 1u);
}

CAF_TEST(the sink publishes and outlives no hub) {
  auto hub = std::make_shared<event_hub>();
  int n = 0;
  hub->subscribe([&](const supervisor_event&) {
    ++n;
    return true;
  });
  auto sink = hub->sink();
  (*sink)(ev("a"));
  CAF_CHECK_EQUAL(n, 1);
  hub.reset();
  (*sink)(ev("b")); // only logs
  CAF_CHECK_EQUAL(n, 1);
}
