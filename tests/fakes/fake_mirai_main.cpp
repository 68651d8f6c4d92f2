// fake_mirai: the fake mirai-api-http WebSocket adapter as a process, for
// end-to-end runs and manual testing. Prints `listening 127.0.0.1:P` once
// ready and runs until SIGTERM or SIGINT; violations go to stderr as they
// happen.
//
// Example: fake_mirai --port 0 --verify-key secret --qq 10001

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <signal.h>

#include "fakes/mirai/fake_mirai.hpp"

#include <pthread.h>

namespace {

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--port P] [--verify-key K] [--qq N]\n"
               "example: %s --port 0 --verify-key secret --qq 10001\n",
               argv0, argv0);
}

bool parse_number(const char* str, unsigned long long max,
                  unsigned long long& out) {
  char* end = nullptr;
  errno = 0;
  auto x = std::strtoull(str, &end, 10);
  if (errno != 0 || end == str || *end != '\0' || x > max) return false;
  out = x;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  tether::fakes::mirai_options opts;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return EXIT_SUCCESS;
    }
    if (i + 1 >= argc) {
      usage(argv[0]);
      return EXIT_FAILURE;
    }
    const char* val = argv[++i];
    unsigned long long n = 0;
    bool ok = true;
    if (arg == "--port") {
      ok = parse_number(val, 65535, n);
      opts.port = static_cast<uint16_t>(n);
    } else if (arg == "--verify-key") {
      opts.verify_key = val;
    } else if (arg == "--qq") {
      ok = parse_number(val, 1ull << 62, n) && n > 0;
      opts.bots = {static_cast<int64_t>(n)};
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "bad argument: %s %s\n", arg.c_str(), val);
      usage(argv[0]);
      return EXIT_FAILURE;
    }
  }
  // Block the signals before the io threads exist so that they inherit the
  // mask and only sigtimedwait below sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    tether::fakes::fake_mirai fake{opts};
    std::printf("listening 127.0.0.1:%u\n", static_cast<unsigned>(fake.port()));
    std::fflush(stdout);
    size_t reported = 0;
    timespec poll_interval{0, 200 * 1000 * 1000};
    for (;;) {
      auto sig = sigtimedwait(&set, nullptr, &poll_interval);
      auto all = fake.violations();
      for (; reported < all.size(); ++reported)
        std::fprintf(stderr, "violation: %s\n", all[reported].c_str());
      if (sig == SIGTERM || sig == SIGINT) break;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_mirai: %s\n", e.what());
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
