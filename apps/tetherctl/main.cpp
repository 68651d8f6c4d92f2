// tetherctl: the operator's command-line tool. It talks to a running
// tetherd through the admin API (docs/admin.md), and checks config files
// without one.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "actors/tree.hpp"
#include "api.hpp"
#include "config/config.hpp"
#include "render.hpp"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

enum exit_code : int {
  exit_ok = 0,
  exit_usage = 1,
  exit_unreachable = 2,
  exit_unauthorized = 3,
  exit_not_found = 4,
  exit_error = 5,
};

/// Deadline of one request (`--timeout MS`).
std::chrono::milliseconds request_timeout = 10s;
/// A reload may stop and start several nodes, each within its deadline.
constexpr auto reload_timeout = 120s;
/// The server sends a keep-alive every 15 s.
constexpr auto stream_idle = 45s;

void usage(std::ostream& out) {
  out << "usage: tetherctl [--url URL] [--token TOKEN] [--timeout MS] [--json]"
         " COMMAND\n"
         "commands:\n"
         "  tree                      the supervision tree with states\n"
         "  status                    health and readiness\n"
         "  restart PATH              restart a node now (no backoff)\n"
         "  stop PATH                 stop a node and keep it stopped\n"
         "  start PATH                start a stopped or parked node\n"
         "  policy get PATH           the restart policy in force\n"
         "  policy set PATH KEY=VALUE...  change it until the next restart\n"
         "                            (keys: max_restarts, within,\n"
         "                            backoff.initial, backoff.multiplier,\n"
         "                            backoff.max, backoff.jitter,\n"
         "                            backoff.reset_after, on_exhausted,\n"
         "                            cooldown, shutdown)\n"
         "  reload                    reload the config file (as SIGHUP)\n"
         "  logs [-f] [-n N]          recent log lines; -f follows\n"
         "  watch                     supervisor events as they happen\n"
         "  config check FILE         validate a config file\n"
         "  config paths FILE         the node paths a config defines\n"
         "  config policy FILE PATH   the policy a config gives PATH\n"
         "URL defaults to http://127.0.0.1:7070; TOKEN to "
         "$TETHER_ADMIN_TOKEN; MS to 10000.\n"
         "exit codes: 0 ok, 1 usage, 2 tetherd unreachable, 3 unauthorized,\n"
         "            4 not found, 5 other error\n";
}

struct cli {
  tetherctl::endpoint ep;
  bool json_out = false;
  tetherctl::style st;
  std::vector<std::string> args;
};

// -- answers ------------------------------------------------------------------

std::string error_of(const tetherctl::api_response& res) {
  auto x = json::parse(res.body, nullptr, false);
  if (x.is_object() && x.contains("error") && x["error"].is_string())
    return x["error"].get<std::string>();
  return res.body.empty() ? "HTTP " + std::to_string(res.status) : res.body;
}

// Maps a failed answer to a message on stderr and an exit code; nullopt
// for 2xx.
std::optional<int> check(const cli& c, const tetherctl::api_response& res) {
  if (res.status == 0) {
    std::cerr << "tetherctl: cannot reach tetherd at " << c.ep.base << ": "
              << res.error << '\n';
    return exit_unreachable;
  }
  if (res.status >= 200 && res.status < 300)
    return std::nullopt;
  if (c.json_out)
    std::cout << res.body << '\n';
  std::cerr << "tetherctl: " << error_of(res) << '\n';
  if (res.status == 401)
    return exit_unauthorized;
  if (res.status == 404)
    return exit_not_found;
  return exit_error;
}

std::optional<json> parse_body(const tetherctl::api_response& res) {
  auto x = json::parse(res.body, nullptr, false);
  if (x.is_discarded()) {
    std::cerr << "tetherctl: the answer is not JSON\n";
    return std::nullopt;
  }
  return x;
}

tetherctl::api_response get(const cli& c, const std::string& path) {
  return tetherctl::call(c.ep, "GET", path, {}, request_timeout);
}

// -- commands -----------------------------------------------------------------

int cmd_tree(const cli& c) {
  auto res = get(c, "/api/tree");
  if (auto code = check(c, res))
    return *code;
  if (c.json_out) {
    std::cout << res.body << '\n';
    return exit_ok;
  }
  auto x = parse_body(res);
  if (!x || !x->contains("tree"))
    return exit_error;
  std::cout << tetherctl::render_tree((*x)["tree"], c.st);
  return exit_ok;
}

int cmd_status(const cli& c) {
  auto health = get(c, "/healthz");
  if (health.status == 0)
    return *check(c, health);
  auto ready = get(c, "/readyz");
  if (ready.status == 0)
    return *check(c, ready);
  if (c.json_out) {
    auto h = json::parse(health.body, nullptr, false);
    auto r = json::parse(ready.body, nullptr, false);
    std::cout << json{{"health", h}, {"ready", r}}.dump() << '\n';
  } else {
    std::cout << "tetherd at " << c.ep.base << ": "
              << (health.status == 200 ? "healthy" : "unhealthy") << ", "
              << (ready.status == 200 ? "ready" : "not ready") << '\n';
    if (health.status != 200)
      std::cout << "  " << error_of(health) << '\n';
    auto r = json::parse(ready.body, nullptr, false);
    if (r.is_object() && r.contains("not_ready"))
      for (auto& n : r["not_ready"])
        std::cout << "  " << n.value("path", "?") << " ["
                  << n.value("state", "?") << "]\n";
  }
  return health.status == 200 && ready.status == 200 ? exit_ok : exit_error;
}

int cmd_action(const cli& c, const std::string& action,
               const std::string& path) {
  auto res = tetherctl::call(c.ep, "POST",
                             "/api/nodes/" + tetherctl::encode_path(path)
                               + "/" + action,
                             {}, request_timeout + 20s);
  if (auto code = check(c, res))
    return *code;
  if (c.json_out)
    std::cout << res.body << '\n';
  else
    std::cout << action << ": " << path << '\n';
  return exit_ok;
}

int cmd_policy_get(const cli& c, const std::string& path) {
  auto res = get(c, "/api/policies");
  if (auto code = check(c, res))
    return *code;
  auto x = parse_body(res);
  if (!x)
    return exit_error;
  for (auto& item : (*x)["policies"]) {
    if (item.value("path", "") != path)
      continue;
    if (c.json_out)
      std::cout << item.dump() << '\n';
    else if (item["policy"].is_object())
      std::cout << tetherctl::render_policy(item["policy"]);
    else
      std::cout << "unknown: " << item.value("error", "no answer") << '\n';
    return exit_ok;
  }
  std::cerr << "tetherctl: no node `" << path << "`\n";
  return exit_not_found;
}

// `backoff.initial=1s` -> {"backoff": {"initial": "1s"}}; numbers stay
// numbers.
std::optional<json> policy_body(const std::vector<std::string>& pairs) {
  json body = json::object();
  for (auto& kv : pairs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "tetherctl: expected KEY=VALUE, got `" << kv << "`\n";
      return std::nullopt;
    }
    auto key = kv.substr(0, eq);
    auto text = kv.substr(eq + 1);
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_number())
      value = text;
    auto dot = key.find('.');
    if (dot == std::string::npos)
      body[key] = value;
    else
      body[key.substr(0, dot)][key.substr(dot + 1)] = value;
  }
  return body;
}

int cmd_policy_set(const cli& c, const std::string& path,
                   const std::vector<std::string>& pairs) {
  auto body = policy_body(pairs);
  if (!body)
    return exit_usage;
  auto res = tetherctl::call(c.ep, "PUT",
                             "/api/policies/" + tetherctl::encode_path(path),
                             body->dump(), request_timeout);
  if (auto code = check(c, res))
    return *code;
  auto x = parse_body(res);
  if (c.json_out || !x)
    std::cout << res.body << '\n';
  else
    std::cout << tetherctl::render_policy((*x)["policy"]);
  return exit_ok;
}

int cmd_reload(const cli& c) {
  auto res = tetherctl::call(c.ep, "POST", "/api/reload", {}, reload_timeout);
  if (res.status == 400 && !c.json_out) {
    auto x = json::parse(res.body, nullptr, false);
    if (x.is_object() && x.contains("errors")) {
      for (auto& e : x["errors"])
        std::cerr << e.get<std::string>() << '\n';
      return exit_error;
    }
  }
  if (auto code = check(c, res))
    return *code;
  auto x = parse_body(res);
  if (c.json_out || !x)
    std::cout << res.body << '\n';
  else
    std::cout << tetherctl::render_diff((*x)["diff"]);
  return exit_ok;
}

int follow(const cli& c, const std::string& path,
           const std::function<void(const std::string&, const std::string&)>&
             on_event) {
  std::string error;
  std::string body;
  auto status = tetherctl::stream(c.ep, path, request_timeout, stream_idle,
                                  on_event, error, body);
  tetherctl::api_response res{status, body, error};
  if (status == 0 || status != 200)
    return *check(c, res);
  std::cerr << "tetherctl: " << error << '\n';
  return exit_unreachable;
}

int cmd_logs(const cli& c, bool follow_flag, const std::string& n) {
  if (follow_flag)
    return follow(c, "/api/logs?follow=1&n=" + n,
                  [&c](const std::string&, const std::string& line) {
                    std::cout << line << std::endl;
                  });
  auto res = get(c, "/api/logs?n=" + n);
  if (auto code = check(c, res))
    return *code;
  if (c.json_out) {
    std::cout << res.body << '\n';
    return exit_ok;
  }
  auto x = parse_body(res);
  if (!x)
    return exit_error;
  for (auto& line : (*x)["lines"])
    std::cout << line.get<std::string>() << '\n';
  return exit_ok;
}

int cmd_watch(const cli& c) {
  return follow(c, "/api/events",
                [&c](const std::string&, const std::string& data) {
                  if (c.json_out) {
                    std::cout << data << std::endl;
                    return;
                  }
                  auto ev = json::parse(data, nullptr, false);
                  if (ev.is_object())
                    std::cout << tetherctl::render_event(ev, c.st)
                              << std::endl;
                });
}

// -- config files -------------------------------------------------------------

int cmd_config(const std::vector<std::string>& args) {
  if (args.size() < 3) {
    usage(std::cerr);
    return exit_usage;
  }
  auto result = tether::config::load_file(args[2]);
  if (result)
    result.errors = tether::validate(*result.config);
  for (auto& err : result.errors)
    std::cerr << err.to_string() << '\n';
  if (!result || !result.errors.empty())
    return exit_error;
  auto& cfg = *result.config;
  auto& cmd = args[1];
  if (cmd == "check" && args.size() == 3) {
    std::cout << args[2] << ": ok\n";
    return exit_ok;
  }
  if (cmd == "paths" && args.size() == 3) {
    for (auto& path : tether::node_paths(cfg))
      std::cout << path << '\n';
    return exit_ok;
  }
  if (cmd == "policy" && args.size() == 4) {
    // Any path resolves (dynamic nodes such as shards included); say so
    // when the config itself does not define the node.
    bool known = false;
    for (auto& p : tether::node_paths(cfg))
      known = known || p == args[3];
    std::cout << args[3] << ": "
              << tether::supervision::to_string(
                   tether::node_policy(cfg, args[3]))
              << (known ? "" : "  (not a node of this config)") << '\n';
    return known ? exit_ok : exit_not_found;
  }
  usage(std::cerr);
  return exit_usage;
}

} // namespace

int main(int argc, char** argv) {
  // A closed pipe (`tetherctl watch | head`) ends us quietly.
  std::signal(SIGPIPE, SIG_DFL);
  cli c;
  c.ep.base = "http://127.0.0.1:7070";
  if (auto t = std::getenv("TETHER_ADMIN_TOKEN"))
    c.ep.token = t;
  std::vector<std::string> args(argv + 1, argv + argc);
  size_t i = 0;
  for (; i < args.size(); ++i) {
    auto& a = args[i];
    if ((a == "--url" || a == "--token") && i + 1 < args.size()) {
      (a == "--url" ? c.ep.base : c.ep.token) = args[++i];
    } else if (a.rfind("--url=", 0) == 0) {
      c.ep.base = a.substr(6);
    } else if (a.rfind("--token=", 0) == 0) {
      c.ep.token = a.substr(8);
    } else if (a == "--timeout" && i + 1 < args.size()
               && !args[i + 1].empty() && args[i + 1].size() < 9
               && args[i + 1].find_first_not_of("0123456789")
                    == std::string::npos) {
      request_timeout = std::chrono::milliseconds{std::stol(args[++i])};
    } else if (a == "--json") {
      c.json_out = true;
    } else if (a == "-h" || a == "--help") {
      usage(std::cout);
      return exit_ok;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "tetherctl: unknown option " << a << '\n';
      usage(std::cerr);
      return exit_usage;
    } else {
      break;
    }
  }
  c.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  while (c.ep.base.size() > 1 && c.ep.base.back() == '/')
    c.ep.base.pop_back();
  c.st.color = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  auto& a = c.args;
  auto n = a.size();
  if (n == 0) {
    usage(std::cerr);
    return exit_usage;
  }
  auto& cmd = a[0];
  if (cmd == "config")
    return cmd_config(a);
  if (cmd == "tree" && n == 1)
    return cmd_tree(c);
  if (cmd == "status" && n == 1)
    return cmd_status(c);
  if ((cmd == "restart" || cmd == "stop" || cmd == "start") && n == 2)
    return cmd_action(c, cmd, a[1]);
  if (cmd == "policy" && n == 3 && a[1] == "get")
    return cmd_policy_get(c, a[2]);
  if (cmd == "policy" && n >= 4 && a[1] == "set")
    return cmd_policy_set(c, a[2], {a.begin() + 3, a.end()});
  if (cmd == "reload" && n == 1)
    return cmd_reload(c);
  if (cmd == "watch" && n == 1)
    return cmd_watch(c);
  if (cmd == "logs") {
    bool f = false;
    std::string lines;
    for (size_t j = 1; j < n; ++j) {
      if (a[j] == "-f" || a[j] == "--follow") {
        f = true;
      } else if (a[j] == "-n" && j + 1 < n
                 && a[j + 1].find_first_not_of("0123456789")
                      == std::string::npos) {
        lines = a[++j];
      } else {
        usage(std::cerr);
        return exit_usage;
      }
    }
    if (lines.empty())
      lines = f ? "20" : "200";
    return cmd_logs(c, f, lines);
  }
  usage(std::cerr);
  return exit_usage;
}
