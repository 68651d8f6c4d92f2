// fake_openai: the fake OpenAI-compatible chat-completions server as a
// process, for end-to-end runs and manual testing (e.g. `make run` with
// base_url http://127.0.0.1:P/v1). Prints `listening 127.0.0.1:P` once
// ready and runs until SIGTERM or SIGINT; violations go to stderr.
//
// Example: fake_openai --port 8089 --api-key sk-test --slow-ms 500

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fakes/common/main_args.hpp"
#include "fakes/openai/fake_openai.hpp"

namespace {

using tether::fakes::common::parse_number;

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--port P] [--api-key K (\"\" accepts any)]\n"
               "          [--slow-ms N] [--rate-limit K] [--retry-after S]\n"
               "          [--server-error K] [--malformed K] [--hang K]\n"
               "faults apply to the first K requests\n"
               "example: %s --port 0 --api-key sk-test --rate-limit 2\n",
               argv0, argv0);
}

struct faults {
  unsigned long long slow_ms = 0;
  unsigned long long rate_limit = 0;
  std::string retry_after = "1";
  unsigned long long server_error = 0;
  unsigned long long malformed = 0;
  unsigned long long hang = 0;
};

} // namespace

int main(int argc, char** argv) {
  tether::fakes::openai_options opts;
  faults f;
  auto done = tether::fakes::common::parse_args(
    argc, argv, usage, [&](const std::string& arg, const char* val) {
      unsigned long long n = 0;
      bool ok = true;
      if (arg == "--port") {
        ok = parse_number(val, 65535, n);
        opts.port = static_cast<uint16_t>(n);
      } else if (arg == "--api-key") {
        opts.api_key = val;
      } else if (arg == "--slow-ms") {
        ok = parse_number(val, 3'600'000, f.slow_ms);
      } else if (arg == "--rate-limit") {
        ok = parse_number(val, 1'000'000, f.rate_limit);
      } else if (arg == "--retry-after") {
        f.retry_after = val;
      } else if (arg == "--server-error") {
        ok = parse_number(val, 1'000'000, f.server_error);
      } else if (arg == "--malformed") {
        ok = parse_number(val, 1'000'000, f.malformed);
      } else if (arg == "--hang") {
        ok = parse_number(val, 1'000'000, f.hang);
      } else {
        ok = false;
      }
      return ok;
    });
  if (done) return *done;
  return tether::fakes::common::run_fake<tether::fakes::fake_openai>(
    "fake_openai", opts, [&f](tether::fakes::fake_openai& fake) {
      fake.slow(std::chrono::milliseconds{f.slow_ms});
      fake.rate_limit(static_cast<int>(f.rate_limit), f.retry_after);
      fake.server_error(static_cast<int>(f.server_error));
      fake.malformed(static_cast<int>(f.malformed));
      fake.hang(static_cast<int>(f.hang));
    });
}
