#include "actors/ingress/replay_guard.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tether::ingress {

replay_guard::replay_guard(std::chrono::seconds window,
                           std::chrono::seconds ttl, std::string file)
  : window_(window), ttl_(std::max(ttl, window)), file_(std::move(file)) {
  // nop
}

replay_guard::~replay_guard() {
  if (out_ != nullptr)
    std::fclose(out_);
}

bool replay_guard::fresh(int64_t timestamp, int64_t now) const {
  auto diff = timestamp > now ? timestamp - now : now - timestamp;
  return diff <= window_.count();
}

size_t replay_guard::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return seen_.size();
}

bool replay_guard::load(int64_t now, std::string* error) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (file_.empty())
    return true;
  if (out_ != nullptr) {
    std::fclose(out_);
    out_ = nullptr;
  }
  std::error_code ec;
  auto dir = std::filesystem::path{file_}.parent_path();
  if (!dir.empty())
    std::filesystem::create_directories(dir, ec);
  {
    std::ifstream in{file_};
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields{line};
      int64_t at = 0;
      std::string key;
      // A torn last line (a crash mid-write) is simply skipped.
      if (!(fields >> at >> key) || at + ttl_.count() <= now)
        continue;
      if (seen_.emplace(key, at).second)
        order_.emplace_back(at, key);
    }
  }
  auto tmp = file_ + ".tmp";
  auto fail = [&](const char* step) {
    if (error != nullptr)
      *error = std::string{step} + " " + tmp + ": " + std::strerror(errno);
    return false;
  };
  {
    std::ofstream out{tmp, std::ios::trunc};
    if (!out)
      return fail("open");
    for (auto& [at, key] : order_)
      out << at << ' ' << key << '\n';
    out.flush();
    if (!out)
      return fail("write");
  }
  if (std::rename(tmp.c_str(), file_.c_str()) != 0)
    return fail("rename");
  out_ = std::fopen(file_.c_str(), "a");
  if (out_ == nullptr) {
    if (error != nullptr)
      *error = "open " + file_ + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool replay_guard::first_time(std::string key, int64_t now) {
  for (auto& c : key)
    if (std::isspace(static_cast<unsigned char>(c)))
      c = '_';
  std::lock_guard<std::mutex> guard{mtx_};
  expire(now);
  if (!seen_.emplace(key, now).second)
    return false;
  order_.emplace_back(now, key);
  if (out_ != nullptr) {
    // One line per id, flushed at once: a restart right after the answer
    // must still know it.
    std::fprintf(out_, "%lld %s\n", static_cast<long long>(now), key.c_str());
    std::fflush(out_);
  }
  return true;
}

void replay_guard::expire(int64_t now) {
  while (!order_.empty() && order_.front().first + ttl_.count() <= now) {
    auto i = seen_.find(order_.front().second);
    if (i != seen_.end() && i->second == order_.front().first)
      seen_.erase(i);
    order_.pop_front();
  }
}

} // namespace tether::ingress
