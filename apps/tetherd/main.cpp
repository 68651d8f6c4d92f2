// tetherd: keeps chatbots connected to their platforms and never hangs.

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "actors/tree.hpp"
#include "config/config.hpp"
#include "daemon.hpp"

namespace {

void usage(std::ostream& out) {
  out << "usage: tetherd --config FILE        run the daemon\n"
         "       tetherd --check-config FILE  validate FILE and print the\n"
         "                                    restart policy of every node\n"
         "       tetherd --version\n";
}

// Prints every error as FILE:LINE:COL: KEY: message; true if valid. The
// loader checks the structure, the platforms their own names.
bool report(tether::config::load_result& result) {
  if (result)
    result.errors = tether::validate(*result.config);
  for (auto& err : result.errors)
    std::cerr << err.to_string() << '\n';
  return result && result.errors.empty();
}

int check_config(const std::string& file) {
  auto result = tether::config::load_file(file);
  if (!report(result))
    return tether::exit_config;
  auto& cfg = *result.config;
  std::cout << file << ": ok\n";
  for (auto& path : tether::node_paths(cfg))
    std::cout << path << ": "
              << tether::supervision::to_string(
                   tether::node_policy(cfg, path))
              << '\n';
  return tether::exit_ok;
}

} // namespace

int main(int argc, char** argv) {
  // A reader of stdout or stderr that goes away must not kill the daemon:
  // a failed write is an error the sandbox logs, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::cout << "tetherd " << TETHER_VERSION << '\n';
    return tether::exit_ok;
  }
  if (argc == 2
      && (std::strcmp(argv[1], "--help") == 0
          || std::strcmp(argv[1], "-h") == 0)) {
    usage(std::cout);
    return tether::exit_ok;
  }
  if (argc != 3) {
    usage(std::cerr);
    return tether::exit_config;
  }
  std::string flag = argv[1];
  std::string file = argv[2];
  if (flag == "--check-config")
    return check_config(file);
  if (flag != "--config") {
    usage(std::cerr);
    return tether::exit_config;
  }
  auto result = tether::config::load_file(file);
  if (!report(result))
    return tether::exit_config;
  return tether::run_daemon(
    file, std::make_shared<const tether::config::tether_config>(
            std::move(*result.config)));
}
