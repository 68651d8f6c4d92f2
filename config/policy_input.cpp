#include "config/policy_input.hpp"

#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/policy_block.hpp"
#include "config/reader.hpp"

namespace tether::config {

policy_input_result parse_policy_input(const std::string& text,
                                       const supervision::restart_policy& base,
                                       const std::string& source) {
  policy_input_result result;
  detail::reader r{source};
  // The loader would replace ${NAME} with the environment: that must not
  // turn into a way to read the daemon's environment over the API.
  if (auto at = text.find("${"); at != std::string::npos) {
    result.errors.push_back(
      error{position{source, 0, 0}, std::string{},
            "`${NAME}` is not expanded here; write the value itself"});
    return result;
  }
  YAML::Node doc;
  try {
    // JSON is YAML (flow style), so one parser serves both.
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    position pos{source, e.mark.line + 1, e.mark.column + 1};
    if (e.mark.line < 0)
      pos = position{source, 0, 0};
    result.errors.push_back(
      error{std::move(pos), std::string{}, "syntax error: " + e.msg});
    return result;
  }
  if (!doc || doc.IsNull() || !doc.IsMap()) {
    result.errors.push_back(
      error{position{source, 1, 1}, std::string{},
            "expected an object with restart policy keys, e.g. "
            "{\"max_restarts\": 3}"});
    return result;
  }
  auto root = r.root(doc);
  detail::map_reader m{r, root, detail::policy_keys()};
  auto block = detail::read_policy_block(r, m);
  if (block.ok)
    detail::check_backoff(r, block, base, "the current policy");
  result.errors = std::move(r.errors());
  if (result.errors.empty()) {
    auto policy = base;
    block.patch.apply_to(policy);
    result.policy = policy;
  }
  return result;
}

std::string policy_yaml(const supervision::restart_policy& x) {
  using supervision::format_duration;
  std::ostringstream out;
  out << "restart:\n"
      << "  max_restarts: " << x.max_restarts << '\n'
      << "  within: " << format_duration(x.within) << '\n'
      << "  backoff:\n"
      << "    initial: " << format_duration(x.backoff.initial) << '\n'
      << "    multiplier: " << x.backoff.multiplier << '\n'
      << "    max: " << format_duration(x.backoff.max) << '\n'
      << "    jitter: " << x.backoff.jitter << '\n'
      << "    reset_after: " << format_duration(x.backoff.reset_after) << '\n'
      << "  on_exhausted: " << supervision::to_string(x.on_exhausted) << '\n'
      << "  cooldown: " << format_duration(x.cooldown) << '\n'
      << "  shutdown: "
      << (x.shutdown ? format_duration(*x.shutdown) : "brutal_kill") << '\n';
  return out.str();
}

} // namespace tether::config
