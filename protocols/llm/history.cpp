#include "protocols/llm/history.hpp"

namespace tether::llm {

std::string conversation_key(std::string_view platform, std::string_view bot,
                             std::string_view room, std::string_view thread) {
  std::string out;
  out.reserve(platform.size() + bot.size() + room.size() + thread.size() + 3);
  out.append(platform).append(":").append(bot).append(":").append(room);
  if (!thread.empty()) out.append(":").append(thread);
  return out;
}

history_store::history_store(history_limits limits) : limits_(limits) {
  // nop
}

std::vector<chat_message> history_store::recall(const std::string& key) {
  std::vector<chat_message> out;
  auto i = index_.find(key);
  if (i == index_.end()) return out;
  lru_.splice(lru_.begin(), lru_, i->second);
  for (auto& t : i->second->turns) {
    out.push_back({"user", t.user_text, t.user_name});
    out.push_back({"assistant", t.answer, {}});
  }
  return out;
}

void history_store::add(const std::string& key, turn x) {
  if (limits_.max_turns == 0 || limits_.max_conversations == 0) return;
  auto i = index_.find(key);
  if (i == index_.end()) {
    if (x.chars() > limits_.max_chars) return;
    if (index_.size() >= limits_.max_conversations) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(conversation{key, {}, 0});
    i = index_.emplace(key, lru_.begin()).first;
  } else {
    lru_.splice(lru_.begin(), lru_, i->second);
  }
  auto& c = *i->second;
  c.chars += x.chars();
  c.turns.push_back(std::move(x));
  trim(c);
  if (c.turns.empty()) forget(key);
}

void history_store::forget(const std::string& key) {
  auto i = index_.find(key);
  if (i == index_.end()) return;
  lru_.erase(i->second);
  index_.erase(i);
}

size_t history_store::turns(const std::string& key) const {
  auto i = index_.find(key);
  return i == index_.end() ? 0 : i->second->turns.size();
}

size_t history_store::chars(const std::string& key) const {
  auto i = index_.find(key);
  return i == index_.end() ? 0 : i->second->chars;
}

void history_store::trim(conversation& c) {
  while (
    !c.turns.empty()
    && (c.turns.size() > limits_.max_turns || c.chars > limits_.max_chars)) {
    c.chars -= c.turns.front().chars();
    c.turns.pop_front();
  }
}

} // namespace tether::llm
