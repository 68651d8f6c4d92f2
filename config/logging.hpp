// Structured logging on top of spdlog: one line per event, text or JSON,
// with every registered secret replaced by `<redacted>`.

#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>

namespace tether::logging {

/// One `key=value` pair of a log line.
struct field {
  std::string key;
  std::string value;
};

/// Sets up the default spdlog logger: stderr, `level` (trace | debug | info |
/// warn | error | critical | off; anything else means info), text or JSON
/// lines. Thread-safe sinks. Calling it again switches level and format.
/// The first call of any function here installs the logger as spdlog's
/// default, so that raw `spdlog::info` calls get the same format and
/// redaction.
void setup(const std::string& level, bool json);

/// Every later log line has each occurrence of `value` replaced by
/// `<redacted>`; values shorter than 4 characters are ignored. Thread-safe.
void add_secret(const std::string& value);

/// The same replacement, for text that leaves the process another way
/// (console, error messages).
std::string redact(std::string text);

/// Logs one structured line. Text mode:
/// `2026-11-23T04:00:00.123Z info  supervisor restart path=a/b reason="x y"`;
/// JSON mode: `{"ts":"...","level":"info","component":"supervisor",
/// "event":"restart","path":"a/b","reason":"x y"}`. Works before `setup`
/// (text, info, stderr).
void log(spdlog::level::level_enum lvl, std::string_view component,
         std::string_view event, std::initializer_list<field> fields = {});

void log(spdlog::level::level_enum lvl, std::string_view component,
         std::string_view event, const std::vector<field>& fields);

/// For tests: every rendered line (after redaction, without the newline) also
/// goes to `fn`; nullptr removes it. `fn` runs under the sink's lock and must
/// not log.
void set_capture(std::function<void(const std::string&)> fn);

} // namespace tether::logging
