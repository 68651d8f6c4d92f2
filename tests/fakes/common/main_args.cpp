#include "fakes/common/main_args.hpp"

#include <cerrno>
#include <cstdio>

#include <pthread.h>

namespace tether::fakes::common {

bool parse_number(const char* str, unsigned long long max,
                  unsigned long long& out) {
  char* end = nullptr;
  errno = 0;
  auto x = std::strtoull(str, &end, 10);
  if (errno != 0 || end == str || *end != '\0' || x > max) return false;
  out = x;
  return true;
}

std::optional<int> parse_args(int argc, char** argv,
                              void (*usage)(const char* argv0),
                              const option_handler& apply) {
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
    if (!apply(arg, val)) {
      std::fprintf(stderr, "bad argument: %s %s\n", arg.c_str(), val);
      usage(argv[0]);
      return EXIT_FAILURE;
    }
  }
  return std::nullopt;
}

sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void serve(uint16_t port, const sigset_t& set,
           const std::function<std::vector<std::string>()>& violations) {
  std::printf("listening 127.0.0.1:%u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  size_t reported = 0;
  timespec poll_interval{0, 200 * 1000 * 1000};
  for (;;) {
    auto sig = sigtimedwait(&set, nullptr, &poll_interval);
    auto all = violations();
    for (; reported < all.size(); ++reported)
      std::fprintf(stderr, "violation: %s\n", all[reported].c_str());
    if (sig == SIGTERM || sig == SIGINT) break;
  }
}

} // namespace tether::fakes::common
