// A headless Chromium driven over the Chrome DevTools Protocol, for
// end-to-end tests of the admin console's web page. The browser runs in a
// process group of its own, which is killed (with every helper process) when
// the object goes away; every wait is bounded.

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/raw_clients.hpp"

namespace tether::test {

/// The browser binary: $TETHER_CHROMIUM, else `chromium` or
/// `chromium-browser` on PATH; empty if there is none.
std::string find_chromium();

class headless_browser {
public:
  using json = nlohmann::json;

  /// Runs between reads while a call waits (e.g. to drain other pipes).
  std::function<void()> idle;

  /// Starts `chromium` with its profile in `profile_dir` and attaches to a
  /// new blank page of `width` x `height`. False with `error()` set when
  /// any step fails.
  bool launch(const std::string& chromium, const std::string& profile_dir,
              int width = 1400, int height = 1000);

  /// Kills the browser's process group.
  ~headless_browser();

  /// Kills the browser's process group now and waits (at most `timeout`)
  /// until none of it is left; true if so.
  bool close(std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// One command on the page (or the browser, with `browser_level`); its
  /// `result`, or nullopt with `error()` set.
  std::optional<json> call(const std::string& method, json params = json::object(),
                           std::chrono::milliseconds timeout
                           = std::chrono::seconds{10},
                           bool browser_level = false);

  /// Evaluates `expression` in the page (awaiting a promise) and returns
  /// its value; nullopt on an exception or a missed deadline.
  std::optional<json> eval(const std::string& expression,
                           std::chrono::milliseconds timeout
                           = std::chrono::seconds{5});

  /// Evaluates `expression` every 100 ms until it is `true`.
  bool wait_true(const std::string& expression,
                 std::chrono::milliseconds timeout);

  bool navigate(const std::string& url);

  /// Writes a PNG of the page to `path`.
  bool screenshot(const std::string& path);

  /// Uncaught exceptions and console errors of the page so far.
  const std::vector<std::string>& page_errors() const {
    return page_errors_;
  }

  const std::string& error() const {
    return error_;
  }

  /// The browser's stderr so far.
  std::string stderr_text() const {
    return proc_ ? proc_->stderr_text() : std::string{};
  }

private:
  void note_event(const json& msg);

  std::unique_ptr<process> proc_;
  pid_t group_ = -1;
  std::unique_ptr<raw::ws_client> ws_;
  std::string session_;
  int next_id_ = 1;
  std::vector<std::string> page_errors_;
  std::string error_;
};

} // namespace tether::test
