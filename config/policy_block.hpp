// Reading of restart policy blocks (`supervision.defaults`, overrides and
// `restart:` keys); internal to the loader.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/reader.hpp"

namespace tether::config::detail {

/// The keys of a policy block.
const std::vector<std::string>& policy_keys();

/// A parsed block plus what the cross-field check needs.
struct policy_block {
  policy_patch patch;
  /// The `backoff.initial` and `backoff.max` values, if the block sets them.
  std::optional<node_ref> initial;
  std::optional<node_ref> max;
  node_ref self;
  /// False if any of its values was rejected.
  bool ok = true;
};

/// Reads the policy keys of `m` (which may know other keys too, such as an
/// override's `match`).
policy_block read_policy_block(reader& r, const map_reader& m);

/// Checks `backoff.max >= backoff.initial` once `block` is applied to
/// `base`. `base_name` says where unset values come from, for the message.
/// Returns false after recording an error.
bool check_backoff(reader& r, const policy_block& block,
                   const supervision::restart_policy& base,
                   std::string_view base_name);

} // namespace tether::config::detail
