// fake_onebot: the fake OneBot v11 implementation (forward WS, optional reverse
// WS) as a process, for end-to-end runs and manual testing. Prints `listening
// 127.0.0.1:P` once ready and runs until SIGTERM or SIGINT; violations go to
// stderr as they happen.
//
// Example: fake_onebot --port 0 --token secret --heartbeat-ms 5000

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fakes/common/main_args.hpp"
#include "fakes/onebot/fake_onebot.hpp"

namespace {

using tether::fakes::common::parse_number;

void usage(const char* argv0) {
  std::fprintf(
    stderr,
    "usage: %s [--port P] [--token T] [--self-id N] [--heartbeat-ms N] "
    "[--format string|array] [--reverse ws://127.0.0.1:P/path]\n"
    "example: %s --port 0 --token secret --heartbeat-ms 5000\n",
    argv0, argv0);
}

} // namespace

int main(int argc, char** argv) {
  tether::fakes::onebot_options opts;
  std::string reverse;
  auto done = tether::fakes::common::parse_args(
    argc, argv, usage,
    [&opts, &reverse](const std::string& arg, const char* val) {
      unsigned long long n = 0;
      bool ok = true;
      if (arg == "--port") {
        ok = parse_number(val, 65535, n);
        opts.port = static_cast<uint16_t>(n);
      } else if (arg == "--token") {
        opts.access_token = val;
      } else if (arg == "--self-id") {
        ok = parse_number(val, 1ull << 62, n) && n > 0;
        opts.self_id = static_cast<int64_t>(n);
      } else if (arg == "--heartbeat-ms") {
        ok = parse_number(val, 86400000, n) && n > 0;
        opts.heartbeat_interval = std::chrono::milliseconds{n};
      } else if (arg == "--format") {
        ok = std::strcmp(val, "string") == 0 || std::strcmp(val, "array") == 0;
        opts.message_format = std::strcmp(val, "array") == 0
                                ? tether::fakes::onebot_format::array
                                : tether::fakes::onebot_format::string;
      } else if (arg == "--reverse") {
        reverse = val;
      } else {
        ok = false;
      }
      return ok;
    });
  if (done) return *done;
  return tether::fakes::common::run_fake<tether::fakes::fake_onebot>(
    "fake_onebot", opts, [&reverse](tether::fakes::fake_onebot& fake) {
      if (!reverse.empty()) fake.dial(reverse);
    });
}
