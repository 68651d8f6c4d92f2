// Runs the real tetherd for end-to-end tests: starts it on a config file,
// drains its stderr while waiting (a full pipe would block its logging),
// talks to the sandbox platform on stdin/stdout, and stops it with SIGTERM.
// Every wait is bounded.

#pragma once

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "support/process.hpp"

namespace tether::test {

class tetherd {
public:
  using env_map = std::map<std::string, std::optional<std::string>>;

  /// Starts `TETHERD_PATH --config config` in `cwd` with `env` added;
  /// systemd variables are removed unless `env` sets them.
  bool launch(const std::string& config, const std::string& cwd,
              env_map env = {}) {
    process::options opts;
    opts.args = {TETHERD_PATH, "--config", config};
    opts.env = {{"NOTIFY_SOCKET", std::nullopt},
                {"WATCHDOG_USEC", std::nullopt}};
    for (auto& [key, value] : env)
      opts.env[key] = value;
    opts.cwd = cwd;
    proc_ = std::make_unique<process>(opts);
    return proc_->started();
  }

  bool running() const {
    return proc_ != nullptr;
  }

  process& proc() {
    return *proc_;
  }

  std::string stderr_text() {
    return proc_ ? proc_->stderr_text() : std::string{};
  }

  bool stderr_has(const std::string& what) {
    return stderr_text().find(what) != std::string::npos;
  }

  /// Polls `pred` every 5 ms while draining stderr, until `timeout`.
  template <class Pred>
  bool wait(Pred pred, steady_clock::duration timeout) {
    auto deadline = deadline_in(timeout);
    for (int i = 0; i < 100000; ++i) {
      proc_->read_line_until(process::stream::err,
                             [](const std::string&) { return false; },
                             steady_clock::now());
      if (pred())
        return true;
      if (steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return false;
  }

  /// `/ping` on the sandbox platform; true when `pong` comes back.
  bool ping_through_sandbox() {
    using namespace std::chrono_literals;
    if (!proc_->send_line("/ping", deadline_in(1s)))
      return false;
    return proc_
      ->read_line_until(process::stream::out, contains("pong"),
                        deadline_in(5s))
      .has_value();
  }

  /// SIGTERM, then the exit code (nullopt if it did not exit in 8 s).
  std::optional<int> stop() {
    using namespace std::chrono_literals;
    proc_->signal(SIGTERM);
    std::optional<int> code;
    wait([&] { return (code = proc_->wait_exit(steady_clock::now())); }, 8s);
    return code;
  }

  void reset() {
    proc_.reset();
  }

private:
  std::unique_ptr<process> proc_;
};

} // namespace tether::test
