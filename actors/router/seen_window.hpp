// The last N message keys the router has seen, for dedupe of resume
// replays and platform re-deliveries. Pure; O(1) per insert, bounded.

#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

namespace tether {

class seen_window {
public:
  explicit seen_window(size_t capacity) : capacity_(capacity) {
    // nop
  }

  /// True if `key` is new (and now remembered); the oldest key is
  /// forgotten when the window is full.
  bool insert(const std::string& key);

  bool contains(const std::string& key) const {
    return keys_.count(key) > 0;
  }

  size_t size() const {
    return keys_.size();
  }

private:
  size_t capacity_;
  std::unordered_set<std::string> keys_;
  std::deque<std::string> order_;
};

} // namespace tether
