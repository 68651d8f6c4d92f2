#include "supervision/policy.hpp"

#include <cstdio>

namespace tether::supervision {

bool backoff_policy::operator==(const backoff_policy& other) const {
  return initial == other.initial && multiplier == other.multiplier
         && max == other.max && jitter == other.jitter
         && reset_after == other.reset_after;
}

bool restart_policy::operator==(const restart_policy& other) const {
  return max_restarts == other.max_restarts && within == other.within
         && backoff == other.backoff && on_exhausted == other.on_exhausted
         && cooldown == other.cooldown && shutdown == other.shutdown;
}

std::string_view to_string(restart_type x) {
  switch (x) {
    case restart_type::permanent: return "permanent";
    case restart_type::transient: return "transient";
    case restart_type::temporary: return "temporary";
  }
  return "?";
}

std::string_view to_string(strategy x) {
  switch (x) {
    case strategy::one_for_one: return "one_for_one";
    case strategy::one_for_all: return "one_for_all";
    case strategy::rest_for_one: return "rest_for_one";
  }
  return "?";
}

std::string_view to_string(exhausted_action x) {
  switch (x) {
    case exhausted_action::escalate: return "escalate";
    case exhausted_action::park: return "park";
  }
  return "?";
}

std::string_view to_string(child_kind x) {
  return x == child_kind::worker ? "worker" : "supervisor";
}

std::optional<restart_type> parse_restart_type(std::string_view str) {
  for (auto x : {restart_type::permanent, restart_type::transient,
                 restart_type::temporary})
    if (to_string(x) == str)
      return x;
  return std::nullopt;
}

std::optional<strategy> parse_strategy(std::string_view str) {
  for (auto x :
       {strategy::one_for_one, strategy::one_for_all, strategy::rest_for_one})
    if (to_string(x) == str)
      return x;
  return std::nullopt;
}

std::optional<exhausted_action> parse_exhausted_action(std::string_view str) {
  for (auto x : {exhausted_action::escalate, exhausted_action::park})
    if (to_string(x) == str)
      return x;
  return std::nullopt;
}

std::string format_duration(duration x) {
  using namespace std::chrono;
  auto ns = x.count();
  struct unit {
    const char* suffix;
    int64_t ns;
  };
  // Largest unit that divides the value exactly, so the text parses back.
  static constexpr unit units[] = {
    {"h", 3600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
    {"ms", 1'000'000},       {"us", 1'000},         {"ns", 1},
  };
  if (ns == 0)
    return "0s";
  for (auto& u : units)
    if (ns % u.ns == 0)
      return std::to_string(ns / u.ns) + u.suffix;
  return std::to_string(ns) + "ns";
}

std::string to_string(const restart_policy& x) {
  char factor[32];
  std::snprintf(factor, sizeof(factor), "%g", x.backoff.multiplier);
  char jitter[32];
  std::snprintf(jitter, sizeof(jitter), "%g", x.backoff.jitter);
  std::string out;
  out += "max_restarts=" + std::to_string(x.max_restarts);
  out += " within=" + format_duration(x.within);
  out += " backoff=" + format_duration(x.backoff.initial) + "*" + factor
         + ".." + format_duration(x.backoff.max);
  out += " jitter=" + std::string{jitter};
  out += " reset_after=" + format_duration(x.backoff.reset_after);
  out += " on_exhausted=" + std::string{to_string(x.on_exhausted)};
  out += " cooldown=" + format_duration(x.cooldown);
  out += " shutdown="
         + (x.shutdown ? format_duration(*x.shutdown) : "brutal_kill");
  return out;
}

} // namespace tether::supervision
