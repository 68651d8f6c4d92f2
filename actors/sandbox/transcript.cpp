#include "actors/sandbox/transcript.hpp"

#include <algorithm>

#include "config/logging.hpp"

namespace tether::sandbox {

using nlohmann::json;

transcript::transcript(size_t capacity, size_t max_watchers)
  : capacity_(std::max<size_t>(capacity, 1)),
    max_watchers_(std::max<size_t>(max_watchers, 1)) {
  // nop
}

transcript::~transcript() {
  close_watchers();
}

void transcript::close_watchers() {
  auto xs = std::move(watchers_);
  watchers_.clear();
  for (auto& w : xs)
    if (w->close)
      w->close();
}

json transcript::add_user(const std::string& text, const std::string& via,
                          const std::string& id, int64_t ts_ms) {
  return push(json{{"from", "user"}, {"via", via}, {"id", id},
                   {"text", text}, {"ts_ms", ts_ms}});
}

json transcript::add_bot(const std::string& text, const std::string& reply_to,
                         int64_t ts_ms) {
  return push(json{{"from", "bot"}, {"reply_to", reply_to}, {"text", text},
                   {"ts_ms", ts_ms}});
}

json transcript::push(json entry) {
  entry["seq"] = ++seq_;
  // Whatever leaves the process is redacted, as the log is.
  entry["text"] = logging::redact(entry["text"].get<std::string>());
  auto text = entry.dump();
  entries_.push_back(text);
  if (entries_.size() > capacity_)
    entries_.pop_front();
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const transcript_watch_ptr& w) {
                                   return !w->write(text);
                                 }),
                  watchers_.end());
  return entry;
}

json transcript::tail(size_t n) const {
  auto out = json::array();
  auto first = entries_.size() - std::min(n, entries_.size());
  for (auto i = first; i < entries_.size(); ++i)
    out.push_back(json::parse(entries_[i]));
  return out;
}

void transcript::watch(transcript_watch_ptr w, size_t backlog) {
  if (!w || !w->write)
    return;
  auto first = entries_.size() - std::min(backlog, entries_.size());
  for (auto i = first; i < entries_.size(); ++i)
    if (!w->write(entries_[i])) {
      if (w->close)
        w->close();
      return;
    }
  if (watchers_.size() >= max_watchers_) {
    if (watchers_.front()->close)
      watchers_.front()->close();
    watchers_.erase(watchers_.begin());
  }
  watchers_.push_back(std::move(w));
}

} // namespace tether::sandbox
