#include "actors/handlers/commands.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include "actors/type_ids.hpp"
#include "supervision/reason.hpp"

namespace tether {

using namespace std::chrono_literals;

std::string render_uptime(std::chrono::seconds uptime) {
  auto s = uptime.count();
  auto d = s / 86400;
  auto h = (s % 86400) / 3600;
  auto m = (s % 3600) / 60;
  auto sec = s % 60;
  auto str = [](auto x, const char* unit) {
    return std::to_string(x) + unit;
  };
  if (d > 0)
    return str(d, "d") + str(h, "h");
  if (h > 0)
    return str(h, "h") + str(m, "m");
  if (m > 0)
    return str(m, "m") + str(sec, "s");
  return str(sec, "s");
}

std::string render_status(const supervision::node_snapshot& tree,
                          std::chrono::seconds uptime) {
  using supervision::node_state;
  std::map<node_state, size_t> by_state;
  uint64_t restarts = 0;
  std::string problems;
  tree.for_each([&](const supervision::node_snapshot& node) {
    if (&node == &tree)
      return; // the root has no parent to count it
    ++by_state[node.state];
    restarts += node.restarts_total;
    if (node.state != node_state::running) {
      problems += "\n  " + node.path + " " + to_string(node.state);
      if (!node.last_exit_reason.empty())
        problems += ": " + node.last_exit_reason;
    }
  });
  std::string out = "uptime " + render_uptime(uptime) + "\nnodes:";
  for (auto st : {node_state::running, node_state::starting,
                  node_state::backoff, node_state::parked,
                  node_state::stopped})
    out += " " + std::to_string(by_state[st]) + " " + to_string(st) + ",";
  out.pop_back();
  out += "\nrestarts: " + std::to_string(restarts);
  if (!problems.empty())
    out += "\nnot running:" + problems;
  return out;
}

namespace {

caf::behavior commands(caf::event_based_actor* self, runtime_ptr rt,
                       config::commands_settings settings, std::string path) {
  auto help = [settings] {
    auto p = settings.prefix;
    return "commands: " + p + "ping (liveness), " + p
           + "status (uptime, nodes, restarts), " + p + "help";
  };
  return {
    [=](handle_atom, const inbound_message& msg) -> caf::result<handler_result> {
      auto& text = msg.text;
      if (text.compare(0, settings.prefix.size(), settings.prefix) != 0)
        return handler_result{};
      auto rest = text.substr(settings.prefix.size());
      auto cmd = rest.substr(0, rest.find(' '));
      if (cmd == "ping")
        return handler_result{{"pong"}};
      if (cmd == "help")
        return handler_result{{help()}};
      if (cmd == "status") {
        auto root = rt->directory().get("root");
        if (!root)
          return handler_result{{"status unavailable: the tree is down"}};
        auto rp = self->make_response_promise<handler_result>();
        auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::steady_clock::now() - rt->started_at());
        self->request(root, 2s, supervision::snapshot_atom::value)
          .then(
            [=](supervision::node_snapshot& tree) mutable {
              rp.deliver(handler_result{{render_status(tree, uptime)}});
            },
            [=](caf::error& err) mutable {
              rp.deliver(handler_result{
                {"status unavailable: " + supervision::describe(err)}});
            });
        return rp;
      }
      return handler_result{
        {"unknown command " + settings.prefix + cmd + "; " + help()}};
    },
  };
}

} // namespace

supervision::child_spec commands_spec(runtime_ptr rt,
                                      const config::handler_entry& entry) {
  supervision::child_spec spec;
  spec.id = entry.name;
  auto settings = std::get<config::commands_settings>(entry.settings);
  spec.start = [rt, settings](supervision::child_context& ctx) {
    return rt->directory().register_actor(
      ctx.path, ctx.parent->system().spawn(commands, rt, settings, ctx.path));
  };
  return spec;
}

} // namespace tether
