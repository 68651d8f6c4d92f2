// Per-conversation chat history: the last exchanges of each room, trimmed
// to a turn and a character budget, for a bounded number of rooms (least
// recently used ones are forgotten first).

#pragma once

#include <cstddef>
#include <deque>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocols/llm/chat_request.hpp"

namespace tether::llm {

/// `platform:bot:room`, plus `:thread` when the message is in a thread.
std::string conversation_key(std::string_view platform, std::string_view bot,
                             std::string_view room, std::string_view thread);

/// One exchange: what a user said and what the model answered.
struct turn {
  /// The participant name (chat_message::name), may be empty.
  std::string user_name;
  std::string user_text;
  std::string answer;

  /// What the turn costs of the character budget.
  size_t chars() const {
    return user_text.size() + answer.size();
  }
};

struct history_limits {
  /// Turns kept per conversation; 0 keeps none.
  size_t max_turns = 10;
  /// Characters (bytes of text) kept per conversation; the oldest turns go
  /// first, a single larger turn is not kept.
  size_t max_chars = 8000;
  /// Conversations remembered at once.
  size_t max_conversations = 10000;
};

class history_store {
public:
  explicit history_store(history_limits limits);

  /// The turns of `key` as alternating user/assistant messages, oldest
  /// first; marks the conversation as recently used.
  std::vector<chat_message> recall(const std::string& key);

  /// Appends a turn to `key` and trims it.
  void add(const std::string& key, turn x);

  /// Forgets `key`.
  void forget(const std::string& key);

  /// Conversations remembered.
  size_t size() const {
    return index_.size();
  }

  /// Turns remembered for `key` (0 if unknown); does not touch the order.
  size_t turns(const std::string& key) const;

  /// Characters remembered for `key`.
  size_t chars(const std::string& key) const;

private:
  struct conversation {
    std::string key;
    std::deque<turn> turns;
    size_t chars = 0;
  };

  using list_type = std::list<conversation>;

  void trim(conversation& c);

  history_limits limits_;
  /// Most recently used first.
  list_type lru_;
  std::unordered_map<std::string, list_type::iterator> index_;
};

} // namespace tether::llm
