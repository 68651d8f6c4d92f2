// fake_qq: the fake QQ bot API (token endpoint, OpenAPI, gateway) as a process,
// for end-to-end runs and manual testing. Prints `listening 127.0.0.1:P` once
// ready and runs until SIGTERM or SIGINT; violations go to stderr as they
// happen.
//
// Example: fake_qq --port 0 --heartbeat-ms 5000 --token-lifetime-s 60

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fakes/common/main_args.hpp"
#include "fakes/qq/fake_qq.hpp"

namespace {

using tether::fakes::common::parse_number;

void usage(const char* argv0) {
  std::fprintf(
    stderr,
    "usage: %s [--port P] [--app-id ID] [--secret S] [--shards N] "
    "[--heartbeat-ms N] "
    "[--token-lifetime-s N] [--max-concurrency N]\n"
    "example: %s --port 0 --heartbeat-ms 5000 --token-lifetime-s 60\n",
    argv0, argv0);
}

} // namespace

int main(int argc, char** argv) {
  tether::fakes::qq_options opts;
  auto done = tether::fakes::common::parse_args(
    argc, argv, usage, [&opts](const std::string& arg, const char* val) {
      unsigned long long n = 0;
      bool ok = true;
      if (arg == "--port") {
        ok = parse_number(val, 65535, n);
        opts.port = static_cast<uint16_t>(n);
      } else if (arg == "--app-id") {
        opts.app_id = val;
      } else if (arg == "--secret") {
        opts.client_secret = val;
      } else if (arg == "--shards") {
        ok = parse_number(val, 65535, n) && n > 0;
        opts.shards = static_cast<uint32_t>(n);
      } else if (arg == "--heartbeat-ms") {
        ok = parse_number(val, 86400000, n) && n > 0;
        opts.heartbeat_interval = std::chrono::milliseconds{n};
      } else if (arg == "--token-lifetime-s") {
        ok = parse_number(val, 86400, n) && n > 0;
        opts.token_lifetime = std::chrono::seconds{n};
      } else if (arg == "--max-concurrency") {
        ok = parse_number(val, 65535, n) && n > 0;
        opts.max_concurrency = static_cast<int>(n);
      } else {
        ok = false;
      }
      return ok;
    });
  if (done) return *done;
  return tether::fakes::common::run_fake<tether::fakes::fake_qq>("fake_qq",
                                                                 opts);
}
