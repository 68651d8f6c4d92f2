// fake_mirai: the fake mirai-api-http WebSocket adapter as a process, for
// end-to-end runs and manual testing. Prints `listening 127.0.0.1:P` once
// ready and runs until SIGTERM or SIGINT; violations go to stderr as they
// happen.
//
// Example: fake_mirai --port 0 --verify-key secret --qq 10001

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fakes/common/main_args.hpp"
#include "fakes/mirai/fake_mirai.hpp"

namespace {

using tether::fakes::common::parse_number;

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--port P] [--verify-key K] [--qq N]\n"
               "example: %s --port 0 --verify-key secret --qq 10001\n",
               argv0, argv0);
}

} // namespace

int main(int argc, char** argv) {
  tether::fakes::mirai_options opts;
  auto done = tether::fakes::common::parse_args(
    argc, argv, usage, [&opts](const std::string& arg, const char* val) {
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
      return ok;
    });
  if (done) return *done;
  return tether::fakes::common::run_fake<tether::fakes::fake_mirai>(
    "fake_mirai", opts);
}
