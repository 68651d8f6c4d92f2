#include "config/log_ring.hpp"

namespace tether::logging {

log_ring::log_ring(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  // nop
}

void log_ring::push(std::string line) {
  if (line.size() > max_line_size) {
    line.resize(max_line_size);
    line += " [cut]";
  }
  std::vector<uint64_t> done;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [id, f] : followers_)
    if (!f(line))
      done.push_back(id);
  for (auto id : done)
    followers_.erase(id);
  if (lines_.size() == capacity_)
    lines_.pop_front();
  lines_.push_back(std::move(line));
}

std::vector<std::string> log_ring::tail(size_t n) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto count = std::min(n, lines_.size());
  return {lines_.end() - static_cast<std::ptrdiff_t>(count), lines_.end()};
}

uint64_t log_ring::follow(follower f) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto id = next_id_++;
  followers_.emplace(id, std::move(f));
  return id;
}

void log_ring::unfollow(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  followers_.erase(id);
}

size_t log_ring::followers() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return followers_.size();
}

log_ring& recent_lines() {
  // Never destroyed: other statics may still log during exit.
  static auto* ptr = new log_ring;
  return *ptr;
}

} // namespace tether::logging
