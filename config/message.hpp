// Pieces of config error messages: "did you mean" suggestions for
// misspelled keys and names, quoting and lists (internal).

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tether::config::detail {

/// Levenshtein distance: insertions, deletions and substitutions.
size_t edit_distance(std::string_view a, std::string_view b);

/// The first candidate with the smallest distance to `x` if that distance is
/// at most 2, otherwise empty.
std::string closest(std::string_view x,
                    const std::vector<std::string>& candidates);

/// `; did you mean `y`?` for the closest candidate, or empty.
std::string did_you_mean(std::string_view x,
                         const std::vector<std::string>& candidates);

/// `x` in backticks, the way messages quote keys and values.
std::string ticked(std::string_view x);

/// `a, b, c`.
std::string join(const std::vector<std::string>& xs);

} // namespace tether::config::detail
