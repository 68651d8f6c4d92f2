#include "config/policy_block.hpp"

#include <cstdint>
#include <limits>

namespace tether::config::detail {

namespace {

constexpr auto inf = std::numeric_limits<double>::infinity();

const std::vector<std::string> backoff_keys = {
  "initial", "multiplier", "max", "jitter", "reset_after",
};

const std::vector<std::string> exhausted_actions = {"escalate", "park"};

constexpr std::string_view brutal_kill = "brutal_kill";

/// Stores `value` in `field`, or marks the block as bad.
template<class T, class U>
void assign(policy_block& block, T& field, const std::optional<U>& value) {
  if (value)
    field = static_cast<typename T::value_type>(*value);
  else
    block.ok = false;
}

void read_backoff(reader& r, const node_ref& x, policy_block& block) {
  map_reader m{r, x, backoff_keys};
  if (!m.ok()) {
    block.ok = false;
    return;
  }
  auto& p = block.patch;
  if (auto v = m.get("initial")) {
    block.initial = v;
    assign(block, p.backoff_initial, r.duration_value(*v, true));
  }
  if (auto v = m.get("multiplier"))
    assign(block, p.backoff_multiplier, r.number(*v, 1.0, inf));
  if (auto v = m.get("max")) {
    block.max = v;
    assign(block, p.backoff_max, r.duration_value(*v, true));
  }
  if (auto v = m.get("jitter"))
    assign(block, p.backoff_jitter, r.number(*v, 0.0, 1.0));
  if (auto v = m.get("reset_after"))
    assign(block, p.backoff_reset_after, r.duration_value(*v, true));
}

void read_shutdown(reader& r, const node_ref& x, policy_block& block) {
  auto str = r.string(x);
  if (!str) {
    block.ok = false;
    return;
  }
  if (*str == brutal_kill) {
    block.patch.shutdown = std::optional<duration>{};
    return;
  }
  auto value = parse_duration(*str);
  if (!value) {
    r.fail(x, "invalid shutdown `" + *str
                + "`: expected a duration such as 5s, or brutal_kill");
    block.ok = false;
  } else if (value->count() == 0) {
    r.fail(x, "must be greater than 0 (use brutal_kill to stop without "
              "waiting)");
    block.ok = false;
  } else {
    block.patch.shutdown = value;
  }
}

} // namespace

const std::vector<std::string>& policy_keys() {
  static const std::vector<std::string> keys = {
    "max_restarts", "within", "backoff", "on_exhausted", "cooldown", "shutdown",
  };
  return keys;
}

policy_block read_policy_block(reader& r, const map_reader& m) {
  policy_block block;
  block.self = m.self();
  block.ok = m.ok();
  auto& p = block.patch;
  if (auto v = m.get("max_restarts"))
    assign(block, p.max_restarts,
           r.integer(*v, 0, std::numeric_limits<int64_t>::max()));
  if (auto v = m.get("within"))
    assign(block, p.within, r.duration_value(*v, false));
  if (auto v = m.get("backoff")) read_backoff(r, *v, block);
  if (auto v = m.get("on_exhausted")) {
    auto str = r.choice(*v, exhausted_actions);
    if (str)
      p.on_exhausted = supervision::parse_exhausted_action(*str);
    else
      block.ok = false;
  }
  if (auto v = m.get("cooldown"))
    assign(block, p.cooldown, r.duration_value(*v, false));
  if (auto v = m.get("shutdown")) read_shutdown(r, *v, block);
  return block;
}

bool check_backoff(reader& r, const policy_block& block,
                   const supervision::restart_policy& base,
                   std::string_view base_name) {
  auto resolved = base;
  block.patch.apply_to(resolved);
  auto& b = resolved.backoff;
  if (b.max >= b.initial) return true;
  auto message = "backoff.max (" + supervision::format_duration(b.max)
                 + ") must be >= backoff.initial ("
                 + supervision::format_duration(b.initial) + ")";
  // Point at the value this block set; the other one is inherited.
  if (block.max) {
    if (!block.initial)
      message += "; initial comes from " + std::string{base_name};
    r.fail(*block.max, std::move(message));
  } else if (block.initial) {
    message += "; max comes from " + std::string{base_name};
    r.fail(*block.initial, std::move(message));
  } else {
    r.fail(block.self, std::move(message));
  }
  return false;
}

} // namespace tether::config::detail
