// tetherctl: the operator's command-line tool. This version works on config
// files; the commands that talk to a running daemon arrive with the admin
// API.

#include <iostream>
#include <string>
#include <vector>

#include "actors/tree.hpp"
#include "config/config.hpp"

namespace {

void usage(std::ostream& out) {
  out << "usage: tetherctl config check FILE\n"
         "       tetherctl config paths FILE\n"
         "       tetherctl config policy FILE PATH\n"
         "exit codes: 0 ok, 1 not found, 2 usage or invalid config\n";
}

bool load(const std::string& file, tether::config::load_result& result) {
  result = tether::config::load_file(file);
  for (auto& err : result.errors)
    std::cerr << err.to_string() << '\n';
  return static_cast<bool>(result);
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3 || args[0] != "config") {
    usage(std::cerr);
    return 2;
  }
  tether::config::load_result result;
  if (!load(args[2], result))
    return 2;
  auto& cfg = *result.config;
  auto& cmd = args[1];
  if (cmd == "check" && args.size() == 3) {
    std::cout << args[2] << ": ok\n";
    return 0;
  }
  if (cmd == "paths" && args.size() == 3) {
    for (auto& path : tether::node_paths(cfg))
      std::cout << path << '\n';
    return 0;
  }
  if (cmd == "policy" && args.size() == 4) {
    // Any path resolves (dynamic nodes such as shards included); say so
    // when the config itself does not define the node.
    auto paths = tether::node_paths(cfg);
    bool known = false;
    for (auto& p : paths)
      known = known || p == args[3];
    std::cout << args[3] << ": "
              << tether::supervision::to_string(
                   tether::node_policy(cfg, args[3]))
              << (known ? "" : "  (not a node of this config)") << '\n';
    return known ? 0 : 1;
  }
  usage(std::cerr);
  return 2;
}
