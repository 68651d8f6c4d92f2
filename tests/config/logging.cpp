#define CAF_SUITE config.logging
#include "config/logging.hpp"

#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "caf/test/unit_test.hpp"
#include "config/config.hpp"

using namespace tether;
using spdlog::level::level_enum;

namespace {

using strings = std::vector<std::string>;

/// Captures log lines, with the timestamp replaced by `TS` after checking
/// its format.
struct fixture {
  strings lines;

  fixture() {
    logging::set_capture([this](const std::string& line) {
      static const std::regex ts{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"};
      std::smatch m;
      if (std::regex_search(line, m, ts))
        lines.push_back(m.prefix().str() + "TS" + m.suffix().str());
      else
        lines.push_back("no timestamp: " + line);
    });
  }

  ~fixture() {
    logging::set_capture(nullptr);
    logging::setup("info", false);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(logging_tests, fixture)

CAF_TEST(text lines carry component event and fields) {
  logging::setup("info", false);
  logging::log(level_enum::info, "supervisor", "restart",
               {{"path", "a/b"}, {"reason", "x y"}});
  logging::log(level_enum::warn, "admin", "listen");
  logging::log(level_enum::err, "x", "y", {{"k", ""}});
  logging::log(level_enum::critical, "x", "y",
               std::vector<logging::field>{{"q", "say \"hi\""}, {"e", "a=b"}});
  CAF_CHECK_EQUAL(lines,
                  strings({
                    R"(TS info  supervisor restart path=a/b reason="x y")",
                    "TS warn  admin listen",
                    R"(TS error x y k="")",
                    R"(TS critical x y q="say \"hi\"" e="a=b")",
                  }));
}

CAF_TEST(text values with control characters stay on one line) {
  logging::setup("info", false);
  logging::log(level_enum::info, "c", "e",
               {{"text", "line1\nline2\ttab"}, {"path", R"(C:\dir)"}});
  CAF_CHECK_EQUAL(lines, strings({R"(TS info  c e text="line1\nline2\ttab" )"
                                  R"(path=C:\dir)"}));
}

CAF_TEST(json lines are one escaped object each) {
  logging::setup("info", true);
  logging::log(level_enum::info, "supervisor", "restart",
               {{"path", "a/b"}, {"reason", "x y"}});
  logging::log(level_enum::err, "c", "e",
               {{"q", R"(a "quoted" \ value)"},
                {"ctl", std::string{"\n\r\t\b\f\x01\x1f", 7}}});
  CAF_CHECK_EQUAL(
    lines, strings({
             R"({"ts":"TS","level":"info","component":"supervisor",)"
             R"("event":"restart","path":"a/b","reason":"x y"})",
             R"({"ts":"TS","level":"error","component":"c","event":"e",)"
             R"("q":"a \"quoted\" \\ value","ctl":"\n\r\t\b\f\u0001\u001f"})",
           }));
}

CAF_TEST(raw spdlog calls use the same format) {
  logging::setup("info", false);
  spdlog::info("hello {}", "world");
  logging::setup("info", true);
  spdlog::warn("two\nlines \"q\"");
  CAF_CHECK_EQUAL(lines, strings({
                           "TS info  hello world",
                           R"({"ts":"TS","level":"warn","msg":"two\nlines )"
                           R"(\"q\""})",
                         }));
}

CAF_TEST(the level filters lines) {
  logging::setup("warn", false);
  logging::log(level_enum::info, "c", "hidden");
  spdlog::debug("hidden too");
  logging::log(level_enum::warn, "c", "shown");
  logging::setup("debug", false);
  logging::log(level_enum::debug, "c", "now shown");
  logging::log(level_enum::trace, "c", "still hidden");
  logging::setup("off", false);
  logging::log(level_enum::critical, "c", "off hides all");
  CAF_CHECK_EQUAL(lines,
                  strings({"TS warn  c shown", R"(TS debug c "now shown")"}));
}

CAF_TEST(registered secrets are redacted everywhere) {
  logging::setup("info", false);
  logging::add_secret("pa55-w0rd-xyz");
  logging::add_secret("abc"); // too short to matter
  logging::log(level_enum::info, "c", "e",
               {{"token", "pa55-w0rd-xyz"},
                {"url", "https://u:pa55-w0rd-xyz@h"},
                {"short", "abc"}});
  spdlog::info("raw pa55-w0rd-xyz call");
  logging::setup("info", true);
  logging::log(level_enum::info, "c", "e", {{"k", "xpa55-w0rd-xyzx"}});
  CAF_CHECK_EQUAL(
    lines,
    strings({
      "TS info  c e token=<redacted> url=https://u:<redacted>@h short=abc",
      "TS info  raw <redacted> call",
      R"({"ts":"TS","level":"info","component":"c","event":"e",)"
      R"("k":"x<redacted>x"})",
    }));
  CAF_CHECK_EQUAL(logging::redact("a pa55-w0rd-xyz b"), "a <redacted> b");
  CAF_CHECK_EQUAL(logging::redact("abc"), "abc");
}

CAF_TEST(secrets with quotes are redacted in escaped form too) {
  logging::setup("info", true);
  logging::add_secret(R"(q"u\o"te)");
  logging::log(level_enum::info, "c", "e", {{"k", R"(q"u\o"te)"}});
  spdlog::info(R"(raw q"u\o"te)");
  logging::setup("info", false);
  logging::log(level_enum::info, "c", "e", {{"k", R"(q"u\o"te)"}});
  CAF_CHECK_EQUAL(lines,
                  strings({
                    R"({"ts":"TS","level":"info","component":"c","event":"e",)"
                    R"("k":"<redacted>"})",
                    R"({"ts":"TS","level":"info","msg":"raw <redacted>"})",
                    "TS info  c e k=<redacted>",
                  }));
}

CAF_TEST(a token loaded from the environment never reaches a log line) {
  setenv("TETHER_TEST_ADMIN_TOKEN", "env-t0ken-8f3a9c", 1);
  auto res = config::load_string(R"(admin:
  token: ${TETHER_TEST_ADMIN_TOKEN}
)");
  unsetenv("TETHER_TEST_ADMIN_TOKEN");
  CAF_REQUIRE(res);
  auto& token = res.config->admin.token;
  CAF_CHECK_EQUAL(token.reveal(), "env-t0ken-8f3a9c");
  for (auto json : {false, true}) {
    logging::setup("info", json);
    logging::log(level_enum::info, "admin", "auth",
                 {{"token", token.reveal()},
                  {"header", "Bearer " + token.reveal()}});
    spdlog::error("leaked {}", token.reveal());
  }
  CAF_REQUIRE_EQUAL(lines.size(), 4u);
  for (auto& line : lines) {
    CAF_CHECK_EQUAL(line.find("env-t0ken-8f3a9c"), std::string::npos);
    CAF_CHECK_NOT_EQUAL(line.find("<redacted>"), std::string::npos);
  }
  CAF_CHECK_EQUAL(lines[0],
                  R"(TS info  admin auth token=<redacted> header="Bearer )"
                  R"(<redacted>")");
  // Errors about the file are redacted as well.
  config::error err{{"t.yaml", 1, 2}, "x", "saw env-t0ken-8f3a9c"};
  CAF_CHECK_EQUAL(err.to_string(), "t.yaml:1:2: x: saw <redacted>");
}

CAF_TEST(concurrent logging and new secrets are safe) {
  logging::setup("info", false);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([i] {
      for (int j = 0; j < 200; ++j)
        logging::log(level_enum::info, "t", "e",
                     {{"i", std::to_string(i)}, {"v", "conc-secret-7"}});
    });
  threads.emplace_back([] {
    for (int j = 0; j < 50; ++j)
      logging::add_secret("conc-secret-" + std::to_string(j));
  });
  for (auto& t : threads)
    t.join();
  CAF_CHECK_EQUAL(lines.size(), 800u);
  size_t well_formed = 0;
  for (auto& line : lines)
    if (line.rfind("TS info  t e i=", 0) == 0) ++well_formed;
  CAF_CHECK_EQUAL(well_formed, 800u);
  CAF_CHECK_EQUAL(logging::redact("conc-secret-7"), "<redacted>");
}

CAF_TEST_FIXTURE_SCOPE_END()
