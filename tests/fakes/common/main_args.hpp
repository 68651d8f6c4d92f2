// Shared pieces of the standalone fake servers: `--name value` parsing and
// the serve loop (print `listening 127.0.0.1:P`, report violations on
// stderr, run until SIGTERM or SIGINT).

#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <signal.h>

namespace tether::fakes::common {

/// Parses a decimal number no larger than `max` into `out`.
bool parse_number(const char* str, unsigned long long max,
                  unsigned long long& out);

/// Applies one `--name value` pair; false for an unknown or bad one.
using option_handler
  = std::function<bool(const std::string& arg, const char* val)>;

/// Walks `--name value` pairs. Returns an exit code when the process should
/// end (help, a missing value, a bad argument), nullopt to go on.
std::optional<int> parse_args(int argc, char** argv,
                              void (*usage)(const char* argv0),
                              const option_handler& apply);

/// Blocks SIGTERM and SIGINT; call before any io thread exists so that the
/// threads inherit the mask.
sigset_t block_stop_signals();

/// Prints the listening line, then reports new violations every 200 ms
/// until SIGTERM or SIGINT.
void serve(uint16_t port, const sigset_t& set,
           const std::function<std::vector<std::string>()>& violations);

/// The whole life of a standalone fake: blocks the stop signals, builds a
/// `Fake` from `opts`, runs `setup` on it and serves until stopped.
template<class Fake, class Options, class Setup>
int run_fake(const char* name, const Options& opts, Setup setup) {
  auto set = block_stop_signals();
  try {
    Fake fake{opts};
    setup(fake);
    serve(fake.port(), set, [&fake] {
      return fake.violations();
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}

template<class Fake, class Options>
int run_fake(const char* name, const Options& opts) {
  return run_fake<Fake>(name, opts, [](Fake&) {});
}

} // namespace tether::fakes::common
