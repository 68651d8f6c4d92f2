// Replay protection for webhook requests: a window around the signed
// timestamp, and a cache of event ids already dispatched. The cache is
// appended to a file, so a platform's retry after a daemon restart is
// still recognised; loading drops expired ids and rewrites the file.
// Thread-safe: every webhook platform of the daemon shares one guard.

#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <deque>

namespace tether::ingress {

class replay_guard {
public:
  // -- constructors, destructors, and assignment operators ------------------

  /// `window`: how far a timestamp may be from now. `ttl`: how long an id
  /// is remembered (at least `window`). `file`: empty = memory only.
  replay_guard(std::chrono::seconds window, std::chrono::seconds ttl,
               std::string file);

  ~replay_guard();

  replay_guard(const replay_guard&) = delete;
  replay_guard& operator=(const replay_guard&) = delete;

  // -- observers -------------------------------------------------------------

  /// True if `timestamp` (Unix seconds) is within the window around `now`.
  bool fresh(int64_t timestamp, int64_t now) const;

  /// Ids remembered right now.
  size_t size() const;

  // -- modifiers -------------------------------------------------------------

  /// Reads the file (a missing file is fine), keeps the ids younger than
  /// the TTL at `now` and rewrites the file with only them. False with
  /// `*error` when the file cannot be read or written; the guard then
  /// works from memory.
  bool load(int64_t now, std::string* error = nullptr);

  /// Records `key` and returns true if it was not seen within the TTL;
  /// false for a repeat. Keys must not hold whitespace (it is replaced).
  bool first_time(std::string key, int64_t now);

private:
  void expire(int64_t now);

  // -- member variables ------------------------------------------------------

  std::chrono::seconds window_;
  std::chrono::seconds ttl_;
  std::string file_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, int64_t> seen_;
  /// (time, key) in insertion order, for expiry.
  std::deque<std::pair<int64_t, std::string>> order_;
  std::FILE* out_ = nullptr;
};

using replay_guard_ptr = std::shared_ptr<replay_guard>;

} // namespace tether::ingress
