// The most recent log lines, kept in memory for the admin console: a
// bounded ring of rendered (already redacted) lines plus live followers.

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tether::logging {

class log_ring {
public:
  /// Called for every new line; returns false to unsubscribe. Runs under
  /// the logger's lock: it must not block and must not log.
  using follower = std::function<bool(const std::string&)>;

  /// Lines longer than this are cut (with a marker) before they are kept.
  static constexpr size_t max_line_size = 8 * 1024;

  explicit log_ring(size_t capacity = 2000);

  /// Keeps `line`, dropping the oldest one when full, and passes it to
  /// every follower. Thread-safe.
  void push(std::string line);

  /// Up to `n` most recent lines, oldest first.
  std::vector<std::string> tail(size_t n) const;

  size_t capacity() const {
    return capacity_;
  }

  /// Registers `f` for every later line; returns an id for unfollow().
  uint64_t follow(follower f);

  void unfollow(uint64_t id);

  size_t followers() const;

private:
  size_t capacity_;
  mutable std::mutex mtx_;
  std::deque<std::string> lines_;
  std::map<uint64_t, follower> followers_;
  uint64_t next_id_ = 1;
};

/// The ring that the default logger feeds (see logging.hpp).
log_ring& recent_lines();

} // namespace tether::logging
