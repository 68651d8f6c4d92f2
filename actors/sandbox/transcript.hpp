// The recent conversation of one sandbox platform, for the admin console's
// chat panel: a bounded ring of entries (the user's lines and the bot's
// replies, as JSON objects) and a bounded set of live watchers. Owned by the
// sandbox actor; not thread-safe.

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tether::sandbox {

/// Receives transcript entries on behalf of one reader (an event stream).
struct transcript_watch {
  /// Takes one entry, a JSON object; false once the reader is gone. Must
  /// not block.
  std::function<bool(const std::string&)> write;
  /// No more entries will come (the sandbox stopped, or the watcher was
  /// pushed out by newer ones).
  std::function<void()> close;
};

using transcript_watch_ptr = std::shared_ptr<transcript_watch>;

class transcript {
public:
  explicit transcript(size_t capacity = 200, size_t max_watchers = 16);

  /// Closes every watcher.
  ~transcript();

  transcript(const transcript&) = delete;
  transcript& operator=(const transcript&) = delete;

  /// A line from the user: `via` is `stdin` or `console`; `id` the
  /// inbound message id. Returns the entry.
  nlohmann::json add_user(const std::string& text, const std::string& via,
                          const std::string& id, int64_t ts_ms);

  /// A reply of the bot to message `reply_to`. Returns the entry.
  nlohmann::json add_bot(const std::string& text, const std::string& reply_to,
                         int64_t ts_ms);

  /// Up to `n` most recent entries, oldest first.
  nlohmann::json tail(size_t n) const;

  /// Sends the last `backlog` entries to `w`, then every new one. When
  /// `max_watchers` are already there, the oldest one is closed.
  void watch(transcript_watch_ptr w, size_t backlog);

  /// Closes every watcher and forgets them.
  void close_watchers();

  size_t size() const {
    return entries_.size();
  }

  size_t watchers() const {
    return watchers_.size();
  }

private:
  nlohmann::json push(nlohmann::json entry);

  size_t capacity_;
  size_t max_watchers_;
  uint64_t seq_ = 0;
  /// Rendered entries, oldest first.
  std::deque<std::string> entries_;
  std::vector<transcript_watch_ptr> watchers_;
};

} // namespace tether::sandbox
