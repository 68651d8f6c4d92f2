#define CAF_SUITE supervision.reason

#include "caf/test/unit_test.hpp"

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "config/logging.hpp"
#include "supervision/event.hpp"
#include "supervision/reason.hpp"

using namespace tether::supervision;

CAF_TEST(fatal and clean reasons are told apart) {
  CAF_CHECK(is_fatal(make_fatal("x")));
  CAF_CHECK(!is_fatal(caf::make_error(caf::sec::runtime_error)));
  CAF_CHECK(is_clean_exit(caf::error{}));
  CAF_CHECK(is_clean_exit(caf::exit_reason::user_shutdown));
  CAF_CHECK(!is_clean_exit(caf::exit_reason::kill));
  CAF_CHECK_EQUAL(describe(make_fatal("bad token")), "fatal: bad token");
  CAF_CHECK_EQUAL(describe(caf::error{}), "normal");
}

CAF_TEST(every supervisor event becomes one structured log line) {
  std::vector<std::string> lines;
  tether::logging::set_capture(
    [&](const std::string& line) { lines.push_back(line); });
  supervisor_event ev{event_kind::restart, "platforms/x", "runtime_error: boom",
                      std::chrono::milliseconds{250}, 2, 7};
  log_event(ev);
  tether::logging::set_capture(nullptr);
  CAF_REQUIRE_EQUAL(lines.size(), 1u);
  auto& line = lines[0];
  CAF_CHECK(line.find(" supervisor restart path=platforms/x "
                      "reason=\"runtime_error: boom\" delay=250ms "
                      "restarts_in_window=2 restarts_total=7")
            != std::string::npos);
}
