// Duration literals of the config file: `250ms`, `30s`, `1h30m`, `0`.

#include <cstdint>
#include <limits>
#include <string_view>

#include "config/config.hpp"

namespace tether::config {

namespace {

struct unit {
  std::string_view suffix;
  int64_t ns;
};

// Largest first: a literal must list its units in this order, each once.
constexpr unit units[] = {
  {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
  {"ms", 1'000'000},        {"us", 1'000},         {"ns", 1},
};

constexpr size_t num_units = sizeof(units) / sizeof(units[0]);

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

} // namespace

std::optional<duration> parse_duration(std::string_view str) {
  // A bare number is ambiguous, except for zero.
  if (str == "0") return duration{0};
  if (str.empty()) return std::nullopt;
  constexpr auto max_ns = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  size_t next_unit = 0; // index of the smallest unit still allowed
  size_t i = 0;
  while (i < str.size()) {
    if (!is_digit(str[i])) return std::nullopt;
    int64_t count = 0;
    for (; i < str.size() && is_digit(str[i]); ++i) {
      auto digit = str[i] - '0';
      if (count > (max_ns - digit) / 10) return std::nullopt;
      count = count * 10 + digit;
    }
    auto first = i;
    while (i < str.size() && is_alpha(str[i]))
      ++i;
    auto suffix = str.substr(first, i - first);
    auto k = next_unit;
    while (k < num_units && units[k].suffix != suffix)
      ++k;
    if (k == num_units)
      return std::nullopt; // unknown, missing, repeated or out of order
    if (count > (max_ns - total) / units[k].ns) return std::nullopt;
    total += count * units[k].ns;
    next_unit = k + 1;
  }
  return duration{total};
}

} // namespace tether::config
