// fake_discord: the fake Discord gateway + REST as a process, for
// benchmarks and manual runs. Prints `listening 127.0.0.1:P` once ready and
// runs until SIGTERM or SIGINT; violations go to stderr as they happen.
//
// Example: fake_discord --port 0 --shards 2 --heartbeat-ms 5000

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fakes/common/main_args.hpp"
#include "fakes/discord/fake_discord.hpp"

namespace {

using tether::fakes::common::parse_number;

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--port P] [--shards N] [--heartbeat-ms N] "
               "[--token T] [--flood-per-connection N] [--max-concurrency N]\n"
               "example: %s --port 0 --shards 2 --heartbeat-ms 5000\n",
               argv0, argv0);
}

} // namespace

int main(int argc, char** argv) {
  tether::fakes::discord_options opts;
  auto done = tether::fakes::common::parse_args(
    argc, argv, usage, [&opts](const std::string& arg, const char* val) {
      unsigned long long n = 0;
      bool ok = true;
      if (arg == "--port") {
        ok = parse_number(val, 65535, n);
        opts.port = static_cast<uint16_t>(n);
      } else if (arg == "--shards") {
        ok = parse_number(val, 65535, n) && n > 0;
        opts.shards = static_cast<uint32_t>(n);
      } else if (arg == "--heartbeat-ms") {
        ok = parse_number(val, 86400000, n) && n > 0;
        opts.heartbeat_interval = std::chrono::milliseconds{n};
      } else if (arg == "--token") {
        opts.token = val;
      } else if (arg == "--max-concurrency") {
        ok = parse_number(val, 65535, n) && n > 0;
        opts.max_concurrency = static_cast<int>(n);
      } else if (arg == "--flood-per-connection") {
        ok = parse_number(val, 1ull << 40, n);
        opts.flood_after_ready = static_cast<size_t>(n);
      } else {
        ok = false;
      }
      return ok;
    });
  if (done) return *done;
  return tether::fakes::common::run_fake<tether::fakes::fake_discord>(
    "fake_discord", opts);
}
