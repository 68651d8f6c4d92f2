#include "config/message.hpp"

#include <algorithm>

namespace tether::config::detail {

size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the classic table suffices.
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    auto diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      auto above = row[j];
      auto cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest(std::string_view x,
                    const std::vector<std::string>& candidates) {
  constexpr size_t max_distance = 2;
  const std::string* best = nullptr;
  auto best_distance = max_distance + 1;
  for (auto& candidate : candidates) {
    auto d = edit_distance(x, candidate);
    if (d < best_distance) {
      best = &candidate;
      best_distance = d;
    }
  }
  return best ? *best : std::string{};
}

std::string did_you_mean(std::string_view x,
                         const std::vector<std::string>& candidates) {
  auto y = closest(x, candidates);
  if (y.empty()) return {};
  return "; did you mean " + ticked(y) + "?";
}

std::string ticked(std::string_view x) {
  std::string out;
  out.reserve(x.size() + 2);
  out += '`';
  out += x;
  out += '`';
  return out;
}

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs) {
    if (!out.empty()) out += ", ";
    out += x;
  }
  return out;
}

} // namespace tether::config::detail
