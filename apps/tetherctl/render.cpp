#include "render.hpp"

#include <ctime>

namespace tetherctl {

using nlohmann::json;

namespace {

std::string colored(const std::string& state, const style& s) {
  if (!s.color)
    return state;
  const char* code = "";
  if (state == "running")
    code = "\033[32m"; // green
  else if (state == "starting" || state == "backoff")
    code = "\033[33m"; // yellow
  else if (state == "parked")
    code = "\033[31m"; // red
  else if (state == "stopped")
    code = "\033[90m"; // grey
  return std::string{code} + state + "\033[0m";
}

std::string str(const json& x, const char* key) {
  auto i = x.find(key);
  if (i == x.end() || !i->is_string())
    return {};
  return i->get<std::string>();
}

int64_t num(const json& x, const char* key, int64_t fallback = 0) {
  auto i = x.find(key);
  if (i == x.end() || !i->is_number())
    return fallback;
  return i->get<int64_t>();
}

void render(const json& x, size_t depth, const style& s, std::string& out) {
  out.append(depth * 2, ' ');
  auto id = str(x, "id");
  auto path = str(x, "path");
  out += depth == 0 ? (id.empty() ? "root" : id) : id;
  out += " [" + colored(str(x, "state"), s) + "]";
  if (auto strat = str(x, "strategy"); !strat.empty())
    out += " " + strat;
  if (auto n = num(x, "restarts_total"); n > 0)
    out += " restarts=" + std::to_string(n);
  if (auto n = num(x, "next_restart_in_ms", -1); n >= 0)
    out += " next_restart_in=" + std::to_string(n) + "ms";
  if (auto r = str(x, "last_exit_reason"); !r.empty())
    out += " last_exit=\"" + r + "\"";
  if (x.value("unresponsive", false))
    out += " (unresponsive)";
  if (auto d = x.find("details"); d != x.end() && d->is_object()
                                  && !d->empty()) {
    out += " {";
    bool first = true;
    for (auto& [k, v] : d->items()) {
      out += first ? "" : " ";
      out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
      first = false;
    }
    out += "}";
  }
  out += depth == 0 ? "" : "  " + path;
  out += '\n';
  if (auto c = x.find("children"); c != x.end() && c->is_array())
    for (auto& child : *c)
      render(child, depth + 1, s, out);
}

void flatten(const json& x, const std::string& prefix, std::string& out) {
  for (auto& [k, v] : x.items()) {
    if (v.is_object()) {
      flatten(v, prefix + k + ".", out);
      continue;
    }
    out += prefix + k + ": " + (v.is_string() ? v.get<std::string>() : v.dump())
           + '\n';
  }
}

} // namespace

std::string render_tree(const json& node, const style& s) {
  std::string out;
  render(node, 0, s, out);
  return out;
}

std::string render_policy(const json& policy) {
  std::string out;
  flatten(policy, "", out);
  return out;
}

std::string render_event(const json& ev, const style& s) {
  auto ts = num(ev, "ts_ms");
  auto secs = static_cast<std::time_t>(ts / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
  auto kind = str(ev, "kind");
  std::string out = std::string{buf} + " ";
  if (s.color && (kind == "exit" || kind == "park" || kind == "give_up"
                  || kind == "kill"))
    out += "\033[31m" + kind + "\033[0m";
  else
    out += kind;
  out += " " + str(ev, "path");
  if (auto r = str(ev, "reason"); !r.empty())
    out += " reason=\"" + r + "\"";
  if (auto d = num(ev, "delay_ms"); d > 0)
    out += " delay=" + std::to_string(d) + "ms";
  if (auto n = num(ev, "restarts_total"); n > 0)
    out += " restarts=" + std::to_string(n);
  return out;
}

std::string render_diff(const json& diff) {
  std::string out;
  auto list = [&](const char* label, const json& xs) {
    if (!xs.is_array())
      return;
    for (auto& x : xs)
      out += std::string{label} + " " + x.get<std::string>() + '\n';
  };
  for (auto group : {"platforms", "handlers"}) {
    auto g = diff.find(group);
    if (g == diff.end())
      continue;
    auto prefix = std::string{group} + "/";
    for (auto& [key, sign] : {std::pair{"added", "+"}, std::pair{"removed", "-"},
                              std::pair{"changed", "~"}})
      if (auto xs = g->find(key); xs != g->end())
        for (auto& x : *xs)
          out += std::string{sign} + " " + prefix + x.get<std::string>() + '\n';
  }
  if (diff.value("routes_changed", false))
    out += "~ routes\n";
  if (auto p = diff.find("policy_changed"); p != diff.end())
    list("~ policy", *p);
  if (auto p = diff.find("applied"); p != diff.end())
    list("~", *p);
  if (auto p = diff.find("needs_restart"); p != diff.end())
    list("! needs restart:", *p);
  return out.empty() ? "no changes\n" : out;
}

} // namespace tetherctl
